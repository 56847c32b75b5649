// The official openai npm SDK (7.57.0, pinned in package.json) against the standalone emulator, as a
// client team would point it with baseURL. Usage: node openai-sdk.mjs http://127.0.0.1:PORT/v1
import assert from 'node:assert/strict';
import { checks } from './check.mjs';
import { createHash, randomBytes } from 'node:crypto';
import OpenAI, { toFile } from 'openai';

const baseURL = process.argv[2];
const { check, finish } = checks('sdk');
const client = new OpenAI({ apiKey: 'sk-sdk-test-not-a-real-key', baseURL, maxRetries: 0 });


await check('create → 2 parts → complete with md5 → retrieve → content → delete', async () => {
  const first = randomBytes(150_000);
  const second = Buffer.from('the second part, in ASCII\n');
  const whole = Buffer.concat([first, second]);
  const upload = await client.uploads.create({ bytes: whole.length, filename: 'sdk-test.jsonl', mime_type: 'text/jsonl', purpose: 'fine-tune' });
  assert.equal(upload.status, 'pending');
  assert.equal(upload.bytes, whole.length);
  assert.equal(upload.expires_at - upload.created_at, 3600);

  // Sent in reverse; the order is fixed at complete.
  const p2 = await client.uploads.parts.create(upload.id, { data: await toFile(second, 'p2') });
  const p1 = await client.uploads.parts.create(upload.id, { data: await toFile(first, 'p1') });
  assert.equal(p1.object, 'upload.part');
  assert.equal(p1.upload_id, upload.id);

  const md5 = createHash('md5').update(whole).digest('hex');
  const completed = await client.uploads.complete(upload.id, { part_ids: [p1.id, p2.id], md5 });
  assert.equal(completed.status, 'completed');
  assert.equal(completed.file.bytes, whole.length);
  assert.equal(completed.file.filename, 'sdk-test.jsonl');

  const file = await client.files.retrieve(completed.file.id);
  assert.deepEqual(file, completed.file);

  const content = Buffer.from(await (await client.files.content(file.id)).arrayBuffer());
  assert.ok(content.equals(whole), 'file content differs from the bytes sent');

  const deleted = await client.files.delete(file.id);
  assert.deepEqual(deleted, { object: 'file', deleted: true, id: file.id });
});

await check('create → cancel', async () => {
  const upload = await client.uploads.create({ bytes: 10, filename: 'cancel-me.txt', mime_type: 'text/plain', purpose: 'assistants' });
  const cancelled = await client.uploads.cancel(upload.id);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.id, upload.id);
});

await check('a 404 comes out as NotFoundError', async () => {
  await assert.rejects(client.files.retrieve('file-doesnotexist'), (error) => {
    assert.ok(error instanceof OpenAI.NotFoundError, `got ${error?.constructor?.name}`);
    assert.equal(error.status, 404);
    assert.equal(error.param, 'id');
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.requestID ?? '', /^req_/);
    return true;
  });
});

await check('a bad purpose comes out as BadRequestError', async () => {
  await assert.rejects(client.uploads.create({ bytes: 1, filename: 'x', mime_type: 'text/plain', purpose: 'world_domination' }), (error) => {
    assert.ok(error instanceof OpenAI.BadRequestError, `got ${error?.constructor?.name}`);
    assert.equal(error.status, 400);
    assert.equal(error.param, 'purpose');
    return true;
  });
});

finish();

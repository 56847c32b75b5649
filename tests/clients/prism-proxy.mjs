// Prism 5.14.2 as a validating proxy (--errors) in front of the emulator: every JSON endpoint's request and
// response must pass the published OpenAPI document (third_party/openai-openapi). Prism answers a request
// or response that breaks it with 4xx/5xx and lists the violations.
// Usage: node prism-proxy.mjs http://127.0.0.1:PRISM_PORT
import assert from 'node:assert/strict';
import { checks } from './check.mjs';

const prism = process.argv[2];
const auth = { Authorization: 'Bearer sk-prism-test-not-a-real-key' };

async function call(method, path, body, headers = {}) {
  const response = await fetch(prism + path, { method, body, headers: { ...auth, ...headers } });
  const text = await response.text();
  const violations = response.headers.get('sl-violations');
  assert.equal(response.status, 200, `${method} ${path} → ${response.status}: ${text}`);
  assert.equal(violations, null, `${method} ${path} violations: ${violations}`);
  return JSON.parse(text);
}

const json = (value) => [JSON.stringify(value), { 'Content-Type': 'application/json' }];


const { check, finish } = checks('prism');
let fileId;
await check('uploads: create, part, complete (an Upload with its file), through the validating proxy', async () => {
  const upload = await call('POST', '/uploads', ...json({ filename: 'prism.txt', purpose: 'assistants', bytes: 11, mime_type: 'text/plain' }));
  const form = new FormData();
  form.append('data', new Blob(['hello world'], { type: 'application/octet-stream' }), 'part.txt');
  const part = await call('POST', `/uploads/${upload.id}/parts`, form);
  const completed = await call('POST', `/uploads/${upload.id}/complete`, ...json({ part_ids: [part.id], md5: '5eb63bbbe01eeed093cb22bb8f5acdc3' }));
  assert.equal(completed.status, 'completed');
  assert.equal(completed.file.bytes, 11);
  fileId = completed.file.id;
});

await check('uploads: create and cancel', async () => {
  const upload = await call('POST', '/uploads', ...json({ filename: 'cancel.txt', purpose: 'batch', bytes: 5, mime_type: 'text/plain', expires_after: { anchor: 'created_at', seconds: 3600 } }));
  const cancelled = await call('POST', `/uploads/${upload.id}/cancel`);
  assert.equal(cancelled.status, 'cancelled');
});

await check('files: create (multipart), list, retrieve, delete', async () => {
  const form = new FormData();
  form.append('purpose', 'assistants');
  form.append('file', new Blob(['some notes\n'], { type: 'text/plain' }), 'notes.txt');
  const created = await call('POST', '/files', form);
  const list = await call('GET', '/files?purpose=assistants&limit=5&order=asc');
  assert.ok(list.data.some((f) => f.id === created.id));
  const got = await call('GET', `/files/${fileId}`);
  assert.equal(got.id, fileId);
  const deleted = await call('DELETE', `/files/${fileId}`);
  assert.equal(deleted.deleted, true);
});

finish();

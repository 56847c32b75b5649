// A plain-Node team's client of UploadsGrpc: @grpc/grpc-js with @grpc/proto-loader reading the protos at
// run time (no generated code), int64 as strings so sizes past 2^53 stay exact.
// Usage: node client-test.mjs SERVER_ADDRESS PROTO_DIR   Prints ok/FAIL lines and "node: N passed, M failed".
// Sends "authorization: Bearer $UPLOADSGRPC_TOKEN" on every call when the variable is set.
import { createHash } from 'node:crypto';
import { strict as assert } from 'node:assert';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const [address, protoDir] = process.argv.slice(2);
const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir] };
const definition = protoLoader.loadSync(['uploadsgrpc/v1/upload_service.proto'], loaderOptions);
const { UploadService } = grpc.loadPackageDefinition(definition).uploadsgrpc.v1;
const uploads = new UploadService(address, grpc.credentials.createInsecure());

// The error details are google.rpc messages inside google.protobuf.Any: decoded with protobufjs.
const root = new protobuf.Root();
root.resolvePath = (_, target) => (target.startsWith('google/protobuf/') ? target : `${protoDir}/${target}`);
root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const Status = root.lookupType('google.rpc.Status');
const detail = (status, name) => status.details
  .filter((any) => any.type_url === `type.googleapis.com/${name}`)
  .map((any) => root.lookupType(name).toObject(root.lookupType(name).decode(any.value), { longs: String }));

// Per-call metadata: grpc-js will not compose call credentials with an insecure (cleartext) channel.
const token = process.env.UPLOADSGRPC_TOKEN ?? '';
const bearer = (value) => {
  const metadata = new grpc.Metadata();
  if (value) metadata.set('authorization', `Bearer ${value}`);
  return metadata;
};

const EIGHT_GIB_LESS_ONE = '8589934591';
const deadline = () => ({ deadline: Date.now() + 30_000 });
const unary = (method, request, metadata = bearer(token)) => new Promise((resolve, reject) => {
  let trailers;
  const call = uploads[method](request, metadata, deadline(), (error, response) => {
    if (error) reject(error); else resolve({ response, trailers: () => trailers });
  });
  call.on('status', (status) => { trailers = status.metadata; });
});
const create = (bytes, filename = 'notes.jsonl') => unary('CreateUpload', {
  filename, purpose: 'FILE_PURPOSE_FINE_TUNE', bytes, mime_type: 'application/jsonl',
}).then(({ response }) => response.upload);

const checks = [];
const check = (name, body) => checks.push({ name, body });

check('unary flow, then CancelUpload of the completed upload is refused with ErrorInfo', async () => {
  const data = Buffer.from('{"prompt": "hi", "completion": "there"}\n'.repeat(3));
  const before = Math.floor(Date.now() / 1000);
  const upload = await create(String(data.length));
  assert.match(upload.id, /^upload_/);
  assert.equal(upload.status, 'UPLOAD_STATUS_PENDING');
  assert.equal(upload.status_value, 'pending');
  assert.equal(upload.purpose, 'FILE_PURPOSE_FINE_TUNE');
  assert.equal(upload.purpose_value, 'fine-tune');
  assert.equal(upload.bytes, String(data.length));
  assert.ok(Math.abs(Number(upload.created_at.seconds) - before) <= 120, upload.created_at.seconds);
  assert.equal(Number(upload.expires_at.seconds) - Number(upload.created_at.seconds), 3600);

  const { response: { part } } = await unary('AddUploadPart', { upload_id: upload.id, data });
  assert.match(part.id, /^part_/);
  assert.equal(part.upload_id, upload.id);

  const md5 = createHash('md5').update(data).digest('hex');
  const done = await unary('CompleteUpload', { upload_id: upload.id, part_ids: [part.id], md5 });
  assert.equal(done.response.upload.status, 'UPLOAD_STATUS_COMPLETED');
  assert.equal(done.response.upload.status_value, 'completed');
  assert.match(done.response.upload.file.id, /^file-/);
  assert.equal(done.response.upload.file.bytes, String(data.length));
  assert.equal(done.response.upload.file.filename, 'notes.jsonl');
  assert.match(String(done.trailers().get('x-request-id')[0]), /^req_/);

  const error = await unary('CancelUpload', { upload_id: upload.id }).then(() => assert.fail('cancel succeeded'), (e) => e);
  assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
  assert.match(error.details, /completed/);
  const status = Status.decode(error.metadata.get('grpc-status-details-bin')[0]);
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  const [info, ...more] = detail(status, 'google.rpc.ErrorInfo');
  assert.equal(more.length, 0);
  assert.equal(info.domain, 'api.openai.com');
  assert.equal(info.reason, 'UPLOAD_NOT_PENDING');
  assert.equal(info.metadata.type, 'invalid_request_error');
  assert.equal(info.metadata.http_status, '400');
  const requestId = String(error.metadata.get('x-request-id')[0]);
  assert.match(requestId, /^req_/);
  assert.equal(info.metadata.request_id, requestId);
});

check('a call without the token or with a wrong one is UNAUTHENTICATED', async () => {
  const request = { filename: 'anonymous.jsonl', purpose: 'FILE_PURPOSE_BATCH', bytes: '10', mime_type: 'application/jsonl' };
  for (const metadata of [new grpc.Metadata(), bearer(`wrong-${token}`)]) {
    const error = await unary('CreateUpload', request, metadata).then(() => assert.fail('the call succeeded'), (e) => e);
    assert.equal(error.code, grpc.status.UNAUTHENTICATED, error.details);
    assert.equal(error.code, 16);
  }
});

check('sizes past 2^32 survive the round trip exactly', async () => {
  const upload = await create(EIGHT_GIB_LESS_ONE, 'big.bin');
  assert.equal(upload.bytes, EIGHT_GIB_LESS_ONE);
  const { response } = await unary('CancelUpload', { upload_id: upload.id });
  assert.equal(response.upload.status, 'UPLOAD_STATUS_CANCELLED');
  assert.equal(response.upload.status_value, 'cancelled');
  assert.equal(response.upload.bytes, EIGHT_GIB_LESS_ONE);
});

check('an invalid request names its field in BadRequest', async () => {
  const error = await unary('CancelUpload', { upload_id: '..' }).then(() => assert.fail('cancel succeeded'), (e) => e);
  assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
  const [bad] = detail(Status.decode(error.metadata.get('grpc-status-details-bin')[0]), 'google.rpc.BadRequest');
  assert.deepEqual(bad.fieldViolations.map((v) => v.field), ['upload_id']);
});

check('UploadFile streams a file in parts, with the md5 checked by the server', async () => {
  const size = 3 * 1024 * 1024 + 17;
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + Math.floor(i / 4096)) % 251;
  const md5 = createHash('md5').update(data).digest('hex');
  const call = uploads.UploadFile(bearer(token), { deadline: Date.now() + 60_000 });
  const events = [];
  const ended = new Promise((resolve, reject) => {
    call.on('data', (event) => events.push(event));
    call.on('error', reject);
    call.on('end', resolve);
  });
  call.write({ metadata: {
    filename: 'stream.bin', purpose: 'FILE_PURPOSE_ASSISTANTS', bytes: String(size), mime_type: 'application/octet-stream',
    part_size: 1024 * 1024, parallelism: 2, md5,
  } });
  for (let offset = 0; offset < size; offset += 256 * 1024) call.write({ chunk: data.subarray(offset, offset + 256 * 1024) });
  call.end();
  await ended;
  assert.equal(events[0].event, 'started');
  assert.equal(events.at(-1).event, 'completed');
  assert.equal(events[0].started.part_size, 1024 * 1024);
  const parts = events.filter((e) => e.event === 'part_committed').map((e) => e.part_committed).sort((a, b) => a.index - b.index);
  assert.deepEqual(parts.map((p) => [p.index, p.offset, p.length]),
    [[0, '0', '1048576'], [1, '1048576', '1048576'], [2, '2097152', '1048576'], [3, '3145728', '17']]);
  const { completed } = events.at(-1);
  assert.equal(completed.bytes, String(size));
  assert.equal(completed.md5, md5);
  assert.equal(completed.upload.status, 'UPLOAD_STATUS_COMPLETED');
  assert.equal(completed.upload.file.bytes, String(size));
  assert.equal(completed.upload.file.purpose_value, 'assistants');
});

let passed = 0;
for (const { name, body } of checks) {
  try {
    await body();
    passed++;
    console.log(`ok   - node: ${name}`);
  } catch (error) {
    console.log(`FAIL - node: ${name}\n${error.stack ?? error}`);
  }
}
uploads.close();
console.log(`node: ${passed} passed, ${checks.length - passed} failed`);
process.exitCode = passed === checks.length ? 0 : 1;

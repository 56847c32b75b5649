// Baseline for UploadFile: the same Uploads flow posted straight to the upstream with plain fetch, N parts
// in flight at once (what a team would write by hand without the façade). No MD5 is computed.
// Usage: node direct-parts.mjs BASE_URL FILE PART_MIB PARALLELISM   Prints the file id.
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';

const [base, path, partMiB, parallelism] = process.argv.slice(2);
const headers = { authorization: 'Bearer sk-bench' };
const post = async (url, body) => {
  const response = await fetch(`${base}${url}`, { method: 'POST', headers: body instanceof FormData ? headers : { ...headers, 'content-type': 'application/json' }, body: body instanceof FormData ? body : JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
};

const blob = await openAsBlob(path);
const partSize = Number(partMiB) * 1024 * 1024;
const upload = await post('/uploads', { filename: basename(path), purpose: 'batch', bytes: blob.size, mime_type: 'application/jsonl' });
const count = Math.ceil(blob.size / partSize);
const partIds = new Array(count);
let next = 0;
const worker = async () => {
  for (let index = next++; index < count; index = next++) {
    const form = new FormData();
    form.append('data', blob.slice(index * partSize, Math.min(blob.size, (index + 1) * partSize)), 'part');
    partIds[index] = (await post(`/uploads/${upload.id}/parts`, form)).id;
  }
};
await Promise.all(Array.from({ length: Number(parallelism) }, worker));
const done = await post(`/uploads/${upload.id}/complete`, { part_ids: partIds });
if (done.status !== 'completed' || done.file.bytes !== blob.size) throw new Error(`not completed: ${JSON.stringify(done)}`);
console.log(done.file.id);

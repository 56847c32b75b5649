// Baseline for UploadFile: the official openai npm SDK's Uploads flow as its docs show it: create, add
// the parts one after another, complete. Usage: node sdk-sequential.mjs BASE_URL FILE PART_MIB
// Prints the file id.
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import OpenAI, { toFile } from 'openai';

const [baseURL, path, partMiB] = process.argv.slice(2);
const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0, timeout: 600_000 });
const blob = await openAsBlob(path);
const partSize = Number(partMiB) * 1024 * 1024;
const upload = await client.uploads.create({ filename: basename(path), purpose: 'batch', bytes: blob.size, mime_type: 'application/jsonl' });
const partIds = [];
for (let offset = 0; offset < blob.size; offset += partSize) {
  const data = await toFile(blob.slice(offset, Math.min(blob.size, offset + partSize)), 'part');
  partIds.push((await client.uploads.parts.create(upload.id, { data })).id);
}
const done = await client.uploads.complete(upload.id, { part_ids: partIds });
if (done.status !== 'completed' || done.file?.bytes !== blob.size) throw new Error(`not completed: ${JSON.stringify(done)}`);
console.log(done.file.id);

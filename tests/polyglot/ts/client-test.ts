// A TypeScript team's client of UploadsGrpc: ts-proto stubs from scripts/gen-stubs.sh (grpc-js clients,
// int64 as bigint), compiled with tsc --strict. Usage: node client-test.js SERVER_ADDRESS
// Sends "authorization: Bearer $UPLOADSGRPC_TOKEN" on every call when the variable is set.
// Prints ok/FAIL lines and "ts: N passed, M failed".
import { strict as assert } from "node:assert";
import { credentials, Metadata, ServiceError, status as Code } from "@grpc/grpc-js";
import { ErrorInfo } from "./google/rpc/error_details";
import { Status } from "./google/rpc/status";
import { FilePurpose, UploadStatus } from "./uploadsgrpc/v1/resources";
import { CancelUploadResponse, CreateUploadResponse, UploadServiceClient } from "./uploadsgrpc/v1/upload_service";

const client = new UploadServiceClient(process.argv[2], credentials.createInsecure());
const EIGHT_GIB_LESS_ONE = 8n * 1024n ** 3n - 1n;

// Per-call metadata: grpc-js will not compose call credentials with an insecure (cleartext) channel.
const token = process.env.UPLOADSGRPC_TOKEN ?? "";
const bearer = (value: string): Metadata => {
  const metadata = new Metadata();
  if (value) metadata.set("authorization", `Bearer ${value}`);
  return metadata;
};

const createUpload = (bytes: bigint, metadata: Metadata = bearer(token)) =>
  new Promise<CreateUploadResponse>((resolve, reject) =>
    client.createUpload(
      { filename: "big.bin", purpose: FilePurpose.FILE_PURPOSE_BATCH, purposeValue: "", bytes, mimeType: "application/jsonl", expiresAfter: undefined },
      metadata,
      (error, response) => (error ? reject(error) : resolve(response)),
    ),
  );
const cancelUpload = (uploadId: string) =>
  new Promise<CancelUploadResponse>((resolve, reject) =>
    client.cancelUpload({ uploadId }, bearer(token), (error, response) => (error ? reject(error) : resolve(response))),
  );

const checks: Array<[string, () => Promise<void>]> = [
  ["a bigint size past 2^32 round-trips; a second cancel is refused with ErrorInfo", async () => {
    const created = await createUpload(EIGHT_GIB_LESS_ONE);
    assert.equal(created.upload?.bytes, EIGHT_GIB_LESS_ONE);
    assert.equal(created.upload?.purpose, FilePurpose.FILE_PURPOSE_BATCH);
    assert.equal(created.upload?.purposeValue, "batch");
    assert.equal((created.upload?.expiresAt?.seconds ?? 0n) - (created.upload?.createdAt?.seconds ?? 0n), 3600n);
    const cancelled = await cancelUpload(created.upload!.id);
    assert.equal(cancelled.upload?.status, UploadStatus.UPLOAD_STATUS_CANCELLED);
    assert.equal(cancelled.upload?.statusValue, "cancelled");

    const error = await cancelUpload(created.upload!.id).then(() => assert.fail("second cancel succeeded"), (e: ServiceError) => e);
    assert.equal(error.code, Code.INVALID_ARGUMENT);
    const status = Status.decode(error.metadata.get("grpc-status-details-bin")[0] as Buffer);
    const infos = status.details.filter((any) => any.typeUrl === "type.googleapis.com/google.rpc.ErrorInfo").map((any) => ErrorInfo.decode(any.value));
    assert.equal(infos.length, 1);
    assert.equal(infos[0].domain, "api.openai.com");
    assert.equal(infos[0].reason, "UPLOAD_NOT_PENDING");
    assert.match(String(error.metadata.get("x-request-id")[0]), /^req_/);
  }],
  ["a call without the token or with a wrong one is UNAUTHENTICATED", async () => {
    for (const metadata of [new Metadata(), bearer(`wrong-${token}`)]) {
      const error = await createUpload(10n, metadata).then(() => assert.fail("the call succeeded"), (e: ServiceError) => e);
      assert.equal(error.code, Code.UNAUTHENTICATED, error.details);
      assert.equal(error.code, 16);
    }
  }],
];

(async () => {
  let passed = 0;
  for (const [name, body] of checks) {
    try {
      await body();
      passed++;
      console.log(`ok   - ts: ${name}`);
    } catch (error) {
      console.log(`FAIL - ts: ${name}\n${(error as Error).stack ?? error}`);
    }
  }
  client.close();
  console.log(`ts: ${passed} passed, ${checks.length - passed} failed`);
  process.exitCode = passed === checks.length ? 0 : 1;
})();

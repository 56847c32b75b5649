"""A Python team's client of UploadsGrpc: stubs from scripts/gen-stubs.sh, Debian's grpcio.

Usage: /usr/bin/python3 client_test.py SERVER_ADDRESS STUBS_DIR
Sends "authorization: Bearer $UPLOADSGRPC_TOKEN" on every call when the variable is set.
Prints one "ok"/"FAIL" line per check and "python: N passed, M failed".
"""
import collections
import hashlib
import os
import sys
import time
import unittest

sys.path.insert(0, sys.argv.pop(2))
ADDRESS = sys.argv.pop(1)

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from uploadsgrpc.v1 import resources_pb2 as res  # noqa: E402
from uploadsgrpc.v1 import upload_service_pb2 as pb  # noqa: E402
from uploadsgrpc.v1 import upload_service_pb2_grpc as pb_grpc  # noqa: E402

EIGHT_GIB_LESS_ONE = 8 * 1024**3 - 1  # past 2^32: a 32-bit or float64 slip would show
TOKEN = os.environ.get("UPLOADSGRPC_TOKEN", "")


class _CallDetails(collections.namedtuple("_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")),
                   grpc.ClientCallDetails):
    pass


class BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                  grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds the caller's token to every call. Per-call metadata, since grpcio sends call credentials
    (grpc.metadata_call_credentials) only over TLS, and this server listens in cleartext on loopback."""

    def __init__(self, token: str):
        self._header = ("authorization", f"Bearer {token}")

    def _details(self, details):
        return _CallDetails(details.method, details.timeout, [*(details.metadata or ()), self._header], details.credentials,
                            getattr(details, "wait_for_ready", None), getattr(details, "compression", None))

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._details(details), requests)


def status_details(error: grpc.RpcError) -> status_pb2.Status:
    """The google.rpc.Status the server puts in the grpc-status-details-bin trailer."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    raise AssertionError("no grpc-status-details-bin trailer")


def metadata_value(metadata, name: str) -> str:
    return next((value for key, value in metadata or () if key == name), "")


class UploadServiceFromPython(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.channel = grpc.insecure_channel(ADDRESS)
        cls.uploads = pb_grpc.UploadServiceStub(grpc.intercept_channel(cls.channel, BearerToken(TOKEN)) if TOKEN else cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def create(self, size: int, filename: str = "notes.jsonl") -> res.Upload:
        return self.uploads.CreateUpload(pb.CreateUploadRequest(
            filename=filename, purpose=res.FILE_PURPOSE_FINE_TUNE, bytes=size,
            mime_type="application/jsonl"), timeout=10).upload

    def test_unary_flow_then_cancel_of_the_completed_upload_is_refused(self):
        data = b'{"prompt": "hi", "completion": "there"}\n' * 3
        before = time.time()
        upload = self.create(len(data))
        self.assertTrue(upload.id.startswith("upload_"), upload.id)
        self.assertEqual(upload.status, res.UPLOAD_STATUS_PENDING)
        self.assertEqual(upload.status_value, "pending")
        self.assertEqual(upload.purpose, res.FILE_PURPOSE_FINE_TUNE)
        self.assertEqual(upload.purpose_value, "fine-tune")
        self.assertEqual(upload.bytes, len(data))
        self.assertLessEqual(abs(upload.created_at.seconds - before), 120)
        self.assertEqual(upload.expires_at.seconds - upload.created_at.seconds, 3600)

        part = self.uploads.AddUploadPart(pb.AddUploadPartRequest(upload_id=upload.id, data=data), timeout=10).part
        self.assertTrue(part.id.startswith("part_"), part.id)
        self.assertEqual(part.upload_id, upload.id)

        done, call = self.uploads.CompleteUpload.with_call(pb.CompleteUploadRequest(
            upload_id=upload.id, part_ids=[part.id], md5=hashlib.md5(data).hexdigest()), timeout=10)
        self.assertEqual(done.upload.status, res.UPLOAD_STATUS_COMPLETED)
        self.assertEqual(done.upload.status_value, "completed")
        self.assertTrue(done.upload.file.id.startswith("file-"), done.upload.file.id)
        self.assertEqual(done.upload.file.bytes, len(data))
        self.assertEqual(done.upload.file.filename, "notes.jsonl")
        self.assertEqual(done.upload.file.purpose, res.FILE_PURPOSE_FINE_TUNE)
        self.assertTrue(metadata_value(call.trailing_metadata(), "x-request-id").startswith("req_"))

        with self.assertRaises(grpc.RpcError) as caught:
            self.uploads.CancelUpload(pb.CancelUploadRequest(upload_id=upload.id), timeout=10)
        error = caught.exception
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        status = status_details(error)
        self.assertEqual(status.code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
        infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
        self.assertEqual(len(infos), 1)
        info = error_details_pb2.ErrorInfo()
        infos[0].Unpack(info)
        self.assertEqual(info.domain, "api.openai.com")
        self.assertEqual(info.reason, "UPLOAD_NOT_PENDING")
        self.assertEqual(info.metadata["type"], "invalid_request_error")
        self.assertEqual(info.metadata["http_status"], "400")
        self.assertEqual(info.metadata["request_id"], metadata_value(error.trailing_metadata(), "x-request-id"))
        self.assertIn("completed", error.details())
        self.assertTrue(metadata_value(error.trailing_metadata(), "x-request-id").startswith("req_"))

    def test_a_call_without_the_token_or_with_a_wrong_one_is_unauthenticated(self):
        anonymous = pb_grpc.UploadServiceStub(self.channel)
        request = pb.CreateUploadRequest(filename="anonymous.jsonl", purpose=res.FILE_PURPOSE_BATCH, bytes=10, mime_type="application/jsonl")
        for metadata in ((), (("authorization", "Bearer wrong-" + TOKEN),)):
            with self.assertRaises(grpc.RpcError) as caught:
                anonymous.CreateUpload(request, metadata=metadata, timeout=10)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED, caught.exception.details())
            self.assertEqual(caught.exception.code().value[0], 16)

    def test_sizes_past_two_to_the_32_survive_the_round_trip(self):
        upload = self.create(EIGHT_GIB_LESS_ONE, "big.bin")
        self.assertEqual(upload.bytes, EIGHT_GIB_LESS_ONE)
        cancelled = self.uploads.CancelUpload(pb.CancelUploadRequest(upload_id=upload.id), timeout=10).upload
        self.assertEqual(cancelled.status, res.UPLOAD_STATUS_CANCELLED)
        self.assertEqual(cancelled.status_value, "cancelled")
        self.assertEqual(cancelled.bytes, EIGHT_GIB_LESS_ONE)

    def test_an_invalid_request_names_its_field(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.uploads.CancelUpload(pb.CancelUploadRequest(upload_id=".."), timeout=10)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        bad = [d for d in status_details(caught.exception).details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR)]
        self.assertEqual(len(bad), 1)
        request = error_details_pb2.BadRequest()
        bad[0].Unpack(request)
        self.assertEqual([v.field for v in request.field_violations], ["upload_id"])

    def test_upload_file_streams_a_file_in_parts(self):
        size = 3 * 1024 * 1024 + 17
        data = bytes((i * 7 + i // 4096) % 251 for i in range(size))
        chunk = 256 * 1024

        def requests():
            yield pb.UploadFileRequest(metadata=pb.UploadFileMetadata(
                filename="stream.bin", purpose=res.FILE_PURPOSE_ASSISTANTS, bytes=size,
                mime_type="application/octet-stream", part_size=1024 * 1024, parallelism=2,
                md5=hashlib.md5(data).hexdigest()))
            for offset in range(0, size, chunk):
                yield pb.UploadFileRequest(chunk=data[offset:offset + chunk])

        events = list(self.uploads.UploadFile(requests(), timeout=60))
        kinds = [e.WhichOneof("event") for e in events]
        self.assertEqual(kinds[0], "started")
        self.assertEqual(kinds[-1], "completed")
        self.assertEqual(events[0].started.part_size, 1024 * 1024)
        parts = sorted((e.part_committed for e in events if e.HasField("part_committed")), key=lambda p: p.index)
        self.assertEqual([(p.index, p.offset, p.length) for p in parts],
                         [(0, 0, 1048576), (1, 1048576, 1048576), (2, 2097152, 1048576), (3, 3145728, 17)])
        completed = events[-1].completed
        self.assertEqual(completed.bytes, size)
        self.assertEqual(completed.md5, hashlib.md5(data).hexdigest())
        self.assertEqual(completed.upload.status, res.UPLOAD_STATUS_COMPLETED)
        self.assertEqual(completed.upload.file.bytes, size)
        self.assertEqual(completed.upload.file.purpose_value, "assistants")


class Report(unittest.TextTestResult):
    def addSuccess(self, test):
        super().addSuccess(test)
        print(f"ok   - python: {test._testMethodName}", flush=True)


if __name__ == "__main__":
    runner = unittest.TextTestRunner(resultclass=Report, verbosity=0, stream=sys.stderr)
    result = runner.run(unittest.defaultTestLoader.loadTestsFromTestCase(UploadServiceFromPython))
    for test, trace in result.failures + result.errors:
        print(f"FAIL - python: {test._testMethodName}\n{trace}", flush=True)
    failed = len(result.failures) + len(result.errors)
    print(f"python: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)

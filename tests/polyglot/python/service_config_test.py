"""The README's client service config (docs/service-config.json) in a Python grpcio client, against the server
on its embedded emulator with injected upstream faults.

Usage: /usr/bin/python3 service_config_test.py SERVER_ADDRESS STUBS_DIR EMULATOR_URL
The server should retry upstream requests quickly (Upstream__RetryBaseDelay of a few ms); the faults set here
give retry-after-ms anyway. EMULATOR_URL is the embedded emulator's root (Upstream__EmulatorPort), for
/_admin/faults and /_admin/requests. Sends "authorization: Bearer $UPLOADSGRPC_TOKEN" when it is set.
Prints one "ok"/"FAIL" line per check and "python-retries: N passed, M failed".
"""
import hashlib
import json
import os
import re
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, sys.argv.pop(2))
ADDRESS = sys.argv.pop(1)
EMULATOR = sys.argv.pop(1).rstrip("/")

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from uploadsgrpc.v1 import file_service_pb2 as files_pb  # noqa: E402
from uploadsgrpc.v1 import file_service_pb2_grpc as files_grpc  # noqa: E402
from uploadsgrpc.v1 import resources_pb2 as res  # noqa: E402
from uploadsgrpc.v1 import upload_service_pb2 as uploads_pb  # noqa: E402
from uploadsgrpc.v1 import upload_service_pb2_grpc as uploads_grpc  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
CONFIG_PATH = os.path.join(ROOT, "docs", "service-config.json")
with open(CONFIG_PATH, encoding="utf-8") as config_file:
    CONFIG_TEXT = config_file.read()
CONFIG = json.loads(CONFIG_TEXT)
TOKEN = os.environ.get("UPLOADSGRPC_TOKEN", "")
AUTH = (("authorization", f"Bearer {TOKEN}"),) if TOKEN else ()
TIMEOUT = 10
PUSHBACK = "grpc-retry-pushback-ms"

# What a client may call again after UNAVAILABLE without doing twice what it asked (README, "Client retries").
IDEMPOTENT = {
    ("uploadsgrpc.v1.FileService", "GetFile"),
    ("uploadsgrpc.v1.FileService", "ListFiles"),
    ("uploadsgrpc.v1.FileService", "DeleteFile"),
    ("uploadsgrpc.v1.FileService", "DownloadFile"),
    ("uploadsgrpc.v1.UploadService", "AddUploadPart"),
}


def admin(method: str, path: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(EMULATOR + path, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def faults(*rules):
    admin("POST", "/_admin/faults", {"seed": 1, "rules": list(rules)})


def upstream_requests(action):
    """Runs action(); returns its result (or the RpcError it raised) and the /v1 requests the emulator received meanwhile."""
    before = admin("GET", "/_admin/requests")["total"]
    try:
        result = action()
    except grpc.RpcError as error:
        result = error
    log = admin("GET", "/_admin/requests")
    new = log["total"] - before
    return result, [(r["method"], r["path"]) for r in log["recent"][len(log["recent"]) - new:]]


def seconds(duration: str) -> float:
    """A service config duration ("0.2s") in seconds."""
    assert re.fullmatch(r"\d+(\.\d+)?s", duration), duration
    return float(duration[:-1])


def metadata_value(metadata, name: str):
    return next((value for key, value in metadata or () if key == name), None)


def status_details(error: grpc.RpcError) -> status_pb2.Status:
    return status_pb2.Status.FromString(metadata_value(error.trailing_metadata(), "grpc-status-details-bin"))


def channel(*extra_options):
    """A channel as the README says to make one: the committed config's text, retries enabled."""
    return grpc.insecure_channel(ADDRESS, options=[("grpc.service_config", CONFIG_TEXT), ("grpc.enable_retries", 1), *extra_options])


class ServiceConfigFromPython(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.channel = channel()
        cls.files = files_grpc.FileServiceStub(cls.channel)
        cls.uploads = uploads_grpc.UploadServiceStub(cls.channel)
        admin("DELETE", "/_admin/faults")
        cls.content = b'{"custom_id": "1"}\n' * 4
        upload = cls.create_upload(len(cls.content))
        part = cls.uploads.AddUploadPart(uploads_pb.AddUploadPartRequest(upload_id=upload.id, data=cls.content), metadata=AUTH, timeout=TIMEOUT).part
        done = cls.uploads.CompleteUpload(uploads_pb.CompleteUploadRequest(
            upload_id=upload.id, part_ids=[part.id], md5=hashlib.md5(cls.content).hexdigest()), metadata=AUTH, timeout=TIMEOUT)
        cls.file_id = done.upload.file.id
        cls.file_path = f"/v1/files/{cls.file_id}"

    @classmethod
    def tearDownClass(cls):
        admin("DELETE", "/_admin/faults")
        cls.channel.close()

    def tearDown(self):
        admin("DELETE", "/_admin/faults")

    @classmethod
    def create_upload(cls, size: int):
        return cls.uploads.CreateUpload(uploads_pb.CreateUploadRequest(
            filename="retries.jsonl", purpose=res.FILE_PURPOSE_BATCH, bytes=size, mime_type="application/jsonl"),
            metadata=AUTH, timeout=TIMEOUT).upload

    def get_file(self, files=None):
        return (files or self.files).GetFile(files_pb.GetFileRequest(file_id=self.file_id), metadata=AUTH, timeout=TIMEOUT)

    def test_the_readme_shows_the_committed_config(self):
        with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:
            text = readme.read()
        section = text.split("\n## Client retries (service config)\n", 1)
        self.assertEqual(len(section), 2, "README has no section 'Client retries (service config)'")
        block = re.search(r"```json\n(.*?)```", section[1].split("\n## ", 1)[0], re.S)
        self.assertIsNotNone(block, "the section has no json block")
        self.assertEqual(block.group(1), CONFIG_TEXT, "README's json block differs from docs/service-config.json")

    def test_the_config_retries_exactly_the_idempotent_rpcs_on_unavailable(self):
        services = {**files_pb.DESCRIPTOR.services_by_name, **uploads_pb.DESCRIPTOR.services_by_name}
        named = set()
        for method_config in CONFIG["methodConfig"]:
            policy = method_config["retryPolicy"]
            self.assertEqual(policy["retryableStatusCodes"], ["UNAVAILABLE"])
            self.assertTrue(2 <= policy["maxAttempts"] <= 5, "gRPC caps maxAttempts at 5")
            for name in method_config["name"]:
                service = services[name["service"].rsplit(".", 1)[1]]
                self.assertEqual(service.full_name, name["service"])
                self.assertIn(name["method"], service.methods_by_name)
                named.add((name["service"], name["method"]))
        self.assertEqual(named, IDEMPOTENT)

    def test_get_file_is_retried_by_the_client_after_the_servers_own_retries_fail(self):
        # The server's three attempts (one and Upstream:MaxRetries 2) all meet a 503: UNAVAILABLE with a pushback.
        faults({"route": "get_file", "count": 3, "status": 503, "retry_after_ms": 20})
        answer, requests = upstream_requests(self.get_file)
        self.assertNotIsInstance(answer, grpc.RpcError, answer)
        self.assertEqual(answer.file.id, self.file_id)
        self.assertEqual(requests.count(("GET", self.file_path)), 4, requests)

    def test_the_servers_pushback_is_honoured(self):
        # The server's first two attempts wait 10 ms; the third gets retry-after-ms: PUSHBACK_MS, which the
        # server hands on (its retries are spent) as RetryInfo and grpc-retry-pushback-ms.
        pushback_ms = 800
        initial_backoff = seconds(CONFIG["methodConfig"][0]["retryPolicy"]["initialBackoff"])
        # The first retry's backoff is random in [0, initialBackoff): only a pushback above it tells them apart.
        self.assertGreater(pushback_ms / 1000, initial_backoff)
        rules = ({"route": "get_file", "count": 2, "status": 503, "retry_after_ms": 10},
                 {"route": "get_file", "count": 1, "status": 503, "retry_after_ms": pushback_ms})

        # Without the config: the status the client's policy sees.
        faults(*rules)
        with grpc.insecure_channel(ADDRESS) as plain:
            error, requests = upstream_requests(lambda: self.get_file(files_grpc.FileServiceStub(plain)))
        self.assertIsInstance(error, grpc.RpcError)
        self.assertEqual(error.code(), grpc.StatusCode.UNAVAILABLE, error.details())
        self.assertEqual(metadata_value(error.trailing_metadata(), PUSHBACK), str(pushback_ms))
        self.assertEqual(requests.count(("GET", self.file_path)), 3, requests)

        # With it: the retry comes no sooner than the pushback (a lower bound only: honouring it is the point).
        faults(*rules)
        started = time.monotonic()
        answer, requests = upstream_requests(self.get_file)
        elapsed = time.monotonic() - started
        self.assertNotIsInstance(answer, grpc.RpcError, answer)
        self.assertEqual(answer.file.id, self.file_id)
        self.assertEqual(requests.count(("GET", self.file_path)), 4, requests)
        self.assertGreaterEqual(elapsed, pushback_ms / 1000 - 0.02)

    def test_create_upload_failing_unavailable_is_not_retried(self):
        # A 503 may come after the upload was created, so the server does not send it again; nor may the client.
        faults({"route": "create_upload", "count": 4, "status": 503, "retry_after_ms": 20})
        uploads_before = admin("GET", "/_admin/uploads")["count"]
        error, requests = upstream_requests(lambda: self.create_upload(10))
        self.assertIsInstance(error, grpc.RpcError)
        self.assertEqual(error.code(), grpc.StatusCode.UNAVAILABLE, error.details())
        # The pushback is there, and still no retry: the config has no policy for CreateUpload.
        self.assertEqual(metadata_value(error.trailing_metadata(), PUSHBACK), "20")
        self.assertEqual(requests.count(("POST", "/v1/uploads")), 1, requests)
        self.assertEqual(admin("GET", "/_admin/uploads")["count"], uploads_before)

    def test_complete_upload_failing_unavailable_is_not_retried(self):
        data = b"0123456789"
        upload = self.create_upload(len(data))
        part = self.uploads.AddUploadPart(uploads_pb.AddUploadPartRequest(upload_id=upload.id, data=data), metadata=AUTH, timeout=TIMEOUT).part
        faults({"route": "complete_upload", "count": 4, "status": 503, "retry_after_ms": 20})
        request = uploads_pb.CompleteUploadRequest(upload_id=upload.id, part_ids=[part.id], md5=hashlib.md5(data).hexdigest())
        error, requests = upstream_requests(lambda: self.uploads.CompleteUpload(request, metadata=AUTH, timeout=TIMEOUT))
        self.assertIsInstance(error, grpc.RpcError)
        self.assertEqual(error.code(), grpc.StatusCode.UNAVAILABLE, error.details())
        self.assertEqual(requests.count(("POST", f"/v1/uploads/{upload.id}/complete")), 1, requests)
        self.assertEqual(admin("GET", f"/_admin/uploads/{upload.id}")["status"], "pending")
        admin("DELETE", "/_admin/faults")
        self.uploads.CancelUpload(uploads_pb.CancelUploadRequest(upload_id=upload.id), metadata=AUTH, timeout=TIMEOUT)

    def test_resource_exhausted_from_a_429_is_not_retried(self):
        # The server retries the 429 twice and hands on the third: RESOURCE_EXHAUSTED with RetryInfo and a
        # pushback. A fourth request would succeed, so one from the client would show.
        faults({"route": "get_file", "count": 3, "status": 429, "retry_after_ms": 20})
        error, requests = upstream_requests(self.get_file)
        self.assertIsInstance(error, grpc.RpcError)
        self.assertEqual(error.code(), grpc.StatusCode.RESOURCE_EXHAUSTED, error.details())
        self.assertEqual(metadata_value(error.trailing_metadata(), PUSHBACK), "20")
        retry = [d for d in status_details(error).details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
        self.assertEqual(len(retry), 1)
        self.assertEqual(requests.count(("GET", self.file_path)), 3, requests)

    def test_download_file_is_retried_until_its_first_message_then_resumed_with_read_offset(self):
        def download(offset=0):
            received = []
            try:
                for message in self.files.DownloadFile(files_pb.DownloadFileRequest(file_id=self.file_id, read_offset=offset),
                                                       metadata=AUTH, timeout=TIMEOUT):
                    received.append(message)
            except grpc.RpcError as error:
                return received, error
            return received, None

        # Failing before the FileObject (the file's metadata): nothing was received, gRPC retries the stream.
        faults({"route": "get_file", "count": 3, "status": 503, "retry_after_ms": 20})
        (received, error), requests = upstream_requests(download)
        self.assertIsNone(error)
        self.assertEqual(received[0].file.id, self.file_id)
        self.assertEqual(b"".join(m.chunk for m in received[1:]), self.content)
        self.assertEqual(requests.count(("GET", self.file_path)), 4, requests)

        # Failing after it: the stream is committed, so no retry; the caller resumes from the bytes it has.
        faults({"route": "file_content", "count": 3, "status": 503, "retry_after_ms": 20})
        (received, error), requests = upstream_requests(download)
        self.assertIsNotNone(error)
        self.assertEqual(error.code(), grpc.StatusCode.UNAVAILABLE, error.details())
        self.assertEqual(received[0].file.id, self.file_id)
        self.assertEqual(requests.count(("GET", self.file_path + "/content")), 3, requests)
        have = b"".join(m.chunk for m in received[1:])
        admin("DELETE", "/_admin/faults")
        rest, error = download(len(have))
        self.assertIsNone(error)
        self.assertEqual(have + b"".join(m.chunk for m in rest[1:]), self.content)

    def test_add_upload_part_is_retried_within_the_clients_retry_buffer(self):
        def add_part(uploads, size):
            upload = self.create_upload(size)
            faults({"route": "add_part", "count": 3, "status": 503, "retry_after_ms": 10})
            request = uploads_pb.AddUploadPartRequest(upload_id=upload.id, data=b"x" * size)
            answer, requests = upstream_requests(lambda: uploads.AddUploadPart(request, metadata=AUTH, timeout=TIMEOUT))
            admin("DELETE", "/_admin/faults")
            uploads.CancelUpload(uploads_pb.CancelUploadRequest(upload_id=upload.id), metadata=AUTH, timeout=TIMEOUT)
            return answer, requests.count(("POST", f"/v1/uploads/{upload.id}/parts"))

        # grpcio keeps a request for resending up to grpc.per_rpc_retry_buffer_size, 256 KiB by default.
        answer, posts = add_part(self.uploads, 64 * 1024)
        self.assertNotIsInstance(answer, grpc.RpcError, answer)
        self.assertTrue(answer.part.id.startswith("part_"), answer.part.id)
        self.assertEqual(posts, 4)

        answer, posts = add_part(self.uploads, 512 * 1024)
        self.assertIsInstance(answer, grpc.RpcError)
        self.assertEqual(answer.code(), grpc.StatusCode.UNAVAILABLE, answer.details())
        self.assertEqual(posts, 3)

        with channel(("grpc.per_rpc_retry_buffer_size", 65 * 1024 * 1024)) as roomy:
            answer, posts = add_part(uploads_grpc.UploadServiceStub(roomy), 512 * 1024)
        self.assertNotIsInstance(answer, grpc.RpcError, answer)
        self.assertEqual(posts, 4)


class Report(unittest.TextTestResult):
    def addSuccess(self, test):
        super().addSuccess(test)
        print(f"ok   - python-retries: {test._testMethodName}", flush=True)


if __name__ == "__main__":
    runner = unittest.TextTestRunner(resultclass=Report, verbosity=0, stream=sys.stderr)
    result = runner.run(unittest.defaultTestLoader.loadTestsFromTestCase(ServiceConfigFromPython))
    for test, trace in result.failures + result.errors:
        print(f"FAIL - python-retries: {test._testMethodName}\n{trace}", flush=True)
    failed = len(result.failures) + len(result.errors)
    print(f"python-retries: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)

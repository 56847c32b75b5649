"""The mesh suite's gRPC clients and flood, one subcommand each (tests/mesh/run.sh runs them).

Usage: /usr/bin/python3 driver.py STUBS_DIR COMMAND [options]    (STUBS_DIR: scripts/gen-stubs.sh's python/)

  seed ADDR                       a small completed file; prints its id
  load ADDR --file-id F ...       N callers of unary RPCs until a stop file appears; JSON summary
  health ADDR --pid P ...         Check every ~10 ms and one Watch around a SIGTERM it sends itself; JSON
  call ADDR --file-id F ...       one GetFile; JSON with its status
  pickfirst ADDR --up-file U ...  ListFiles in a loop on ONE channel (pick_first); JSON with times
  checker ADDR ...                a well-behaved caller: Check every 100 ms on one channel opened first; JSON
  flood ADDR ...                  raw TCP connection attempts in batches, held open; JSON counts
  wait-serving ADDR               exits 0 once Check says SERVING on a fresh channel
  lb-wait SOCKET BACKEND/SERVER STATE   exits 0 once haproxy's stats socket shows that state

Every loop is bounded by a count or a time; every figure the suite asserts on is in the JSON.
"""
import argparse
import errno
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import threading
import time
from collections import Counter

sys.path.insert(0, sys.argv.pop(1))

import grpc  # noqa: E402
from uploadsgrpc.v1 import file_service_pb2 as files_pb  # noqa: E402
from uploadsgrpc.v1 import file_service_pb2_grpc as files_grpc  # noqa: E402
from uploadsgrpc.v1 import resources_pb2 as res  # noqa: E402
from uploadsgrpc.v1 import upload_service_pb2 as uploads_pb  # noqa: E402
from uploadsgrpc.v1 import upload_service_pb2_grpc as uploads_grpc  # noqa: E402

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
HEALTH_WATCH = "/grpc.health.v1.Health/Watch"
# grpc.health.v1.HealthCheckResponse.ServingStatus
STATUS_NAMES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def serving_status(message: bytes) -> str:
    """Decodes a HealthCheckResponse by hand (field 1, varint): no health stubs are generated."""
    if message == b"":
        return STATUS_NAMES[0]
    if len(message) == 2 and message[0] == 0x08:
        return STATUS_NAMES.get(message[1], f"status {message[1]}")
    return f"undecodable {message.hex()}"


def health_methods(channel):
    identity = lambda b: b  # noqa: E731
    check = channel.unary_unary(HEALTH_CHECK, request_serializer=identity, response_deserializer=identity)
    watch = channel.unary_stream(HEALTH_WATCH, request_serializer=identity, response_deserializer=identity)
    return check, watch


def check_once(check, timeout: float) -> str:
    """SERVING / NOT_SERVING / …, or the gRPC status code's name of a failed call."""
    try:
        return serving_status(check(b"", timeout=timeout))
    except grpc.RpcError as error:
        return error.code().name


def write_json(path: str, value) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(value, out, indent=1, sort_keys=True)


def seed(args) -> None:
    channel = grpc.insecure_channel(args.address)
    uploads = uploads_grpc.UploadServiceStub(channel)
    data = b'{"mesh": "seed"}\n'
    upload = uploads.CreateUpload(uploads_pb.CreateUploadRequest(
        filename="mesh-seed.jsonl", purpose=res.FILE_PURPOSE_BATCH, bytes=len(data), mime_type="application/jsonl"),
        timeout=30).upload
    part = uploads.AddUploadPart(uploads_pb.AddUploadPartRequest(upload_id=upload.id, data=data), timeout=30).part
    done = uploads.CompleteUpload(uploads_pb.CompleteUploadRequest(upload_id=upload.id, part_ids=[part.id]), timeout=30)
    print(done.upload.file.id)


class Tally:
    """Calls done and errors by status code, shared by the load's callers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = Counter()
        self.errors = Counter()
        self.samples = []

    def record(self, method: str, error: grpc.RpcError = None) -> None:
        with self.lock:
            self.calls[method] += 1
            if error is not None:
                self.errors[error.code().name] += 1
                if len(self.samples) < 20:
                    self.samples.append(f"{time.strftime('%H:%M:%S')} {method}: {error.code().name}: {error.details()}")


def load(args) -> None:
    tally = Tally()
    deadline = time.monotonic() + args.max_seconds
    stop = threading.Event()

    def call(method: str, invoke):
        try:
            result = invoke()
            tally.record(method)
            return result
        except grpc.RpcError as error:
            tally.record(method, error)
            return None

    def caller(index: int) -> None:
        channel = grpc.insecure_channel(args.address)
        uploads = uploads_grpc.UploadServiceStub(channel)
        files = files_grpc.FileServiceStub(channel)
        data = b"mesh\n"
        step = index
        while not stop.is_set() and time.monotonic() < deadline:
            kind = step % 3
            step += 1
            if kind == 0:
                # A whole small upload that ends cancelled: nothing may stay pending upstream.
                created = call("CreateUpload", lambda: uploads.CreateUpload(uploads_pb.CreateUploadRequest(
                    filename=f"mesh-{index}.txt", purpose=res.FILE_PURPOSE_BATCH, bytes=len(data),
                    mime_type="text/plain"), timeout=args.call_timeout))
                if created is None:
                    continue
                upload_id = created.upload.id
                call("AddUploadPart", lambda: uploads.AddUploadPart(
                    uploads_pb.AddUploadPartRequest(upload_id=upload_id, data=data), timeout=args.call_timeout))
                call("CancelUpload", lambda: uploads.CancelUpload(
                    uploads_pb.CancelUploadRequest(upload_id=upload_id), timeout=args.call_timeout))
            elif kind == 1:
                call("ListFiles", lambda: files.ListFiles(files_pb.ListFilesRequest(page_size=5), timeout=args.call_timeout))
            else:
                call("GetFile", lambda: files.GetFile(files_pb.GetFileRequest(file_id=args.file_id), timeout=args.call_timeout))
        channel.close()

    def watch_stop_file() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            if os.path.exists(args.stop_file):
                stop.set()
            time.sleep(0.05)
        stop.set()

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(args.workers)]
    threads.append(threading.Thread(target=watch_stop_file))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    summary = {
        "workers": args.workers,
        "seconds": round(time.monotonic() - started, 1),
        "stopped_by_file": os.path.exists(args.stop_file),
        "calls": sum(tally.calls.values()),
        "calls_by_method": dict(tally.calls),
        "failed": sum(tally.errors.values()),
        "errors_by_status": dict(tally.errors),
        "error_samples": tally.samples,
    }
    write_json(args.out, summary)


def health(args) -> None:
    channel = grpc.insecure_channel(args.address)
    check, watch = health_methods(channel)
    first = check_once(check, 2.0)
    watch_events = []
    watch_end = {}
    base = time.monotonic()

    def watcher() -> None:
        stream = watch(b"", timeout=args.before + args.after + 5)
        try:
            for message in stream:
                watch_events.append([round((time.monotonic() - base) * 1000, 1), serving_status(message)])
            watch_end["status"] = "OK (stream ended)"
        except grpc.RpcError as error:
            watch_end["status"] = error.code().name
        watch_end["ms"] = round((time.monotonic() - base) * 1000, 1)

    watch_thread = threading.Thread(target=watcher, daemon=True)
    watch_thread.start()
    polls = []
    signalled_at = None
    end = base + args.before + args.after
    while time.monotonic() < end:
        now = time.monotonic()
        if signalled_at is None and now - base >= args.before:
            os.kill(args.pid, signal.SIGTERM)
            signalled_at = time.monotonic()
        sent = time.monotonic()
        result = check_once(check, 0.5)
        polls.append([round((sent - base) * 1000, 1), result])
        time.sleep(max(0.0, 0.01 - (time.monotonic() - sent)))
    watch_thread.join(timeout=2)
    signal_ms = round((signalled_at - base) * 1000, 1)
    after = [(t - signal_ms, r) for t, r in polls if t >= signal_ms]
    first_not_serving = next((t for t, r in after if r == "NOT_SERVING"), None)
    first_failure = next((t for t, r in after if r not in ("SERVING", "NOT_SERVING")), None)
    window_end = args.drain_delay * 1000 - 100  # the listener closes at the drain delay: stop 100 ms short
    window = [r for t, r in after if first_not_serving is not None and first_not_serving <= t <= window_end]
    watch_not_serving = next((t - signal_ms for t, s in watch_events if s == "NOT_SERVING" and t >= signal_ms), None)
    summary = {
        "before_signal": first,
        "polls": len(polls),
        "polls_after_signal": len(after),
        "answers_after_signal": dict(Counter(r for _, r in after)),
        "first_not_serving_ms": None if first_not_serving is None else round(first_not_serving, 1),
        "first_failure_ms": None if first_failure is None else round(first_failure, 1),
        "serving_after_signal_ms": [round(t, 1) for t, r in after if r == "SERVING"][:10],
        "drain_window_polls": len(window),
        "drain_window_answers": dict(Counter(window)),
        "watch_events_ms": [[round(t - signal_ms, 1), s] for t, s in watch_events],
        "watch_not_serving_ms": None if watch_not_serving is None else round(watch_not_serving, 1),
        "watch_end": {"status": watch_end.get("status", "still open"),
                      "ms": None if "ms" not in watch_end else round(watch_end["ms"] - signal_ms, 1)},
    }
    write_json(args.out, summary)


def one_call(args) -> None:
    channel = grpc.insecure_channel(args.address)
    files = files_grpc.FileServiceStub(channel)
    started = time.monotonic()
    try:
        files.GetFile(files_pb.GetFileRequest(file_id=args.file_id), timeout=args.timeout)
        outcome = {"status": "OK", "details": ""}
    except grpc.RpcError as error:
        outcome = {"status": error.code().name, "details": error.details()}
    outcome["seconds"] = round(time.monotonic() - started, 2)
    write_json(args.out, outcome)


def pickfirst(args) -> None:
    # One channel for the whole run, pick_first (grpcio's default, named here so it cannot drift): every call
    # goes over one connection until that connection goes away.
    channel = grpc.insecure_channel(args.address, options=[("grpc.lb_policy_name", "pick_first")])
    files = files_grpc.FileServiceStub(channel)
    started = time.monotonic()
    hard_end = started + args.max_seconds
    up_at = None
    before = after = 0
    errors = Counter()
    samples = []
    while time.monotonic() < hard_end:
        now = time.monotonic()
        if up_at is None and os.path.exists(args.up_file):
            up_at = now
        if up_at is not None and now - up_at >= args.window:
            break
        try:
            files.ListFiles(files_pb.ListFilesRequest(page_size=1), timeout=5)
        except grpc.RpcError as error:
            errors[error.code().name] += 1
            if len(samples) < 10:
                samples.append(f"{error.code().name}: {error.details()}")
        if up_at is None:
            before += 1
        else:
            after += 1
        if args.pause > 0:
            time.sleep(args.pause)
    channel.close()
    write_json(args.out, {
        "calls_before_up": before,
        "calls_in_window": after,
        "window_seconds": None if up_at is None else round(min(time.monotonic(), hard_end) - up_at, 1),
        "up_seen": up_at is not None,
        "failed": sum(errors.values()),
        "errors_by_status": dict(errors),
        "error_samples": samples,
    })


def checker(args) -> None:
    channel = grpc.insecure_channel(args.address)
    check, _ = health_methods(channel)
    results = {"before": Counter(), "during": Counter(), "after": Counter()}
    slowest = {"before": 0.0, "during": 0.0, "after": 0.0}
    first = check_once(check, 5.0)
    with open(args.ready_file, "w", encoding="utf-8") as ready:
        ready.write(first)
    end = time.monotonic() + args.max_seconds
    while time.monotonic() < end and not os.path.exists(args.stop_file):
        phase = "after" if os.path.exists(args.done_file) else "during" if os.path.exists(args.start_file) else "before"
        sent = time.monotonic()
        results[phase][check_once(check, 2.0)] += 1
        slowest[phase] = max(slowest[phase], time.monotonic() - sent)
        time.sleep(0.1)
    channel.close()
    write_json(args.out, {
        "first": first,
        "answers": {phase: dict(counts) for phase, counts in results.items()},
        "slowest_ms": {phase: round(s * 1000) for phase, s in slowest.items()},
    })


def flood(args) -> None:
    # The flood's own descriptors: a batch held open needs one each.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.batch + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    host, port = args.address.rsplit(":", 1)
    target = (host, int(port))
    totals = Counter()
    batches = []
    attempts = 0
    started = time.monotonic()
    while attempts < args.attempts and time.monotonic() - started < args.max_seconds:
        count = min(args.batch, args.attempts - attempts)
        attempts += count
        counts = Counter()
        sockets = {}
        epoll = select.epoll()
        for _ in range(count):
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError as error:
                counts[f"socket_{errno.errorcode.get(error.errno, error.errno)}"] += 1
                continue
            sock.setblocking(False)
            # Closing sends RST: no TIME_WAIT, so 30,000 attempts do not use up the ephemeral ports.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            code = sock.connect_ex(target)
            if code not in (0, errno.EINPROGRESS):
                counts[f"connect_{errno.errorcode.get(code, code)}"] += 1
                sock.close()
                continue
            sockets[sock.fileno()] = [sock, "pending"]
            epoll.register(sock.fileno(), select.EPOLLOUT | select.EPOLLIN | select.EPOLLRDHUP)
        # Connect, then hold: a socket the server closes or resets is seen as readable with nothing to read.
        hold_end = time.monotonic() + args.hold
        while time.monotonic() < hold_end:
            for fd, events in epoll.poll(timeout=max(0.0, min(0.2, hold_end - time.monotonic())), maxevents=4096):
                entry = sockets[fd]
                sock, state = entry
                if state == "pending":
                    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if error == 0 and events & select.EPOLLOUT:
                        entry[1] = "connected"
                        counts["connected"] += 1
                        epoll.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
                        continue
                    entry[1] = "refused" if error == errno.ECONNREFUSED else f"connect_{errno.errorcode.get(error, error)}"
                    counts[entry[1]] += 1
                    epoll.unregister(fd)
                    continue
                try:
                    data = sock.recv(4096)
                    if data:
                        counts["bytes_from_server"] += len(data)
                        if not events & (select.EPOLLRDHUP | select.EPOLLHUP):
                            continue
                except OSError:
                    pass
                entry[1] = "closed_by_server"
                counts["closed_by_server"] += 1
                epoll.unregister(fd)
        counts["still_open"] = sum(1 for _, state in sockets.values() if state == "connected")
        counts["still_pending"] = sum(1 for _, state in sockets.values() if state == "pending")
        # The server at the end of the hold, when the most flood connections are open.
        try:
            server_fds = len(os.listdir(f"/proc/{args.server_pid}/fd"))
            server_alive = True
        except OSError:
            server_fds, server_alive = 0, False
        epoll.close()
        for sock, _ in sockets.values():
            sock.close()
        batches.append({**counts, "server_alive": server_alive, "server_fds": server_fds})
        totals.update(counts)
        time.sleep(args.pause)
    write_json(args.out, {"attempts": attempts, "batches": batches, "totals": dict(totals),
                          "seconds": round(time.monotonic() - started, 1)})


def wait_serving(args) -> None:
    """Exits 0 once Check answers SERVING (a fresh channel each try), 1 if not within the time given."""
    end = time.monotonic() + args.seconds
    last = "not tried"
    while time.monotonic() < end:
        channel = grpc.insecure_channel(args.address)
        check, _ = health_methods(channel)
        last = check_once(check, 1.0)
        channel.close()
        if last == "SERVING":
            print("SERVING")
            return
        time.sleep(0.1)
    print(f"not SERVING after {args.seconds} s: {last}")
    sys.exit(1)


def lb_status(socket_path: str) -> dict:
    """haproxy's "show stat" over its stats socket: {"backend/server": status}."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        sock.connect(socket_path)
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    status = header.index("status")
    return {f"{f[0]}/{f[1]}": f[status] for f in (line.split(",") for line in lines[1:] if line)}


def lb_wait(args) -> None:
    """Exits 0 once haproxy shows the server in the state (UP, DOWN), 1 if not within the time given."""
    end = time.monotonic() + args.seconds
    state = "not read"
    while time.monotonic() < end:
        try:
            state = lb_status(args.socket).get(args.server, "no such server")
        except OSError as error:
            state = f"stats socket: {error}"
        if state == args.state:
            print(state)
            return
        time.sleep(0.1)
    print(f"{args.server} is {state}, not {args.state}, after {args.seconds} s")
    sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="driver.py")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("seed")
    p.add_argument("address")
    p.set_defaults(run=seed)
    p = commands.add_parser("load")
    p.add_argument("address")
    p.add_argument("--file-id", required=True)
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--max-seconds", type=float, default=120)
    p.add_argument("--call-timeout", type=float, default=30)
    p.add_argument("--out", required=True)
    p.set_defaults(run=load)
    p = commands.add_parser("health")
    p.add_argument("address")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--before", type=float, default=1.0, help="seconds of polling before the SIGTERM")
    p.add_argument("--after", type=float, default=3.0, help="seconds of polling after it")
    p.add_argument("--drain-delay", type=float, required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=health)
    p = commands.add_parser("call")
    p.add_argument("address")
    p.add_argument("--file-id", required=True)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--out", required=True)
    p.set_defaults(run=one_call)
    p = commands.add_parser("pickfirst")
    p.add_argument("address")
    p.add_argument("--up-file", required=True)
    p.add_argument("--window", type=float, required=True)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--pause", type=float, default=0.005)
    p.add_argument("--out", required=True)
    p.set_defaults(run=pickfirst)
    p = commands.add_parser("checker")
    p.add_argument("address")
    p.add_argument("--ready-file", required=True)
    p.add_argument("--start-file", required=True)
    p.add_argument("--done-file", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--max-seconds", type=float, default=90)
    p.add_argument("--out", required=True)
    p.set_defaults(run=checker)
    p = commands.add_parser("flood")
    p.add_argument("address")
    p.add_argument("--server-pid", type=int, required=True)
    p.add_argument("--attempts", type=int, default=30000)
    p.add_argument("--batch", type=int, default=10000)
    p.add_argument("--hold", type=float, default=3.0)
    p.add_argument("--pause", type=float, default=0.5)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--out", required=True)
    p.set_defaults(run=flood)
    p = commands.add_parser("wait-serving")
    p.add_argument("address")
    p.add_argument("--seconds", type=float, default=30)
    p.set_defaults(run=wait_serving)
    p = commands.add_parser("lb-wait")
    p.add_argument("socket")
    p.add_argument("server", help="backend/server")
    p.add_argument("state", help="UP or DOWN")
    p.add_argument("--seconds", type=float, default=10)
    p.set_defaults(run=lb_wait)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()

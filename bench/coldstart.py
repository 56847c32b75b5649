"""Cold start: from spawning the server process to its first answered RPC, the median of N runs.

Usage: /usr/bin/python3 coldstart.py PORT RUNS COMMAND...   (COMMAND must listen on 127.0.0.1:PORT)
The probe is CancelUpload with an empty upload_id: the service itself answers INVALID_ARGUMENT without
an upstream call, so the figure is the server's own start-up. Prints "median_ms min_ms max_ms".
"""
import os
import statistics
import subprocess
import sys
import time

import grpc

port, runs, command = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
method = "/uploadsgrpc.v1.UploadService/CancelUpload"


def first_answer(process: subprocess.Popen, started: float) -> float:
    while process.poll() is None:
        # A new channel per try: a channel's reconnect backoff would add its own delay.
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
            try:
                call(b"", timeout=1)
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
                    return time.perf_counter() - started
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
        time.sleep(0.002)
    raise RuntimeError(f"the server exited with {process.returncode} before answering")


times = []
for _ in range(runs):
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ)
    try:
        times.append(first_answer(process, started) * 1000)
    finally:
        process.terminate()
        process.wait()
print(f"{statistics.median(times):.0f} {min(times):.0f} {max(times):.0f}")

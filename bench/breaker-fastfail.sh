#!/usr/bin/env bash
# How fast an open circuit refuses a call. The standalone emulator drops every connection; the server (default
# breaker, a break of one hour so it stays open) fails a few ListFiles calls until the circuit opens; then CALLS
# ListFiles calls, one at a time on one connection, are refused with UNAVAILABLE UPSTREAM_CIRCUIT_OPEN. Prints
# their p50/p99/max round trip from h2load's --log-file, and checks that none of them reached the emulator.
# Usage (after a Release build; needs h2load from nghttp2-client):
#   bench/breaker-fastfail.sh [CALLS]     CALLS: 2000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-2000}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
emulator_port=$(free_port) port=$(free_port)
work=$(mktemp -d)
cleanup() { kill "${server:-}" "${emulator:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
command -v h2load > /dev/null || { echo "breaker-fastfail: needs h2load (nghttp2-client)" >&2; exit 1; }

admin="http://127.0.0.1:$emulator_port/_admin"
(cd src/UploadsGrpc.Emulator/bin/Release/net10.0 && exec env Emulator__DataDirectory="$work/data" \
  dotnet UploadsGrpc.Emulator.dll --urls "http://127.0.0.1:$emulator_port") > "$work/emulator.log" 2>&1 &
emulator=$!
(cd src/UploadsGrpc.Server/bin/Release/net10.0 && exec env OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$emulator_port/v1" \
  ASPNETCORE_ENVIRONMENT=Production Auth__Mode=None Health__UpstreamProbeInterval=01:00:00 Upstream__Breaker__BreakDuration=01:00:00 \
  Upstream__RetryBaseDelay=00:00:00.005 Upstream__MaxRetryDelay=00:00:00.020 \
  dotnet UploadsGrpc.Server.dll --urls "http://127.0.0.1:$port") > "$work/server.log" 2>&1 &
server=$!

# ListFilesRequest{page_size: 1} as one gRPC frame.
printf '\x00\x00\x00\x00\x02\x08\x01' > "$work/list"
grpc() { h2load -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/list" "$@" \
  "http://127.0.0.1:$port/uploadsgrpc.v1.FileService/ListFiles"; }
for _ in $(seq 1 100); do
  curl -sf "$admin/requests" > /dev/null 2>&1 && grpc -n 1 -c 1 2>/dev/null | grep -q '1 succeeded' && break; sleep 0.2
done
grpc -n 1 -c 1 2>/dev/null | grep -q '1 succeeded' || { echo "breaker-fastfail: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

total() { curl -sf "$admin/requests" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])'; }
curl -sf -X POST -H 'content-type: application/json' -d '{"rules": [{"route": "*", "drop": true}]}' "$admin/faults" > /dev/null
# Three calls of three failed attempts, with the one success above, open it (10 requests, 90 % failed); a few more to be sure.
grpc -n 6 -c 1 > /dev/null
grep -q 'UpstreamResilience\[41\]' "$work/server.log" || { echo "breaker-fastfail: the circuit did not open:" >&2; cat "$work/server.log" >&2; exit 1; }
curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$work/list" -D "$work/trailers" -o /dev/null \
  "http://127.0.0.1:$port/uploadsgrpc.v1.FileService/ListFiles"
trailer() { tr -d '\r' < "$work/trailers" | awk -v name="$1:" '$1 == name {print $2}'; }
[ "$(trailer grpc-status)" = 14 ] || { echo "breaker-fastfail: a call was not refused with UNAVAILABLE:" >&2; cat "$work/trailers" >&2; exit 1; }
status="grpc-status 14, grpc-retry-pushback-ms $(trailer grpc-retry-pushback-ms)"

before=$(total)
grpc -n "$calls" -c 1 -m 1 --log-file "$work/latency.log" > "$work/h2load.txt"
after=$(total)
[ "$before" = "$after" ] || { echo "breaker-fastfail: $((after - before)) requests reached the emulator while the circuit was open" >&2; exit 1; }
# --log-file: start time (µs), HTTP status, round trip (µs).
cut -f3 "$work/latency.log" | sort -n | awk -v calls="$calls" -v status="$status" '
  { t[NR] = $1 }
  END {
    p50 = t[int(NR * 0.50 + 0.5)]; p99 = t[int(NR * 0.99 + 0.5)]
    printf "breaker fast-fail: %d ListFiles calls refused (%s), none sent upstream; round trip p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      NR, status, p50 / 1000, p99 / 1000, t[NR] / 1000
  }'

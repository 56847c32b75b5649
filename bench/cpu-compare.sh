#!/usr/bin/env bash
# A quick A/B of the façade's CPU per call, for trying a change without the whole bench/run.sh: starts the
# published server in DIR (ENV... added to its environment) against the static upstream that must already
# listen on 127.0.0.1:50281 (bench/run.sh's nginx), then alternates 6 s of CancelUpload and Health/Check at
# 50 connections, twice, printing µs of server CPU per call (utime+stime from /proc). Usage:
#   bench/cpu-compare.sh bench/.out/aot [DOTNET_gcServer=0 ...]
set -euo pipefail
dir=$1; shift
port=50284
body=$(mktemp -d); trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$body"' EXIT
printf '\x00\x00\x00\x00\x0e\x0a\x0cupload_bench' > "$body/cancel"
printf '\x00\x00\x00\x00\x00' > "$body/health"
cd "$dir"
env OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=http://127.0.0.1:50281/v1 ASPNETCORE_ENVIRONMENT=Production Auth__Mode=None "$@" \
  ./UploadsGrpc.Server --urls "http://127.0.0.1:$port" > /dev/null 2>&1 &
server=$!
sleep 1.5
grpc=(-H 'content-type: application/grpc' -H 'te: trailers')
h2load -D 3 -c 50 "${grpc[@]}" -d "$body/cancel" "http://127.0.0.1:$port/uploadsgrpc.v1.UploadService/CancelUpload" > /dev/null
for _ in 1 2; do
  for rpc in "uploadsgrpc.v1.UploadService/CancelUpload cancel" "grpc.health.v1.Health/Check health"; do
    set -- $rpc
    t0=$(awk '{print $14 + $15}' "/proc/$server/stat")
    calls=$(h2load -D 6 -c 50 "${grpc[@]}" -d "$body/$2" "http://127.0.0.1:$port/$1" | awk '/^requests:/ {print $8}')
    t1=$(awk '{print $14 + $15}' "/proc/$server/stat")
    awk -v n="$calls" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="$1" 'BEGIN {printf "%-45s %7d calls %6.1f µs CPU per call\n", r, n, t / hz * 1e6 / n}'
  done
done
echo "peak RSS: $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$server/status")"

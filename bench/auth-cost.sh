#!/usr/bin/env bash
# What admission costs: the same published server, first with Auth:Mode=None (the baseline), then with
# Auth:Mode=ApiKeys and a caller policy with a rate limit, a stream limit and a project, each against the
# static upstream (nginx), in one run. Alternates 8 s of CancelUpload at 50 connections, three rounds, and
# prints µs of server CPU per call and the ratio ApiKeys / None. Usage (after a Release build):
#   bench/auth-cost.sh [DIR]     DIR: a published server (default: the Release build, run with dotnet)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${1:-$root/src/UploadsGrpc.Server/bin/Release/net10.0}
upstream_port=50291 port=50292
work=$(mktemp -d)
cleanup() { kill "${server:-}" "${nginx:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
command -v h2load > /dev/null && command -v nginx > /dev/null || { echo "auth-cost: needs h2load (nghttp2-client) and nginx (nginx-light)" >&2; exit 1; }

mkdir -p "$work/nginx"
sed "s#@PORT@#$upstream_port#; s#@PREFIX@#$work/nginx#g" bench/static-upstream/nginx.conf > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" > "$work/nginx.log" 2>&1 &
nginx=$!
printf '\x00\x00\x00\x00\x0e\x0a\x0cupload_bench' > "$work/cancel"
token=$(openssl rand -hex 24)
hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
start=(dotnet UploadsGrpc.Server.dll); [ -x "$dir/UploadsGrpc.Server" ] && [ ! -f "$dir/UploadsGrpc.Server.dll" ] && start=(./UploadsGrpc.Server)

start_server() { # mode ENV...
  (cd "$dir" && exec env OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$upstream_port/v1" ASPNETCORE_ENVIRONMENT=Production \
    Logging__LogLevel__UploadsGrpc.Audit=Warning "$@" "${start[@]}" --urls "http://127.0.0.1:$port") > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do h2load -n 1 -c 1 -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/cancel" \
    "http://127.0.0.1:$port/grpc.health.v1.Health/Check" 2>/dev/null | grep -q '1 succeeded' && return 0; sleep 0.1; done
  echo "auth-cost: the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
measure() { # headers... → µs of server CPU per call
  local t0 t1 calls
  h2load -D 3 -c 50 -H 'content-type: application/grpc' -H 'te: trailers' "$@" -d "$work/cancel" \
    "http://127.0.0.1:$port/uploadsgrpc.v1.UploadService/CancelUpload" > /dev/null
  t0=$(awk '{print $14 + $15}' "/proc/$server/stat")
  out=$(h2load -D 8 -c 50 -H 'content-type: application/grpc' -H 'te: trailers' "$@" -d "$work/cancel" \
    "http://127.0.0.1:$port/uploadsgrpc.v1.UploadService/CancelUpload")
  t1=$(awk '{print $14 + $15}' "/proc/$server/stat")
  calls=$(awk '/^requests:/ {print $8}' <<< "$out")
  awk -v n="$calls" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}'
}
# The audit events are logged at Information; the run sets that category to Warning in both modes so the
# figure is admission's, not the console's (an operator ships audit events, with their own cost).
none=() keys=()
for round in 1 2 3; do
  start_server Auth__Mode=None; none+=("$(measure)"); kill "$server"; wait "$server" 2>/dev/null || true
  start_server Auth__Mode=ApiKeys Auth__ApiKeys__0__Caller=bench Auth__ApiKeys__0__Sha256="$hash" \
    Callers__Named__0__Name=bench Callers__Named__0__RequestsPerSecond=1000000 Callers__Named__0__MaxConcurrentStreams=1000 \
    Callers__Named__0__Project=proj_bench
  keys+=("$(measure -H "authorization: Bearer $token")"); kill "$server"; wait "$server" 2>/dev/null || true
  echo "round $round: None ${none[-1]} µs/call, ApiKeys ${keys[-1]} µs/call"
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
n=$(median "${none[@]}") k=$(median "${keys[@]}")
awk -v n="$n" -v k="$k" 'BEGIN {printf "median: None %.1f µs/call, ApiKeys %.1f µs/call, ratio %.2f\n", n, k, k / n}'

#!/usr/bin/env bash
# bench/telemetry-cost.sh in instructions instead of CPU seconds, for a busy machine: the Native AOT server under
# valgrind --tool=callgrind, whose instruction counts do not depend on what else the machine runs. Same environment,
# static upstream and CancelUpload load, telemetry off and on (default exporters) alternating, ROUNDS pairs: after
# 300 calls of warm-up the counters are zeroed, CALLS calls are sent (10 connections), the counters dumped; then one
# GET /metrics alone, to price a scrape. Prints instructions per call, the on/off ratio per pair, and a scrape's
# instructions. valgrind cannot run the server with its defaults (Server GC's address space reservation), so both
# modes run with workstation GC and a 512 MiB heap limit; valgrind serializes the threads and runs about 50 times
# slower (about 80 calls/s). Loopback only; every loop is bounded. Usage (after bench/run.sh's AOT publish):
#   bench/telemetry-callgrind.sh [DIR]    DIR: the AOT publish (default bench/.out/aot)
# Environment: TELEMETRY_ROUNDS (1-10, default 3), TELEMETRY_CALLS (100-20000, default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
src=$(cd "${1:-$root/bench/.out/aot}" && pwd)
rounds=${TELEMETRY_ROUNDS:-3} calls=${TELEMETRY_CALLS:-1000}
[[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 10 ] || { echo "telemetry-callgrind: TELEMETRY_ROUNDS is 1 to 10" >&2; exit 2; }
[[ "$calls" =~ ^[0-9]+$ ]] && [ "$calls" -ge 100 ] && [ "$calls" -le 20000 ] || { echo "telemetry-callgrind: TELEMETRY_CALLS is 100 to 20000" >&2; exit 2; }
upstream_port=50331 port=50332 admin_port=50333
work=$(mktemp -d)
cleanup() { kill -9 "${server:-}" 2>/dev/null || true; kill "${nginx:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
command -v valgrind > /dev/null && command -v callgrind_control > /dev/null && command -v h2load > /dev/null && command -v nginx > /dev/null ||
  { echo "telemetry-callgrind: needs valgrind, h2load (nghttp2-client) and nginx (nginx-light)" >&2; exit 1; }
[ -x "$src/UploadsGrpc.Server" ] || { echo "telemetry-callgrind: no AOT server in $src" >&2; exit 1; }
# valgrind 3.19 gives up on the AOT build's separate debug file: a copy without it (the counts need no symbols).
mkdir -p "$work/app"; cp -r "$src/." "$work/app/"; rm -f "$work/app/"*.dbg

mkdir -p "$work/nginx"
sed "s#@PORT@#$upstream_port#; s#@PREFIX@#$work/nginx#g" bench/static-upstream/nginx.conf > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" > "$work/nginx.log" 2>&1 &
nginx=$!
printf '\x00\x00\x00\x00\x0e\x0a\x0cupload_bench' > "$work/cancel"
grpc=(-H 'content-type: application/grpc' -H 'te: trailers')
cancel="http://127.0.0.1:$port/uploadsgrpc.v1.UploadService/CancelUpload"

start_server() { # mode
  local env=(OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$upstream_port/v1" ASPNETCORE_ENVIRONMENT=Production Auth__Mode=None
    Admin__Port="$admin_port" Admin__Address=127.0.0.1 Logging__Console__FormatterName=json Logging__LogLevel__UploadsGrpc.Audit=Warning
    DOTNET_gcServer=0 DOTNET_GCHeapHardLimit=0x20000000)
  [ "$1" = off ] && env+=(Telemetry__Enabled=false)
  (cd "$work/app" && exec env "${env[@]}" valgrind --tool=callgrind --callgrind-out-file="$work/cg-$1.%p" \
    ./UploadsGrpc.Server --urls "http://127.0.0.1:$port") > "$work/server-$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do h2load -n 1 -c 1 "${grpc[@]}" -d "$work/cancel" "http://127.0.0.1:$port/grpc.health.v1.Health/Check" 2>/dev/null |
    grep -q '1 succeeded' && return 0; sleep 1; done
  echo "telemetry-callgrind: the server did not start:" >&2; tail -20 "$work/server-$1.log" >&2; exit 1
}
stop_server() { kill -9 "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=; rm -f "$work"/cg-*; }
instructions() { # dump the counters since the last zero → their total (Ir)
  rm -f "$work"/cg-*.*.*
  timeout 60 callgrind_control -d "$server" > /dev/null 2>> "$work/vgdb.log"
  for _ in $(seq 1 50); do compgen -G "$work/cg-*.$server.*" > /dev/null && break; sleep 0.2; done
  awk '/^(summary|totals):/ {print $2; exit}' $(compgen -G "$work/cg-*.$server.*" | head -1)
}
measure() { # mode → "Ir-per-call Ir-per-scrape"
  local out ir scrape=0
  h2load -n 300 -c 10 -N 30 "${grpc[@]}" -d "$work/cancel" "$cancel" > /dev/null
  timeout 60 callgrind_control -z "$server" > /dev/null 2>> "$work/vgdb.log"
  out=$(h2load -n "$calls" -c 10 -N 30 "${grpc[@]}" -d "$work/cancel" "$cancel")
  ir=$(instructions)
  grep -q "status codes: $calls 2xx" <<< "$out" || { echo "telemetry-callgrind: $1: not every call answered 200:" >&2; echo "$out" >&2; exit 1; }
  if [ "$1" = on ]; then
    timeout 60 callgrind_control -z "$server" > /dev/null 2>> "$work/vgdb.log"
    curl -sf -o /dev/null --max-time 30 "http://127.0.0.1:$admin_port/metrics"
    scrape=$(instructions)
  fi
  awk -v i="$ir" -v n="$calls" -v s="$scrape" 'BEGIN {printf "%.0f %.0f\n", i / n, s}'
}

echo "telemetry-callgrind: $src under callgrind; $rounds pairs of off/on, $calls calls each; load average $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=()
for round in $(seq 1 "$rounds"); do
  order=(off on); [ $((round % 2)) -eq 0 ] && order=(on off)
  declare -A ir=()
  for mode in "${order[@]}"; do
    start_server "$mode"
    measure "$mode" > "$work/result"
    read -r per_call scrape < "$work/result"
    stop_server
    ir[$mode]=$per_call
    [ "$mode" = on ] && on_scrape=$scrape
  done
  ratios+=("$(awk -v a="${ir[on]}" -v b="${ir[off]}" 'BEGIN {printf "%.3f", a / b}')")
  echo "pair $round: off ${ir[off]} instructions/call, on ${ir[on]} instructions/call, on/off ${ratios[-1]}; one scrape ${on_scrape} instructions"
done
printf 'on/off ratio: %s (min %s, max %s)\n' "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')" \
  "$(printf '%s\n' "${ratios[@]}" | sort -n | head -1)" "$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

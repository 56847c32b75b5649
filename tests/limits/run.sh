#!/usr/bin/env bash
# The memory acceptance of issue 15, against the real server process on 127.0.0.1, its upstream the driver's sink
# (tests/limits/LimitsDriver: every Uploads call succeeds, parts' bytes are dropped, so the server's memory is what
# is measured, not an upstream's disk):
#   1. under DOTNET_GCHeapHardLimit=768 MiB, 64 UploadFile streams and 32 AddUploadPart calls of 64 MiB at once:
#      each ends OK or RESOURCE_EXHAUSTED with RetryInfo (never INTERNAL, never an OutOfMemoryException), the
#      server stays up, and once the load is over a stream and a part each succeed
#   2. after that load the server's RSS is back within 2 minutes at most 100 MiB over its RSS before the load
#   3. with default settings, 200 UploadFile calls one after another, sizes uniform in 1..256 MiB: all OK, peak
#      RSS (VmHWM) at most 4 x 64 MiB + 350 MiB
# Memory bounds are asserted, speed never. Every loop is bounded; every process started is stopped on exit.
# The 200 uploads move about 27 GiB: about 4 minutes on two cores. All 200 must run; LIMITS_SEQUENTIAL_SECONDS (a
# local shortcut, 0 = no cap, the default) stops starting new ones after that many seconds, and then the suite fails.
# LIMITS_SEQUENTIAL sets the number of sequential uploads (200). Prints "limits: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
base=${LIMITS_PORT_BASE:-50500}
sink_port=$base
server_port=$((base + 1))
sequential=${LIMITS_SEQUENTIAL:-200}
sequential_cap=${LIMITS_SEQUENTIAL_SECONDS:-0}
server_dll=$root/src/UploadsGrpc.Server/bin/Release/net10.0/UploadsGrpc.Server.dll
driver_dll=$root/tests/limits/LimitsDriver/bin/Release/net10.0/LimitsDriver.dll
source tests/lib/suite.sh LIMITS_KEEP_WORK
check() { # name, condition (a bash expression), log to show on failure
  if eval "$2"; then pass "$1"; else fail "$1" "${3:-}"; fi
}
driver() { dotnet "$driver_dll" "$@"; }
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null; } # pid, VmRSS or VmHWM → KiB
mib() { echo $(( ${1:-0} / 1024 )); }
json() { /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"j": j, **j}))' "$1" "$2"; }

for f in "$server_dll" "$driver_dll"; do
  [ -f "$f" ] || { echo "missing $f: build the solution first (dotnet build UploadsGrpc.sln -c Release)"; echo "limits: 0 passed, 1 failed"; exit 1; }
done

(exec dotnet "$driver_dll" sink "$sink_port") > "$work/sink.log" 2>&1 &
started_pids+=($!)

# start_server NAME [ENV=VALUE...]: the server on its port, upstream the sink; sets server_pid
start_server() {
  local name=$1; shift
  (cd "$(dirname "$server_dll")" && exec env ASPNETCORE_ENVIRONMENT=Production OPENAI_BASE_URL="http://127.0.0.1:$sink_port/v1" \
    OPENAI_API_KEY=sk-limits Auth__Mode=None Shutdown__DrainDelay=00:00:00 Logging__LogLevel__UploadsGrpc=Debug \
    Logging__LogLevel__Microsoft.AspNetCore.Server.Kestrel.Http2=Debug "$@" \
    dotnet UploadsGrpc.Server.dll --urls "http://127.0.0.1:$server_port") > "$work/$name.log" 2>&1 &
  server_pid=$!
  started_pids+=($!)
  driver wait "http://127.0.0.1:$server_port" 30 > /dev/null 2>&1
}
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
}
addr=http://127.0.0.1:$server_port

echo "-- 1. 768 MiB heap limit: 64 streams and 32 parts of 64 MiB at once"
if start_server heap-limited DOTNET_GCHeapHardLimit=0x30000000; then
  pass "the server starts under DOTNET_GCHeapHardLimit=0x30000000"
  grep -m1 "MiB for request bytes" "$work/heap-limited.log" | sed 's/^ */       /'
  sleep 2
  baseline=$(kib "$server_pid" VmRSS)
  t0=$(date +%s)
  driver streams "$addr" 64 32 4096 > "$work/streams.json" 2> "$work/streams.err" &
  streams_pid=$!
  driver parts "$addr" 32 64 > "$work/parts.json" 2> "$work/parts.err" &
  parts_pid=$!
  wait "$streams_pid"; wait "$parts_pid"
  load_s=$(( $(date +%s) - t0 ))
  loaded=$(kib "$server_pid" VmRSS); peak=$(kib "$server_pid" VmHWM)
  echo "       streams: $(cat "$work/streams.json")"
  echo "       parts:   $(cat "$work/parts.json")"
  echo "       RSS before $(mib "$baseline") MiB, peak $(mib "$peak") MiB, after the load $(mib "$loaded") MiB (load ${load_s} s)"
  # Kestrel's own account of a connection it closed (the HTTP/2 error and why), for a call that ended otherwise
  grep -A1 "HTTP/2 connection error" "$work/heap-limited.log" | head -20 > "$work/connection-errors.log"
  cat "$work/streams.err" "$work/connection-errors.log" > "$work/streams-why.log"
  cat "$work/parts.err" "$work/connection-errors.log" > "$work/parts-why.log"
  check "64 streams: each OK or RESOURCE_EXHAUSTED with RetryInfo" '[ -s "$work/streams.json" ] && [ "$(json "$work/streams.json" "other + (ok + exhausted != 64)")" = 0 ]' "$work/streams-why.log"
  check "32 parts of 64 MiB: each OK or RESOURCE_EXHAUSTED with RetryInfo" '[ -s "$work/parts.json" ] && [ "$(json "$work/parts.json" "other + (ok + exhausted != 32)")" = 0 ]' "$work/parts-why.log"
  # Which kind takes the budget first depends on the machine's timing, so under the load at least one call of
  # either kind must succeed, and right after it one stream and one 64 MiB part each (the budget is free again).
  check "calls succeed under the limit: $(json "$work/streams.json" ok) streams and $(json "$work/parts.json" ok) parts" '[ "$(( $(json "$work/streams.json" ok) + $(json "$work/parts.json" ok) ))" -gt 0 ]'
  driver streams "$addr" 1 32 4096 > "$work/stream-after.json" 2>&1
  driver parts "$addr" 1 64 > "$work/part-after.json" 2>&1
  echo "       after the load: stream $(cat "$work/stream-after.json"), part $(cat "$work/part-after.json")"
  check "after the load, one stream of 32 MiB and one part of 64 MiB are each OK" '[ "$(json "$work/stream-after.json" ok)" = 1 ] && [ "$(json "$work/part-after.json" ok)" = 1 ]'
  check "the server is up and logged no OutOfMemoryException" 'kill -0 "$server_pid" 2>/dev/null && ! grep -q OutOfMemory "$work/heap-limited.log"' "$work/heap-limited.log"
  # 2. memory returns: poll once a second for up to 2 minutes
  bound=$((baseline + 100 * 1024)); waited=0; rss=$loaded
  while [ "$waited" -lt 120 ] && [ "${rss:-0}" -gt "$bound" ]; do sleep 1; waited=$((waited + 1)); rss=$(kib "$server_pid" VmRSS); done
  echo "       RSS $(mib "$rss") MiB after ${waited} s idle (bound: $(mib "$baseline") + 100 MiB)"
  check "RSS back to at most the baseline + 100 MiB within 2 minutes" '[ "${rss:-999999999}" -le "$bound" ]'
  stop_server
else
  fail "the server starts under DOTNET_GCHeapHardLimit=0x30000000" "$work/heap-limited.log"
fi

echo "-- 3. default settings: $sequential sequential uploads of 1..256 MiB (none started after ${sequential_cap} s)"
if start_server sequential; then
  driver sequential "$addr" "$sequential" 1 256 15 "$sequential_cap" > "$work/sequential.json" 2> "$work/sequential.err"
  peak=$(kib "$server_pid" VmHWM)
  done_count=$(json "$work/sequential.json" done 2>/dev/null || echo 0)
  echo "       $(cat "$work/sequential.json")"
  echo "       $done_count of $sequential uploads ran (no new one after ${sequential_cap} s); peak RSS $(mib "$peak") MiB (bound: 4 x 64 + 350 = 606 MiB)"
  check "all $sequential sequential uploads ran and each is OK ($done_count ran)" '[ "$done_count" -eq "$sequential" ] && [ "$(json "$work/sequential.json" "ok")" = "$done_count" ]' "$work/sequential.err"
  check "peak RSS of the sequential uploads at most 606 MiB" '[ "${peak:-999999999}" -le $((606 * 1024)) ]'
  stop_server
else
  fail "the server starts with default settings" "$work/sequential.log"
fi

echo "limits: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

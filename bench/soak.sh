#!/usr/bin/env bash
# The soak of issue 16: the built server under a long load against the standalone emulator with faults, every
# process on 127.0.0.1, and what it leaves behind. See bench/SOAK.md.
#
#   bash bench/soak.sh            one replica                          (SOAK_SECONDS, default 600)
#   bash bench/soak.sh --mesh     two replicas behind deploy/haproxy/haproxy.cfg; replica 2 is SIGTERMed and
#                                 restarted halfway through the run
#
# Load (bench/UploadsGrpc.Soak): SOAK_CALLERS (200) unary callers, each one call after another from a mix of
# GetFile, ListFiles, CreateUpload + CancelUpload, a small upload (CreateUpload, AddUploadPart, CompleteUpload,
# DeleteFile) and DownloadFile; and SOAK_STREAMS (20) UploadFile streams, each one upload after another of a size
# uniform in 32-256 MiB, its bytes made from a seed as they are sent (1 MiB chunks), its MD5 computed by the driver
# and compared with the server's and the emulator's record; each completed file is deleted. With --mesh the uploads
# are resumable and a broken stream is resumed, as the CLI does.
# Faults (POST /_admin/faults): 10 % of upstream requests answer 429, 500 or 503 (a third each; at most 2 in a row
# per route and request target, so a part's retries get through), 1 % have their connection dropped, and every request
# waits 50-300 ms (uniform) first.
# Phases: a warm-up of SOAK_WARMUP_SECONDS (20) with the same load; then the server's idle memory return (log event
# 62, 10 s after the last stream) and the "start" figures; the run of SOAK_SECONDS; the idle return again and the
# "end" figures. A stream still running when a phase stops is cut (its call cancelled).
# It prints calls, errors by status, uploads completed with the right md5, uploads left pending upstream, RSS at
# start / peak / end, threads and descriptors at start and end; it fails on a wrong md5 or a wrong answer, no
# upload completed, an upload left pending, RSS drift (end against start) over SOAK_MAX_DRIFT_PERCENT (10), and
# with --mesh a replica that did not exit 0 in time or come back. Prints "soak: N passed, M failed".
# Every loop is bounded in count and time; every process started is stopped on exit.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mesh=0
case "${1:-}" in
  --mesh) mesh=1 ;;
  "") ;;
  *) echo "usage: bash bench/soak.sh [--mesh]" >&2; exit 2 ;;
esac
seconds=${SOAK_SECONDS:-600}
warmup=${SOAK_WARMUP_SECONDS:-20}
callers=${SOAK_CALLERS:-200}
streams=${SOAK_STREAMS:-20}
min_mib=32
max_mib=256
max_drift=${SOAK_MAX_DRIFT_PERCENT:-10}
seed=${SOAK_SEED:-16}
base=${SOAK_PORT_BASE:-50600}
emu_port=$base
declare -A port=([r1]=$((base + 1)) [r2]=$((base + 2)))
lb_port=$((base + 3))
# The restarted replica drains with the defaults (Shutdown:DrainDelay 5 s, Shutdown:Timeout 30 s).
restart_limit=37

server_bin=$root/src/UploadsGrpc.Server/bin/Release/net10.0
emulator_dll=$root/src/UploadsGrpc.Emulator/bin/Release/net10.0/UploadsGrpc.Emulator.dll
driver_dll=$root/bench/UploadsGrpc.Soak/bin/Release/net10.0/UploadsGrpc.Soak.dll
emulator=http://127.0.0.1:$emu_port
source tests/lib/suite.sh SOAK_KEEP_WORK 2
declare -A pid=()
note() { echo "       $1"; }
finish() { echo "soak: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
driver() { dotnet "$driver_dll" "$@"; }
json() { # file, python expression on j (the object), whose keys are also names; objects' keys read as attributes too
  /usr/bin/python3 -c '
import json, sys
class D(dict):
    __getattr__ = dict.__getitem__
j = json.load(open(sys.argv[1]), object_hook=D)
print(eval(sys.argv[2], {"j": j, **j}))' "$1" "$2"
}
admin() { curl -sS --max-time 5 "$emulator/_admin/$1"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
status_kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null; } # pid, VmRSS|VmHWM|Threads
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
mib() { awk -v k="${1:-0}" 'BEGIN {printf "%.1f", k / 1024}'; }

# ---- checks ---------------------------------------------------------------------------------------------------
mode="single replica"; [ "$mesh" -eq 1 ] && mode="mesh: two replicas behind haproxy, replica 2 restarted halfway"
echo "soak: $mode; ports $base-$((base + 3)) on 127.0.0.1; ${seconds} s after a ${warmup} s warm-up"
for p in $(seq "$base" $((base + 3))); do
  port_free "$p" || { echo "FAIL - port $p on 127.0.0.1 is in use (set SOAK_PORT_BASE)"; failed=1; finish; }
done
for dll in "$emulator_dll" "$server_bin/UploadsGrpc.Server.dll" "$driver_dll"; do
  [ -f "$dll" ] || { echo "FAIL - $dll is missing: dotnet build UploadsGrpc.sln -c Release"; failed=1; finish; }
done
if [ "$mesh" -eq 1 ] && ! command -v haproxy > /dev/null; then
  echo "FAIL - haproxy is not installed (apt-get install haproxy)"; failed=1; finish
fi
echo "       disk: $(df -h --output=avail "$work" | tail -1 | tr -d ' ') free where the emulator keeps the parts ($work)"

# ---- processes --------------------------------------------------------------------------------------------------
start_emulator() {
  (exec dotnet "$emulator_dll" --urls "$emulator" --Emulator:DataDirectory="$work/emulator-data") > "$work/emulator.log" 2>&1 &
  started_pids+=($!)
  for _ in $(seq 1 100); do admin clock > /dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# start_replica NAME: a server process on its port, upstream the emulator, its log in NAME.log; the idle memory
# return (event 62, Debug) is logged so the script can wait for it.
start_replica() {
  local name=$1
  (cd "$server_bin" && exec env ASPNETCORE_ENVIRONMENT=Production OPENAI_BASE_URL="$emulator/v1" OPENAI_API_KEY=sk-soak \
    Auth__Mode=None Logging__LogLevel__UploadsGrpc.Server.Limits.IdleMemoryReturn=Debug \
    dotnet UploadsGrpc.Server.dll --urls "http://127.0.0.1:${port[$name]}") >> "$work/$name.log" 2>&1 &
  pid[$name]=$!
  started_pids+=($!)
  driver wait "http://127.0.0.1:${port[$name]}" 30 > /dev/null 2>&1
}

# stop_replica NAME LIMIT_SECONDS: SIGTERM, then the exit up to the limit (SIGKILL past it); sets stop_code, stop_ms.
stop_replica() {
  local p=${pid[$1]} limit_ms=$(($2 * 1000)) t0
  t0=$(now_ms)
  kill -TERM "$p"
  while kill -0 "$p" 2>/dev/null && [ $(($(now_ms) - t0)) -lt "$limit_ms" ]; do sleep 0.05; done
  stop_ms=$(($(now_ms) - t0))
  if kill -0 "$p" 2>/dev/null; then kill -KILL "$p"; wait "$p" 2>/dev/null; stop_code=none; else wait "$p"; stop_code=$?; fi
}

lb_status() { # haproxy's status of uploadsgrpc/replica-N over the stats socket
  /usr/bin/python3 - "$work/haproxy.sock" "uploadsgrpc/replica-$1" <<'EOF'
import socket, sys
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(2); s.connect(sys.argv[1]); s.sendall(b"show stat\n"); data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines(); header = lines[0].lstrip("# ").split(","); i = header.index("status")
    print({f"{f[0]}/{f[1]}": f[i] for f in (l.split(",") for l in lines[1:] if l)}.get(sys.argv[2], "absent"))
except OSError as e:
    print(f"socket: {e}")
EOF
}
lb_wait() { # N STATE SECONDS
  local i
  for i in $(seq 1 $(($3 * 10))); do [ "$(lb_status "$1")" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
start_lb() {
  printf 'global\n    stats socket "%s" mode 600 level admin\n' "$work/haproxy.sock" > "$work/stats.cfg"
  (export UPLOADSGRPC_LB_ADDRESS=127.0.0.1 UPLOADSGRPC_LB_PORT=$lb_port \
    UPLOADSGRPC_REPLICA_1=127.0.0.1:${port[r1]} UPLOADSGRPC_REPLICA_2=127.0.0.1:${port[r2]}
   exec haproxy -f deploy/haproxy/haproxy.cfg -f "$work/stats.cfg") > "$work/haproxy.log" 2>&1 &
  started_pids+=($!)
  lb_wait 1 UP 10 && lb_wait 2 UP 10
}

# The samples: every second, "seconds-since-start rss_kib threads fds" of the measured replica (r1).
sample_loop() {
  local p=$1 t0 i
  t0=$(date +%s)
  for i in $(seq 1 $((warmup + seconds + 900))); do
    [ -f "$work/sampler.stop" ] && break
    kill -0 "$p" 2>/dev/null || break
    echo "$(($(date +%s) - t0)) $(status_kib "$p" VmRSS) $(status_kib "$p" Threads) $(fds "$p")" >> "$work/samples.txt"
    sleep 1
  done
}

# wait_idle_return NAME COUNT_BEFORE: until the replica has logged its idle memory return (event 62) since COUNT_BEFORE
# and is done with it: the server repeats a return (every 2 s, at most 3 more times) while it leaves more than 64 MiB
# of large objects, so this waits for one that left less, or for the fourth; at most 45 s; sets idle_s (or "none").
idle_returns() { grep -c "IdleMemoryReturn\[62\]" "$work/$1.log"; }
last_large_mib() { last_return "$1" | sed -n 's/.*large objects \([0-9]*\) MiB.*/\1/p'; }
wait_idle_return() {
  local t0 i count large
  t0=$(now_ms); idle_s=none
  for i in $(seq 1 450); do
    count=$(idle_returns "$1")
    if [ "$count" -gt "$2" ]; then
      large=$(last_large_mib "$1")
      if [ "${large:-0}" -le 64 ] || [ "$count" -gt $(($2 + 3)) ]; then
        idle_s=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN {printf "%.1f", ms / 1000}'); sleep 0.5; return 0
      fi
    fi
    sleep 0.1
  done
  return 1
}
# wait_settled_return NAME COUNT_BEFORE: until the replica has logged, since COUNT_BEFORE, the return it makes once
# idle for 30 s (the load's idle thread-pool workers retired by then, and the arrays their thread-local pools held
# garbage); at most 60 s.
wait_settled_return() {
  local i
  for i in $(seq 1 600); do
    grep -A1 "IdleMemoryReturn\[62\]" "$work/$1.log" | sed -n 's/.*Limits: idle for \([0-9]*\) s.*/\1/p' \
      | tail -n +$(($2 + 1)) | awk '$1 >= 30 {found = 1} END {exit !found}' && return 0
    sleep 0.1
  done
  return 1
}
last_return() { # NAME → the last idle memory return's own figures, e.g. "heap compacted to 33 MiB (large objects 15 MiB, pinned 14 MiB)"
  grep -A1 "IdleMemoryReturn\[62\]" "$work/$1.log" | tail -1 | sed -n 's/.*and the \(heap compacted to .*\)$/\1/p'
}
figures() { # pid → "rss_kib threads fds anon_kib file_kib"
  echo "$(status_kib "$1" VmRSS) $(status_kib "$1" Threads) $(fds "$1") $(status_kib "$1" RssAnon) $(status_kib "$1" RssFile)"
}

soak_t0=$(now_ms)
start_emulator || { fail "the emulator did not start" "$work/emulator.log"; finish; }
target=http://127.0.0.1:${port[r1]}
start_replica r1 || { fail "replica 1 did not start" "$work/r1.log"; finish; }
if [ "$mesh" -eq 1 ]; then
  start_replica r2 || { fail "replica 2 did not start" "$work/r2.log"; finish; }
  start_lb || { fail "haproxy did not put both replicas in rotation" "$work/haproxy.log"; finish; }
  target=http://127.0.0.1:$lb_port
fi
read -r known_file known_bytes < <(driver seed "$target" 2> "$work/seed.err")
[ -n "${known_file:-}" ] || { fail "the known file could not be uploaded" "$work/seed.err"; finish; }

# 10 % status faults split evenly over 429/500/503 (rules are tried in order; the first failing rule that fires
# wins, so each probability is its share of what the earlier ones left), then 1 % drops, then latency on everything.
faults=$(/usr/bin/python3 -c '
import json, sys
seed = int(sys.argv[1])
rules, left = [], 1.0
for status, share in ((429, 1 / 30), (500, 1 / 30), (503, 1 / 30)):
    rule = {"route": "*", "probability": round(share / left, 6), "status": status, "max_consecutive": 2}
    if status == 429:
        rule.update(error_type="requests", error_code="rate_limit_exceeded", message="Rate limit reached (injected).")
    rules.append(rule); left -= share
left_after = 0.9
rules.append({"route": "*", "probability": round(0.01 / left_after, 6), "drop": True, "max_consecutive": 2})
rules.append({"route": "*", "latency_ms": 50, "latency_max_ms": 300})
print(json.dumps({"seed": seed, "rules": rules}))' "$seed")
curl -sS --max-time 5 -X POST -H 'content-type: application/json' -d "$faults" "$emulator/_admin/faults" > "$work/faults.json" \
  && grep -q latency_max_ms "$work/faults.json" || { fail "the emulator refused the fault plan" "$work/faults.json"; finish; }
echo "       faults: 10 % of upstream requests 429/500/503 (max 2 in a row per route and request target), 1 % dropped connections, 50-300 ms on every request"
echo "       load: $callers unary callers, $streams UploadFile streams of $min_mib-$max_mib MiB$([ "$mesh" -eq 1 ] && echo " (resumable)") through $target"

measured=${pid[r1]}
sample_loop "$measured" &
started_pids+=($!)
resumable=(); [ "$mesh" -eq 1 ] && resumable=(--resumable)
run_driver() { # PHASE SECONDS SEED MIN_MIB MAX_MIB
  timeout -k 5 $(($2 + 150)) dotnet "$driver_dll" run "$target" --emulator "$emulator" --known-file "$known_file" --known-bytes "$known_bytes" \
    --seconds "$2" --callers "$callers" --streams "$streams" --min-mib "$4" --max-mib "$5" --seed "$3" \
    "${resumable[@]}" --out "$work/$1.json" 2> "$work/$1.err"
}

# ---- warm-up, then the start figures after the idle memory return ------------------------------------------
returns=$(idle_returns r1)
t_warmup=$(now_ms)
# The warm-up is the run's own load, sizes too, so that the start figures are those of a server that has already
# carried it once (its thread pool, connection pools and heap grown to it): the drift then measures what the run
# adds, not what the first minute of any load costs.
run_driver warmup "$warmup" 1 "$min_mib" "$max_mib" || note "(the warm-up driver exited $?)"
t_idle1=$(now_ms)
if [ -f "$work/warmup.json" ]; then
  note "warm-up: $(json "$work/warmup.json" 'f"{calls} calls, {errors} errors, {uploads.completed_ok} uploads completed, {uploads.cut} cut at its end"')"
fi
wait_idle_return r1 "$returns" || note "(replica 1 logged no idle memory return within 45 s of the warm-up: figures taken anyway)"
wait_settled_return r1 "$returns" || note "(replica 1 logged no return at 30 s idle after the warm-up: figures taken anyway)"
read -r start_rss start_threads start_fds start_anon start_file <<< "$(figures "$measured")"
note "start (after the warm-up and the idle memory returns, $(( ($(now_ms) - t_idle1) / 1000 )) s after the load): RSS $(mib "$start_rss") MiB, $start_threads threads, $start_fds descriptors; the server: $(last_return r1)"

# ---- the run ------------------------------------------------------------------------------------------------------
run_t0=$(now_ms)
t_run=$run_t0
run_driver run "$seconds" 2 "$min_mib" "$max_mib" &
run_pid=$!
started_pids+=($run_pid)
restart_line=""
if [ "$mesh" -eq 1 ]; then
  # Halfway: replica 2 is SIGTERMed (it drains: NOT_SERVING, haproxy takes it out, GOAWAY, resumable streams end
  # UNAVAILABLE and are resumed on replica 1), then started again on its port and waited for in rotation.
  while kill -0 "$run_pid" 2>/dev/null && [ $(($(now_ms) - run_t0)) -lt $((seconds * 500)) ]; do sleep 0.1; done
  at_s=$(( ($(now_ms) - run_t0) / 1000 ))
  r2_peak=$(status_kib "${pid[r2]}" VmHWM)
  stop_replica r2 "$restart_limit"
  r2_stop_code=$stop_code r2_stop_ms=$stop_ms
  t0=$(now_ms)
  start_replica r2 && lb_wait 2 UP 20; back=$?
  back_ms=$(($(now_ms) - t0))
  restart_line="replica 2: SIGTERM at ${at_s} s of the run (peak RSS $(mib "$r2_peak") MiB), exit $r2_stop_code after ${r2_stop_ms} ms (limit ${restart_limit} s), started again and in rotation after ${back_ms} ms"
  [ "$back" -eq 0 ] || restart_line="$restart_line: NOT back in rotation ($(lb_status 2))"
fi
# The end figures come from the first idle memory return after the stop (the streams are cut then).
while kill -0 "$run_pid" 2>/dev/null && [ $(($(now_ms) - run_t0)) -lt $((seconds * 1000)) ]; do sleep 0.1; done
returns=$(idle_returns r1)
for _ in $(seq 1 $((200 * 10))); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.1; done
wait "$run_pid"; run_code=$?
t_idle2=$(now_ms)
wait_idle_return r1 "$returns" || note "(replica 1 logged no idle memory return within 45 s of the run: the budget stayed in use?)"
# At rest also means the thread pool's idle workers gone: .NET retires a worker idle for 20 s, and the run's
# sustained load grows the pool past the warm-up's (each thread's stack is resident memory). Waits until the
# thread count has not fallen for 5 s and 25 s have passed since the load, at most 40 s after it; the start was
# taken with the warm-up's workers retired.
last_threads=$(status_kib "$measured" Threads); last_change=$(now_ms)
while [ $(($(now_ms) - t_idle2)) -lt 40000 ] && { [ $(($(now_ms) - t_idle2)) -lt 25000 ] || [ $(($(now_ms) - last_change)) -lt 5000 ]; }; do
  sleep 0.5
  threads_now=$(status_kib "$measured" Threads)
  if [ "${threads_now:-0}" -lt "${last_threads:-0}" ]; then last_threads=$threads_now; last_change=$(now_ms); fi
done
wait_settled_return r1 "$returns" || note "(replica 1 logged no return at 30 s idle after the run: figures taken anyway)"
read -r end_rss end_threads end_fds end_anon end_file <<< "$(figures "$measured")"
end_idle_s=$idle_s
t_checks=$(now_ms)
touch "$work/sampler.stop"
peak_rss=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$work/samples.txt")
hwm=$(status_kib "$measured" VmHWM)

# ---- what is left upstream: nothing pending (polled a few seconds: a cut upload's cancel may still be in flight) ---
pending=unknown
for _ in $(seq 1 20); do
  pending=$(admin 'uploads?status=pending' | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["count"], " ".join(j["ids"][:5]))') || pending=unknown
  [ "${pending%% *}" = 0 ] && break
  sleep 0.5
done
created=$(admin uploads | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' 2>/dev/null || echo "?")
storage=$(admin storage | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print("%d files, %.1f MiB" % (j["files"], j["bytes"] / 1048576))' 2>/dev/null || echo "?")

# ---- report -------------------------------------------------------------------------------------------------------
r=$work/run.json
if [ ! -f "$r" ]; then
  fail "the driver wrote no summary (exit $run_code)" "$work/run.err"
  finish
fi
calls_line=$(json "$r" 'f"{calls} calls in {seconds} s: {unary_calls} unary (" + ", ".join(f"{k} {v}" for k, v in calls_by_rpc.items() if k != "UploadFile") + "), " + str(calls_by_rpc.get("UploadFile", 0)) + " UploadFile streams"')
wrong_answers=$(json "$r" 'sum(wrong_answers.values())')
driver_ok=$(json "$r" 'driver_faults == 0 and unfinished_tasks == 0')
if [ "$run_code" -eq 0 ] && [ "$driver_ok" = True ] && [ "$wrong_answers" = 0 ] && [ "$(json "$r" 'unary_calls')" -gt 0 ]; then
  pass "calls: $calls_line"
else
  fail "calls: $calls_line; driver exit $run_code, wrong answers $wrong_answers" "$work/run.err" 5
  json "$r" '"\n".join(["streams that had not ended: " + ", ".join(unfinished_streams)] if unfinished_streams else []) + "\n" + "\n".join(samples[:10])' | sed 's/^/       /'
fi
note "errors by status: $(json "$r" '", ".join(f"{k} {v}" for k, v in sorted(errors_by_status.items(), key=lambda e: -e[1])) or "none"')"
note "unary errors: $(json "$r" 'f"{unary_errors} of {unary_calls} ({100 * unary_errors / max(unary_calls, 1):.1f} %)"'); by RPC: $(json "$r" '", ".join(f"{k} {v}" for k, v in errors_by_rpc_status.items() if not k.startswith("UploadFile")) or "none"')"

ok_uploads=$(json "$r" 'uploads["completed_ok"]')
wrong_md5=$(json "$r" 'uploads["wrong_md5"]')
uploads_line=$(json "$r" 'f"{uploads.completed_ok} ({uploads.completed_mib / 1024:.1f} GiB) of {uploads.started} started; wrong md5: {uploads.wrong_md5}"')
if [ "$ok_uploads" -gt 0 ] && [ "$wrong_md5" = 0 ]; then pass "uploads completed with the right md5: $uploads_line"
else fail "uploads completed with the right md5: $uploads_line"; json "$r" '"\n".join(s for s in samples if "UploadFile" in s)' | head -5 | sed 's/^/       /'; fi
note "$(json "$r" 'f"failed {uploads.failed}" + (" (" + ", ".join(f"{k} {v}" for k, v in uploads["failed_by_status"].items()) + ")" if uploads["failed"] else "") + f"; resumed {uploads.resumed}" + (" (after " + ", ".join(f"{k} {v}" for k, v in uploads["resumed_after"].items()) + ")" if uploads["resumed"] else "") + f"; cut at the stop {uploads.cut}" + (f" ({uploads.writes_not_ended_by_cancel} with a write the cancellation did not end)" if uploads.writes_not_ended_by_cancel else "") + f"; files deleted {uploads.files_deleted}; clean-up cancels retried {cleanup.cancel_retries}, failed {cleanup.cancel_failed}"')"

read -r pending_count pending_ids <<< "$pending"
if [ "$pending_count" = 0 ]; then pass "uploads left pending upstream: 0 (GET /_admin/uploads?status=pending; $created uploads created in all)"
else fail "uploads left pending upstream: $pending_count ($created created in all): $pending_ids"; fi

drift=$(awk -v s="${start_rss:-0}" -v e="${end_rss:-0}" 'BEGIN {if (s > 0) printf "%+.1f", 100 * (e - s) / s; else print "nan"}')
rss_line="start $(mib "$start_rss") MiB, peak $(mib "$peak_rss") MiB (VmHWM $(mib "$hwm") MiB), end $(mib "$end_rss") MiB: drift ${drift} % (limit ${max_drift} %)"
if awk -v d="$drift" -v m="$max_drift" 'BEGIN {exit !(d != "nan" && d + 0 <= m + 0)}'; then pass "RSS of replica 1: $rss_line"
else fail "RSS of replica 1: $rss_line"; fi
note "RSS anonymous $(mib "$start_anon") → $(mib "$end_anon") MiB, file-backed $(mib "$start_file") → $(mib "$end_file") MiB; end at rest $(( ($(now_ms) - t_idle2) / 1000 )) s after the driver's exit (idle memory return after ${end_idle_s} s) (the server: $(last_return r1))"
note "threads: start $start_threads, end $end_threads; open descriptors: start $start_fds, end $end_fds"

if [ "$mesh" -eq 1 ]; then
  if [ "${r2_stop_code:-none}" = 0 ] && [ "$back" -eq 0 ]; then pass "$restart_line"; else fail "$restart_line" "$work/r2.log" 10; fi
fi
logs=(r1); [ "$mesh" -eq 1 ] && logs=(r1 r2)
for name in "${logs[@]}"; do
  note "server log $name: $(grep -c '^crit:' "$work/$name.log") critical, $(grep -c '^fail:' "$work/$name.log") errors, $(grep -c '^warn:' "$work/$name.log") warnings; by event: $(grep -oE '^(crit|fail|warn): [A-Za-z.]+\[[0-9]+\]' "$work/$name.log" | sed 's/^[a-z]*: //' | sort | uniq -c | sort -rn | head -6 | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')"
done
note "emulator storage at the end: $storage; disk: $(df -h --output=avail "$work" | tail -1 | tr -d ' ') free"
s_() { awk -v ms="$1" 'BEGIN {printf "%.0f", ms / 1000}'; }
note "wall time $(s_ $(($(now_ms) - soak_t0))) s: start-up $(s_ $((t_warmup - soak_t0))), warm-up $(s_ $((t_idle1 - t_warmup))), idle wait $(s_ $((t_run - t_idle1))), run $(s_ $((t_idle2 - t_run))), idle wait $(s_ $((t_checks - t_idle2))), checks $(s_ $(($(now_ms) - t_checks)))"
finish

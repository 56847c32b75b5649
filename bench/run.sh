#!/usr/bin/env bash
# Every benchmark of the façade, side by side with its baselines, in one run on this machine; writes
# bench/RESULTS.md (figures, machine, exact command lines). Usage: bench/run.sh   (about 15 minutes)
#   a. unary: CancelUpload through the façade to a static upstream (nginx), vs Health/Check on the same
#      server (the floor of a gRPC call), vs the REST call straight to the static upstream; h2load.
#   b. UploadFile of 1 GiB to the standalone emulator vs direct part posts and the openai SDK's sequential flow.
#   c. cold start of the published app: JIT, ReadyToRun, Native AOT.
#   d. BenchmarkDotNet: JSON → proto mapping and the error mapper.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/bench/.out
rm -rf "$out"; mkdir -p "$out/logs"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tck=$(getconf CLK_TCK)
upstream_port=50281 facade_port=50282 emulator_port=50283
commands=$out/commands.txt; : > "$commands"
log() { echo "== $*" >&2; }
# Records a command line for RESULTS.md, then runs it.
run() { printf '%s\n' "$*" >> "$commands"; "$@"; }

log "tools"
debian=(nginx-light nghttp2-client python3-grpcio)
dpkg -s "${debian[@]}" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${debian[@]}" >/dev/null; }
npm ci --no-audit --no-fund --loglevel=error

log "builds"
dotnet build UploadsGrpc.sln -c Release --nologo -v quiet >/dev/null
server=src/UploadsGrpc.Server/UploadsGrpc.Server.csproj
run dotnet publish $server -c Release --nologo -v quiet -o "$out/jit" >/dev/null
run dotnet publish $server -c Release --nologo -v quiet -r linux-x64 --self-contained -p:PublishReadyToRun=true -o "$out/r2r" >/dev/null
run dotnet publish $server -c Release --nologo -v quiet -r linux-x64 -p:PublishAot=true -o "$out/aot" >/dev/null
declare -A start_cmd=([jit]="dotnet UploadsGrpc.Server.dll" [r2r]="./UploadsGrpc.Server" [aot]="./UploadsGrpc.Server")

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk -v k="$2" '$1 == k":" {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
# CPU seconds → microseconds per call.
per_call() { awk -v t="$1" -v n="$2" -v hz="$tck" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}'; }
# The published façade of BUILD in production mode against UPSTREAM_PORT; sets facade_pid, returns once it serves.
start_facade() { # build, upstream port, log name
  (cd "$out/$1" && OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$2/v1" ASPNETCORE_ENVIRONMENT=Production Auth__Mode=None \
    exec ${start_cmd[$1]} --urls "http://127.0.0.1:$facade_port") > "$out/logs/$3.log" 2>&1 &
  facade_pid=$!
  wait_grpc "$facade_port"
}
stop_facade() { kill "$facade_pid"; wait "$facade_pid" 2>/dev/null || true; facade_pid=; }
wait_grpc() { for _ in $(seq 1 200); do node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge "http://127.0.0.1:$1/grpc.health.v1.Health/Check" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

# ---------------------------------------------------------------- a. unary
log "a. static upstream (nginx)"
mkdir -p "$out/nginx"
sed "s#@PORT@#$upstream_port#; s#@PREFIX@#$out/nginx#g" bench/static-upstream/nginx.conf > "$out/nginx/nginx.conf"
nginx -p "$out/nginx" -c "$out/nginx/nginx.conf" > "$out/logs/nginx.log" 2>&1 &
nginx_pid=$!
cleanup() { kill "${facade_pid:-}" "${emulator_pid:-}" "$nginx_pid" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
sleep 0.5
nginx_ticks() { local t; t=$(ticks "$nginx_pid"); for w in $(pgrep -P "$nginx_pid"); do t=$((t + $(ticks "$w"))); done; echo "$t"; }

# gRPC request bodies: one length-prefixed message each (CancelUpload{upload_id: "upload_bench"}, HealthCheckRequest{}).
printf '\x00\x00\x00\x00\x0e\x0a\x0cupload_bench' > "$out/cancel.grpc"
printf '\x00\x00\x00\x00\x00' > "$out/health.grpc"
printf '{}' > "$out/empty.json"   # h2load cannot send an empty body from a file; nginx ignores it
grpc_headers=(-H 'content-type: application/grpc' -H 'te: trailers')
declare -A target=(
  [facade]="http://127.0.0.1:$facade_port/uploadsgrpc.v1.UploadService/CancelUpload"
  [echo]="http://127.0.0.1:$facade_port/grpc.health.v1.Health/Check"
  [rest]="http://127.0.0.1:$upstream_port/v1/uploads/upload_bench/cancel")
h2load_args() { # scenario → the protocol arguments h2load needs
  case "$1" in
    facade) echo "${grpc_headers[@]@Q} -d $out/cancel.grpc" ;;
    echo) echo "${grpc_headers[@]@Q} -d $out/health.grpc" ;;
    rest) echo "--h1 -H 'authorization: Bearer sk-bench' -H 'content-type: application/json' -d $out/empty.json" ;;
  esac
}
percentile() { sort -n | awk -v p="$1" '{v[NR] = $1} END {i = int(NR * p + 0.999999); if (i < 1) i = 1; printf "%.2f", v[i] / 1000}'; }

unary_results=$out/unary.tsv
printf 'build\tscenario\trps\tfacade_us\tupstream_us\th2load_us\tp50_ms\tp99_ms\tcalls\n' > "$unary_results"
memory_results=$out/memory.tsv
printf 'build\tidle_mib\tafter_first_call_mib\tpeak_under_load_mib\tidle_after_load_mib\n' > "$memory_results"

for build in jit aot; do
  log "a. $build façade"
  start_facade "$build" "$upstream_port" "facade-$build"
  sleep 2
  idle=$(rss_mib "$facade_pid" VmRSS)
  # Every call must succeed end to end (h2load only sees HTTP 200): check one for grpc-status 0 and the mapped status.
  node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge --schema protos -d '{"uploadId":"upload_bench"}' \
    "${target[facade]}" > "$out/logs/check-$build.json"
  grep -q '"status": "UPLOAD_STATUS_CANCELLED"' "$out/logs/check-$build.json"
  first=$(rss_mib "$facade_pid" VmRSS)
  for scenario in facade echo rest; do
    args=$(h2load_args "$scenario")
    eval "h2load -D 5 -c 50 -m 1 $args ${target[$scenario]}" > /dev/null   # warm-up, not counted
    f0=$(ticks "$facade_pid"); u0=$(nginx_ticks)
    cmd="h2load -D 10 -c 50 -m 1 $args ${target[$scenario]}"
    printf '%s\n' "$cmd" >> "$commands"
    TIMEFORMAT='%U %S'
    { time eval "$cmd" > "$out/logs/$build-$scenario-50.txt"; } 2> "$out/logs/$build-$scenario-50.time"
    f1=$(ticks "$facade_pid"); u1=$(nginx_ticks)
    calls=$(awk '/^requests:/ {print $8}' "$out/logs/$build-$scenario-50.txt")
    rps=$(awk '/^finished in/ {printf "%.0f", $4}' "$out/logs/$build-$scenario-50.txt")
    h2load_cpu=$(awk -v hz="$tck" '{printf "%.0f", ($1 + $2) * hz}' "$out/logs/$build-$scenario-50.time")
    grep -q "status codes: $calls 2xx" "$out/logs/$build-$scenario-50.txt"

    cmd="h2load -D 10 -c 10 --rps 100 -m 1 --log-file $out/logs/$build-$scenario-1000.log $args ${target[$scenario]}"
    printf '%s\n' "$cmd" >> "$commands"
    eval "$cmd" > "$out/logs/$build-$scenario-1000.txt"
    p50=$(cut -f3 "$out/logs/$build-$scenario-1000.log" | percentile 0.50)
    p99=$(cut -f3 "$out/logs/$build-$scenario-1000.log" | percentile 0.99)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$build" "$scenario" "$rps" \
      "$(per_call $((f1 - f0)) "$calls")" "$(per_call $((u1 - u0)) "$calls")" "$(per_call "$h2load_cpu" "$calls")" "$p50" "$p99" "$calls" >> "$unary_results"
  done
  peak=$(rss_mib "$facade_pid" VmHWM)
  sleep 10
  printf '%s\t%s\t%s\t%s\t%s\n' "$build" "$idle" "$first" "$peak" "$(rss_mib "$facade_pid" VmRSS)" >> "$memory_results"
  stop_facade
done
kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true

# ---------------------------------------------------------------- b. UploadFile 1 GiB
log "b. UploadFile of 1 GiB"
file=$out/upload-1gib.bin
head -c 1073741824 /dev/urandom > "$file"
upload_results=$out/upload.tsv
printf 'latency_ms\tpart_mib\tclient\tseconds\tmib_s\tpeak_facade_mib\n' > "$upload_results"
start_emulator() { # latency per request in ms
  rm -rf "$out/emulator-data"
  (cd src/UploadsGrpc.Emulator/bin/Release/net10.0 && Emulator__DataDirectory="$out/emulator-data" \
    exec dotnet UploadsGrpc.Emulator.dll --urls "http://127.0.0.1:$emulator_port") > "$out/logs/emulator.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$emulator_port/_admin/clock" && break; sleep 0.1; done
  if [ "$1" -gt 0 ]; then
    curl -sf -X POST -H 'content-type: application/json' -d "{\"seed\":1,\"rules\":[{\"route\":\"*\",\"latency_ms\":$1}]}" \
      "http://127.0.0.1:$emulator_port/_admin/faults" > /dev/null
  fi
}
stop_emulator() { kill "$emulator_pid"; wait "$emulator_pid" 2>/dev/null || true; emulator_pid=; rm -rf "$out/emulator-data"; }
timed() { # label, latency, part MiB, command... → one row; the command prints the file id
  local started ended peak=""
  printf '%s\n' "${*:4}" >> "$commands"
  started=$(date +%s.%N)
  "${@:4}" > "$out/logs/upload-$1-$2-$3.txt"
  ended=$(date +%s.%N)
  grep -qE '^file-' "$out/logs/upload-$1-$2-$3.txt"
  [ -n "${facade_pid:-}" ] && peak=$(rss_mib "$facade_pid" VmHWM)
  awk -v l="$2" -v m="$3" -v c="$1" -v s="$started" -v e="$ended" -v p="$peak" 'BEGIN {printf "%s\t%s\t%s\t%.2f\t%.0f\t%s\n", l, m, c, e - s, 1024 / (e - s), p}' >> "$upload_results"
}
cli="dotnet $root/src/UploadsGrpc.Cli/bin/Release/net10.0/UploadsGrpc.Cli.dll"
# 64 MiB is the default part size; 8 MiB parts make the per-request latency weigh more, as it does for a
# client whose uplink is fast compared with the API's time per request.
for latency in 0 300; do
  for part in 64 8; do
    for build in jit aot; do
      start_emulator "$latency"
      start_facade "$build" "$emulator_port" "facade-upload-$build"
      timed "facade-$build" "$latency" "$part" $cli upload "$file" --purpose batch --mime-type application/jsonl --part-size-mib "$part" --parallelism 4 --server "http://127.0.0.1:$facade_port"
      stop_facade
      stop_emulator
    done
    start_emulator "$latency"
    timed direct "$latency" "$part" node bench/upload/direct-parts.mjs "http://127.0.0.1:$emulator_port/v1" "$file" "$part" 4
    stop_emulator
    start_emulator "$latency"
    timed sdk-sequential "$latency" "$part" node bench/upload/sdk-sequential.mjs "http://127.0.0.1:$emulator_port/v1" "$file" "$part"
    stop_emulator
  done
done
rm -f "$file"

# ---------------------------------------------------------------- c. cold start
log "c. cold start"
coldstart_results=$out/coldstart.tsv
printf 'build\tmedian_ms\tmin_ms\tmax_ms\tsize_mib\n' > "$coldstart_results"
for build in jit r2r aot; do
  cmd="/usr/bin/python3 $root/bench/coldstart.py $facade_port 10 ${start_cmd[$build]} --urls http://127.0.0.1:$facade_port"
  printf '(cd %s && %s)\n' "$out/$build" "$cmd" >> "$commands"
  read -r median min max < <(cd "$out/$build" && OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$upstream_port/v1" ASPNETCORE_ENVIRONMENT=Production Auth__Mode=None $cmd)
  size=$(du -sm --exclude='*.dbg' --exclude='*.pdb' "$out/$build" | cut -f1)
  printf '%s\t%s\t%s\t%s\t%s\n' "$build" "$median" "$min" "$max" "$size" >> "$coldstart_results"
done

# ---------------------------------------------------------------- d. micro-benchmarks
log "d. BenchmarkDotNet"
(cd bench/UploadsGrpc.Benchmarks && run dotnet run -c Release -- --filter '*' --job short --memory --artifacts "$out/bdn") > "$out/logs/bdn.txt" 2>&1

bash bench/report.sh "$out" > bench/RESULTS.md
log "wrote bench/RESULTS.md"

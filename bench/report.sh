#!/usr/bin/env bash
# Turns one bench/run.sh run (its TSVs in OUT) into bench/RESULTS.md: tables, target checks, machine,
# command lines. The analysis under "Targets" is written by hand in bench/ANALYSIS.md and appended.
set -euo pipefail
out=$1
here="$(cd "$(dirname "$0")" && pwd)"
col() { awk -F'\t' -v b="$1" -v s="$2" -v c="$3" 'NR == 1 {for (i = 1; i <= NF; i++) h[$i] = i; next} $1 == b && $2 == s {print $h[c]}' "$4"; }
upload() { awk -F'\t' -v l="$1" -v m="$2" -v k="$3" 'NR > 1 && $1 == l && $2 == m && $3 == k {print $4}' "$out/upload.tsv"; }
row() { awk -F'\t' -v b="$1" -v c="$2" 'NR == 1 {for (i = 1; i <= NF; i++) h[$i] = i; next} $1 == b {print $h[c]}' "$3"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == "<=") ? v <= t : v >= t; print ok ? "met" : "**not met**"}'; }
tsv_table() { # tsv → markdown table
  awk -F'\t' 'NR == 1 {printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n|"; for (i = 1; i <= NF; i++) printf " --- |"; printf "\n"; next}
    {printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n"}' "$1"
}

cat <<EOF
# Benchmark results

One run of \`bash bench/run.sh\` on $(date -u +%Y-%m-%d), every figure measured in that run, on one machine.

## Machine

- CPU: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores (load generator, façade and upstream share them)
- Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); kernel $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")
- .NET SDK $(dotnet --version); h2load $(h2load --version | awk '{print $2; exit}'); nginx $(nginx -v 2>&1 | sed 's#.*/##'); Node $(node --version); Python $(/usr/bin/python3 --version | cut -d' ' -f2)

## a. Unary: CancelUpload through the façade, Health/Check (gRPC floor), direct REST

\`facade\` is CancelUpload through the façade to the static nginx upstream (one HTTP/1.1 call each);
\`echo\` is grpc.health.v1.Health/Check on the same server process; \`rest\` is the same POST straight to
nginx. *rps* and the CPU columns come from 10 s at 50 connections (one stream each), after a 5 s warm-up;
CPU is utime+stime from /proc/PID/stat before and after, divided by the calls (µs per call) for the
façade process, the nginx upstream and h2load itself. *p50/p99* come from h2load's --log-file at a fixed
1,000 calls/s (10 connections × 100/s) for 10 s.

$(tsv_table "$out/unary.tsv")

Memory of the façade process (MiB; RSS from /proc/PID/status: idle 2 s after start, after the first call,
peak (VmHWM) after all the load above, and idle again 10 s later):

$(tsv_table "$out/memory.tsv")

## b. UploadFile of 1 GiB to the standalone emulator

\`facade-*\` is the CLI (\`uploadsgrpc upload\`, 4 parts in flight, MD5 computed on the way) through
the façade; \`direct\` posts the same parts straight to the emulator with fetch, 4 in flight, no MD5;
\`sdk-sequential\` is the official openai npm SDK's flow (create, parts one after another, complete). With
latency 300 the emulator holds every request 300 ms. Peak is the façade's VmHWM (MiB).

$(tsv_table "$out/upload.tsv")

## c. Cold start of the published app (process start → first answered RPC, 10 runs)

$(tsv_table "$out/coldstart.tsv")

## d. Micro-benchmarks (BenchmarkDotNet, ShortRun, MemoryDiagnoser)

$(for f in "$out"/bdn/results/*-report-github.md; do sed -n '/^|/p' "$f"; echo; done)

## Targets
EOF

for build in jit aot; do
  f=$(col "$build" facade facade_us "$out/unary.tsv"); e=$(col "$build" echo facade_us "$out/unary.tsv")
  fp=$(col "$build" facade p99_ms "$out/unary.tsv"); ep=$(col "$build" echo p99_ms "$out/unary.tsv"); rp=$(col "$build" rest p99_ms "$out/unary.tsv")
  bound=$(awk -v a="$ep" -v b="$rp" 'BEGIN {printf "%.2f", a + b + 0.5}')
  idle=$(row "$build" idle_mib "$out/memory.tsv"); peak=$(row "$build" peak_under_load_mib "$out/memory.tsv")
  echo "- $build, a: CPU per call $f µs vs echo $e µs = $(ratio "$f" "$e") × (target ≤ 1.6 ×): $(verdict "$(ratio "$f" "$e")" '<=' 1.6)"
  echo "- $build, a: p99 $fp ms vs echo p99 + REST p99 + 0.5 ms = $bound ms: $(verdict "$fp" '<=' "$bound")"
  echo "- $build, a: idle $idle MiB (target ≤ 60): $(verdict "$idle" '<=' 60); peak under load $peak MiB (target ≤ 120): $(verdict "$peak" '<=' 120)"
done
for build in jit aot; do
  for latency in 0 300; do
    for part in 64 8; do
      fs=$(upload "$latency" "$part" "facade-$build"); ds=$(upload "$latency" "$part" direct); ss=$(upload "$latency" "$part" sdk-sequential)
      line="- $build, b, ${latency} ms, ${part} MiB parts: $(ratio "$ds" "$fs") × the direct posts' throughput (target ≥ 0.8): $(verdict "$(ratio "$ds" "$fs")" '>=' 0.8); $(ratio "$ss" "$fs") × the sequential SDK's"
      [ "$latency" = 300 ] && line="$line (target ≥ 2.5): $(verdict "$(ratio "$ss" "$fs")" '>=' 2.5)"
      echo "$line"
    done
  done
done
for build in jit r2r aot; do
  m=$(row "$build" median_ms "$out/coldstart.tsv")
  echo "- $build, c: cold start $m ms (target ≤ 500): $(verdict "$m" '<=' 500)"
done
echo
cat "$here/ANALYSIS.md"
echo
echo "## Command lines"
echo
echo '```'
cat "$out/commands.txt"
echo '```'

#!/usr/bin/env bash
# What telemetry costs per call: the same published server with the container image's environment (Admin__Port,
# JSON console logs), first with Telemetry__Enabled=false (OpenTelemetry not registered: the baseline), then with
# the default exporters (the meters, Prometheus on the admin port, scraped once a second during the run), and
# optionally with spans recorded and dropped (Telemetry__Traces=true, no exporter) and with OTLP/HTTP to a local
# sink that only counts what it gets. Each against the static upstream (nginx), CancelUpload at 50 connections,
# 3 s of warm-up then SECONDS measured; µs of server CPU per call as bench/auth-cost.sh and bench/run.sh measure
# it (utime+stime from /proc/PID/stat before and after, divided by the calls). The modes alternate within a round,
# in reverse order every other round (off on … on off …), so the machine's drift cancels; each round's ratio
# pairs runs that were next to each other. The ratios are printed, not asserted. Loopback only; every loop is
# bounded. Usage (after a Release build):
#   bench/telemetry-cost.sh [DIR]     DIR: a published server (default: the Release build, run with dotnet)
# Environment: TELEMETRY_ROUNDS (3-20, default 5), TELEMETRY_SECONDS (2-60, default 8), TELEMETRY_WARMUP (1-30, default 3),
#   TELEMETRY_MODES (from off on traces otlp; default "off on traces otlp"; off is always measured).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=$(cd "${1:-$root/src/UploadsGrpc.Server/bin/Release/net10.0}" && pwd)
rounds=${TELEMETRY_ROUNDS:-5} seconds=${TELEMETRY_SECONDS:-8} warmup=${TELEMETRY_WARMUP:-3}
read -r -a modes <<< "${TELEMETRY_MODES:-off on traces otlp}"
[[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 3 ] && [ "$rounds" -le 20 ] || { echo "telemetry-cost: TELEMETRY_ROUNDS is 3 to 20" >&2; exit 2; }
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -ge 2 ] && [ "$seconds" -le 60 ] || { echo "telemetry-cost: TELEMETRY_SECONDS is 2 to 60" >&2; exit 2; }
[[ "$warmup" =~ ^[0-9]+$ ]] && [ "$warmup" -ge 1 ] && [ "$warmup" -le 30 ] || { echo "telemetry-cost: TELEMETRY_WARMUP is 1 to 30" >&2; exit 2; }
for mode in "${modes[@]}"; do
  case "$mode" in off | on | traces | otlp) ;; *) echo "telemetry-cost: unknown mode $mode (off on traces otlp)" >&2; exit 2 ;; esac
done
[[ " ${modes[*]} " == *" off "* ]] || modes=(off "${modes[@]}")
upstream_port=50301 port=50302 admin_port=50303 sink_port=50304
work=$(mktemp -d)
cleanup() { kill "${scraper:-}" "${server:-}" "${sink:-}" "${nginx:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
command -v h2load > /dev/null && command -v nginx > /dev/null && command -v curl > /dev/null ||
  { echo "telemetry-cost: needs h2load (nghttp2-client), nginx (nginx-light) and curl" >&2; exit 1; }

mkdir -p "$work/nginx"
sed "s#@PORT@#$upstream_port#; s#@PREFIX@#$work/nginx#g" bench/static-upstream/nginx.conf > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" > "$work/nginx.log" 2>&1 &
nginx=$!
printf '\x00\x00\x00\x00\x0e\x0a\x0cupload_bench' > "$work/cancel"
start=(dotnet UploadsGrpc.Server.dll); [ -x "$dir/UploadsGrpc.Server" ] && [ ! -f "$dir/UploadsGrpc.Server.dll" ] && start=(./UploadsGrpc.Server)

if [[ " ${modes[*]} " == *" otlp "* ]]; then
  # The OTLP sink: answers every OTLP/HTTP export 200 (an empty body is a full success) and counts requests and
  # bytes by path; GET /count reports them. Its CPU is not the server's, so it is not in the figures.
  cat > "$work/sink.py" << 'EOF'
import http.server, json, sys, threading
counts, lock = {}, threading.Lock()
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with lock:
            n, b = counts.get(self.path, (0, 0)); counts[self.path] = (n + 1, b + len(body))
        self.send_response(200); self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0"); self.end_headers()
    def do_GET(self):
        with lock: body = json.dumps(counts).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
EOF
  python3 "$work/sink.py" "$sink_port" > "$work/sink.log" 2>&1 &
  sink=$!
fi
sleep 0.5

start_server() { # mode
  local env=(OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$upstream_port/v1" ASPNETCORE_ENVIRONMENT=Production Auth__Mode=None
    Admin__Port="$admin_port" Admin__Address=127.0.0.1 Logging__Console__FormatterName=json Logging__LogLevel__UploadsGrpc.Audit=Warning)
  case "$1" in
    off) env+=(Telemetry__Enabled=false) ;;
    traces) env+=(Telemetry__Traces=true) ;;
    otlp) env+=(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) ;;
  esac
  (cd "$dir" && exec env "${env[@]}" "${start[@]}" --urls "http://127.0.0.1:$port") > "$work/server-$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do h2load -n 1 -c 1 -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/cancel" \
    "http://127.0.0.1:$port/grpc.health.v1.Health/Check" 2>/dev/null | grep -q '1 succeeded' && return 0; sleep 0.1; done
  echo "telemetry-cost: the server did not start:" >&2; cat "$work/server-$1.log" >&2; exit 1
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }
# Prometheus's part: one GET /metrics a second from the warm-up to the end of the run, at most warm-up + run + 2 times.
# Each answered scrape appends a line to $work/scrapes.
scrape_loop() {
  for _ in $(seq 1 $((warmup + seconds + 2))); do
    if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$admin_port/metrics"; then echo >> "$work/scrapes"; fi
    sleep 1
  done
}
ok_calls() { # → CancelUpload calls with gRPC status 0 that the service's meter counted, in one scrape
  curl -sf --max-time 5 "http://127.0.0.1:$admin_port/metrics" | grep -F 'uploadsgrpc_server_call_duration_seconds_count{' |
    grep -F 'rpc_method="CancelUpload"' | grep -F 'rpc_grpc_status_code="0"' | sed -E 's/^[^}]*\} ([0-9.e+]+).*/\1/' | head -1
}
measure() { # mode → "µs-per-call calls-per-second scrapes"; checks every call succeeded and the mode is what it says
  local t0 t1 calls out scrapes=0 counted
  : > "$work/scrapes"
  [ "$1" != off ] && { scrape_loop & scraper=$!; }
  h2load -D "$warmup" -c 50 -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/cancel" \
    "http://127.0.0.1:$port/uploadsgrpc.v1.UploadService/CancelUpload" > /dev/null
  t0=$(awk '{print $14 + $15}' "/proc/$server/stat")
  out=$(h2load -D "$seconds" -c 50 -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/cancel" \
    "http://127.0.0.1:$port/uploadsgrpc.v1.UploadService/CancelUpload")
  t1=$(awk '{print $14 + $15}' "/proc/$server/stat")
  if [ -n "${scraper:-}" ]; then kill "$scraper" 2>/dev/null || true; wait "$scraper" 2>/dev/null || true; scraper=; scrapes=$(wc -l < "$work/scrapes"); fi
  calls=$(awk '/^requests:/ {print $8}' <<< "$out")
  grep -q "status codes: $calls 2xx" <<< "$out" || { echo "telemetry-cost: $1: not every call answered 200:" >&2; echo "$out" >&2; exit 1; }
  # h2load sees HTTP 200 only; the service's own histogram counts the calls by gRPC status (0 = OK).
  if [ "$1" = off ]; then
    ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$admin_port/metrics" || { echo "telemetry-cost: off, yet the admin port answers" >&2; exit 1; }
  else
    counted=$(ok_calls)
    [ "${counted:-0}" -ge "$calls" ] || { echo "telemetry-cost: $1: the meter counted ${counted:-no} OK calls of $calls" >&2; exit 1; }
    [ "$scrapes" -ge $(((seconds + 1) / 2)) ] || { echo "telemetry-cost: $1: only $scrapes scrapes answered" >&2; exit 1; }
  fi
  awk -v n="$calls" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$seconds" -v k="$scrapes" \
    'BEGIN {printf "%.1f %.0f %d\n", t / hz * 1e6 / n, n / s, k}'
}

echo "telemetry-cost: ${start[*]} in $dir; $rounds rounds of ${modes[*]}, ${warmup} s warm-up + ${seconds} s each; load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A us
for round in $(seq 1 "$rounds"); do
  order=("${modes[@]}")
  if [ $((round % 2)) -eq 0 ]; then order=(); for ((i = ${#modes[@]} - 1; i >= 0; i--)); do order+=("${modes[$i]}"); done; fi
  line="round $round:"
  for mode in "${order[@]}"; do
    start_server "$mode"
    measure "$mode" > "$work/result"
    read -r per_call rps scrapes < "$work/result"
    stop_server
    us[$mode,$round]=$per_call
    if [ "$mode" = off ]; then line="$line $mode $per_call µs/call ($rps calls/s),"
    else line="$line $mode $per_call µs/call ($rps calls/s, $scrapes scrapes),"; fi
  done
  echo "${line%,}"
done
if [ -n "${sink:-}" ]; then echo "OTLP sink received (requests, bytes by path): $(curl -sf --max-time 5 "http://127.0.0.1:$sink_port/count")"; fi

# Per mode: the median µs/call over the rounds; against off, each round's ratio to its own off run, median (min–max).
median() { sort -n | awk '{v[NR] = $1} END {printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for mode in "${modes[@]}"; do
  m=$(for r in $(seq 1 "$rounds"); do echo "${us[$mode,$r]}"; done | median)
  if [ "$mode" = off ]; then
    printf 'off: median %.1f µs/call\n' "$m"
  else
    ratios=$(for r in $(seq 1 "$rounds"); do awk -v a="${us[$mode,$r]}" -v b="${us[off,$r]}" 'BEGIN {printf "%.3f\n", a / b}'; done)
    printf '%s: median %.1f µs/call; %s/off ratio median %s (rounds %s to %s)\n' "$mode" "$m" "$mode" "$(median <<< "$ratios")" \
      "$(sort -n <<< "$ratios" | head -1)" "$(sort -n <<< "$ratios" | tail -1)"
  fi
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

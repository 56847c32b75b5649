#!/usr/bin/env bash
# The metrics acceptance, with a real Prometheus, every process on 127.0.0.1 (ports the kernel picks):
#   1. the built server (Release, Development on its embedded emulator) with Admin__Port set: the admin port serves
#      the Prometheus exposition over HTTP/1.1, which `promtool check metrics` accepts, every uploadsgrpc_ series
#      from the service's meter; the gRPC port serves no /metrics (HTTP/1.1 400, h2c 404) and the admin port no
#      gRPC (a call fails UNAVAILABLE, an HTTP/1.1 POST is 404)
#   2. Debian's prometheus scrapes the admin port every second. A scripted set of calls with buf curl (1 ListFiles,
#      then 2 more, 2 GetFile of a missing file, 1 GetFile with no file_id): after a scrape that began a second
#      past the last call (the exporter may answer a scrape from a copy up to 300 ms old), PromQL over its HTTP
#      API gives exactly those calls by method and gRPC status (ListFiles OK 3, GetFile NOT_FOUND 2, GetFile
#      INVALID_ARGUMENT 1) and exactly the upstream requests they made by method, route template and HTTP status
#      (GET /files 200: 3, GET /files/{file_id} 404: 2; the invalid call sends none)
#   3. deploy/prometheus/uploadsgrpc-rules.yml: `promtool check rules`; `promtool test rules` on
#      uploadsgrpc-rules.test.yml, and broken copies of the rules failing it; loaded into that Prometheus, its
#      recording rules evaluate on the real series (error ratio 0, memory budget saturation 0), no alert is pending
#      or firing, and every uploadsgrpc_ series the rules read is in the scrape
# Uses the build scripts/test.sh made (dotnet build UploadsGrpc.sln -c Release) and Debian's prometheus, which its
# tools section installs; a part that cannot start (no binary, a port that never opens) is a FAIL, never a skip.
# Every loop is bounded in count and time; every process started is stopped on exit.
# Prints "telemetry: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

buf=$root/node_modules/.bin/buf
server_bin=$root/src/UploadsGrpc.Server/bin/Release/net10.0
rules=$root/deploy/prometheus/uploadsgrpc-rules.yml
rules_test=$root/deploy/prometheus/uploadsgrpc-rules.test.yml
source tests/lib/suite.sh TELEMETRY_KEEP_WORK
finish() { echo "telemetry: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
same() { # name, actual, expected: exact equality, both shown on failure
  if [ "$2" = "$3" ]; then pass "$1"
  else
    printf 'expected:\n%s\nactual:\n%s\n' "$3" "$2" > "$work/same.log"
    fail "$1:" "$work/same.log" 40
  fi
}
now() { date +%s.%N; }
until_200() { # url, tries, pause: asks until the answer is 200; the last status is left in $code
  local i
  code=000
  for ((i = 0; i < $2; i++)); do
    code=$(curl -sS --max-time 2 -o /dev/null -w '%{http_code}' "$1" 2>/dev/null) && [ "$code" = 200 ] && return 0
    sleep "$3"
  done
  return 1
}
later() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; } # a > b, as decimals

# Three free ports on 127.0.0.1, held together while the kernel picks them so they differ.
read -r grpc_port admin_port prom_port < <(/usr/bin/python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()')
server=http://127.0.0.1:$grpc_port
admin=http://127.0.0.1:$admin_port
prom=http://127.0.0.1:$prom_port
echo "telemetry: gRPC on 127.0.0.1:$grpc_port, admin on 127.0.0.1:$admin_port, Prometheus on 127.0.0.1:$prom_port"

# call RPC JSON: one call with buf curl (by reflection); its output in $work/call.out, its exit code printed
# (buf curl exits with the gRPC status code times 8).
call() {
  timeout 20 "$buf" curl --protocol grpc --http2-prior-knowledge -d "$2" "$server/uploadsgrpc.v1.FileService/$1" > "$work/call.out" 2>&1
  echo $?
}

# query PROMQL LABELS...: the instant vector's samples, one "label=value ... value" line each, sorted; an error
# answer prints "error: ...".
query() {
  local promql=$1; shift
  curl -sS --max-time 5 --get --data-urlencode "query=$promql" "$prom/api/v1/query" 2>&1 | /usr/bin/python3 -c '
import json, sys
text = sys.stdin.read()
try:
    j = json.loads(text)
except ValueError:
    print("error: not JSON: " + text[:200]); sys.exit()
if j.get("status") != "success":
    print("error: " + str(j.get("error", text[:200]))); sys.exit()
lines = [" ".join([k + "=" + r["metric"].get(k, "") for k in sys.argv[1:]] + [r["value"][1]]) for r in j["data"]["result"]]
print("\n".join(sorted(lines)))' "$@"
}

# wait_for_sample PROMQL AFTER: polls (at most 20 s) until the PromQL's one value, a timestamp, is past AFTER.
wait_for_sample() {
  local value
  for _ in $(seq 1 80); do
    value=$(query "$1")
    [ -n "$value" ] && [ "${value#error}" = "$value" ] && later "$value" "$2" && return 0
    sleep 0.25
  done
  echo "no sample of $1 past $2 within 20 s; last answer: ${value:-nothing}"
  return 1
}

# ---------------------------------------------------------------- what the suite needs
for tool in prometheus promtool; do
  command -v "$tool" > /dev/null \
    || { fail "$tool is not installed (Debian's prometheus package; scripts/test.sh's tools section installs it)"; finish; }
done
pass "Debian's prometheus: $(prometheus --version 2>&1 | head -1)"
for f in "$server_bin/UploadsGrpc.Server.dll" "$buf"; do
  [ -e "$f" ] || { fail "$f is missing: dotnet build UploadsGrpc.sln -c Release, and npm ci"; finish; }
done

# ---------------------------------------------------------------- 3a. the rules file, offline
if promtool check rules "$rules" > "$work/check-rules.log" 2>&1; then
  pass "promtool check rules deploy/prometheus/uploadsgrpc-rules.yml: $(grep -oE '[0-9]+ rules found' "$work/check-rules.log")"
else fail "promtool check rules deploy/prometheus/uploadsgrpc-rules.yml:" "$work/check-rules.log"; fi
if promtool test rules "$rules_test" > "$work/test-rules.log" 2>&1; then
  pass "promtool test rules deploy/prometheus/uploadsgrpc-rules.test.yml: each alert fires when it should and is silent otherwise"
else fail "promtool test rules deploy/prometheus/uploadsgrpc-rules.test.yml:" "$work/test-rules.log" 40; fi
# The unit tests must be able to fail: broken copies of the rules, each one edit, beside a copy of the tests.
mkdir -p "$work/broken"
cp "$rules_test" "$work/broken/"
broken() { # name, the alert whose test must fail, sed expression
  sed "$3" "$rules" > "$work/broken/uploadsgrpc-rules.yml"
  if cmp -s "$rules" "$work/broken/uploadsgrpc-rules.yml"; then fail "$1: the edit '$3' changed nothing"; return; fi
  if promtool test rules "$work/broken/uploadsgrpc-rules.test.yml" > "$work/broken.log" 2>&1; then
    fail "$1: promtool test rules passed, but must fail"
  elif grep -q "alertname: $2," "$work/broken.log"; then pass "$1"
  else fail "$1: promtool test rules failed, but not on $2:" "$work/broken.log"; fi
}
broken "broken copy: an error-ratio threshold of 50 % misses the failing job" UploadsGrpcHighErrorRatio \
  's/ratio_rate5m > 0.05$/ratio_rate5m > 0.5/'
broken "broken copy: counting NOT_FOUND and INVALID_ARGUMENT as errors alerts on the healthy job" UploadsGrpcHighErrorRatio \
  's/rpc_grpc_status_code=~"2|4|12|13|14|15"/rpc_grpc_status_code=~"2|3|4|5|12|13|14|15"/'
broken "broken copy: a budget threshold of 70 % alerts on the 80 % pod too" UploadsGrpcMemoryBudgetSaturated \
  's/saturation > 0.9$/saturation > 0.7/'
broken "broken copy: a transfer threshold of 6 s alerts on the parts' 57 s" UploadsGrpcUpstreamTransferSlow \
  's/} > 60$/} > 6/'
broken "broken copy: counting only the open state (1) misses a breaker that alternates open and half-open" \
  UploadsGrpcUpstreamCircuitOpen 's/circuit_state > 0$/circuit_state == 1/'

# ---------------------------------------------------------------- 1. the server and its admin port
# The upstream probe (a GET /files when no call has reached the upstream for Health:UpstreamProbeInterval, 15 s
# by default) would add to the upstream requests counted below on a slow run: once an hour here.
(cd "$server_bin" && exec env -u OPENAI_API_KEY -u OPENAI_BASE_URL ASPNETCORE_ENVIRONMENT=Development \
  Admin__Port="$admin_port" Admin__Address=127.0.0.1 Shutdown__DrainDelay=00:00:00 Health__UpstreamProbeInterval=01:00:00 \
  dotnet UploadsGrpc.Server.dll --urls "$server") > "$work/server.log" 2>&1 &
started_pids+=($!)
for _ in $(seq 1 150); do
  timeout 5 "$buf" curl --protocol grpc --http2-prior-knowledge "$server/grpc.health.v1.Health/Check" > "$work/health.json" 2>&1 \
    && grep -q '"SERVING"' "$work/health.json" && break
  sleep 0.2
done
if grep -q '"SERVING"' "$work/health.json"; then pass "the server answers health SERVING on $server"
else fail "the server never answered health SERVING on $server within 30 s:" "$work/server.log"; finish; fi
if until_200 "$admin/metrics" 50 0.2; then pass "the admin port answers GET /metrics on $admin"
else fail "the admin port never answered GET $admin/metrics with 200 within 10 s (last: $code):" "$work/server.log"; finish; fi
if grep -qF "Admin: Prometheus metrics at $admin/metrics (HTTP/1.1)" "$work/server.log"; then pass "the server logs where the admin port serves the metrics"
else fail "no 'Admin: Prometheus metrics at $admin/metrics (HTTP/1.1)' in the server's log:" "$work/server.log"; fi

# The gRPC port serves no exposition, in either protocol.
got=$(curl -sS --http1.1 --max-time 5 -o "$work/grpc-http1.txt" -w '%{http_code} %{http_version}' "$server/metrics" 2>&1)
if [ "$got" = "400 1.1" ] && ! grep -qE '^# TYPE|uploadsgrpc_' "$work/grpc-http1.txt"; then
  pass "the gRPC port: an HTTP/1.1 GET /metrics is refused, 400 ($(head -c 80 "$work/grpc-http1.txt")), no exposition"
else fail "the gRPC port: an HTTP/1.1 GET /metrics answered '$got', expected 400 and no exposition:" "$work/grpc-http1.txt"; fi
got=$(curl -sS --http2-prior-knowledge --max-time 5 -o "$work/grpc-h2c.txt" -w '%{http_code} %{http_version}' "$server/metrics" 2>&1)
if [ "$got" = "404 2" ] && ! grep -qE '^# TYPE|uploadsgrpc_' "$work/grpc-h2c.txt"; then pass "the gRPC port: an h2c GET /metrics is 404, no exposition"
else fail "the gRPC port: an h2c GET /metrics answered '$got', expected 404 and no exposition:" "$work/grpc-h2c.txt"; fi
# The admin port serves no gRPC: a call (schema from the repository's protos, not reflection) and a plain POST.
(cd "$root" && timeout 20 "$buf" curl --schema . --protocol grpc --http2-prior-knowledge -d '{}' \
  "$admin/uploadsgrpc.v1.FileService/ListFiles") > "$work/admin-grpc.txt" 2>&1
code=$?
if [ "$code" -ne 0 ] && grep -q '"code": "unavailable"' "$work/admin-grpc.txt"; then
  pass "the admin port: a gRPC ListFiles fails UNAVAILABLE (buf curl exit $code)"
else fail "the admin port: a gRPC ListFiles gave exit $code, expected UNAVAILABLE:" "$work/admin-grpc.txt"; fi
got=$(curl -sS --http1.1 --max-time 5 -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/grpc' \
  --data-binary '' "$admin/uploadsgrpc.v1.FileService/ListFiles" 2>&1)
same "the admin port: an HTTP/1.1 POST to /uploadsgrpc.v1.FileService/ListFiles is 404" "$got" 404

# ---------------------------------------------------------------- 2. Prometheus scrapes it
mkdir -p "$work/tsdb"
cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: uploadsgrpc
    metrics_path: /metrics
    static_configs:
      - targets: ["127.0.0.1:$admin_port"]
EOF
if promtool check config "$work/prometheus.yml" > "$work/check-config.log" 2>&1; then pass "promtool check config accepts the generated prometheus.yml"
else fail "promtool check config refuses the generated prometheus.yml:" "$work/check-config.log"; fi
(exec prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port") > "$work/prometheus.log" 2>&1 &
started_pids+=($!)
if until_200 "$prom/-/ready" 120 0.25; then pass "prometheus is ready on $prom"
else fail "prometheus was not ready on $prom within 30 s (last: $code):" "$work/prometheus.log"; finish; fi

# The first ListFiles, and a scrape that saw it: its series then grows between scrapes, so the rates below are
# not all 0.
code=$(call ListFiles '{}')
t1=$(now)
if wait_for_sample 'timestamp(up{job="uploadsgrpc"})' "$(awk -v t="$t1" 'BEGIN { printf "%.3f", t + 1 }')" > "$work/wait.log"; then
  pass "prometheus scraped the admin port after the first call"
else fail "prometheus did not scrape the admin port after the first call:" "$work/wait.log"; tail -5 "$work/prometheus.log"; finish; fi
same "after 1 ListFiles (exit $code): Prometheus has ListFiles OK = 1" \
  "$(query 'sum by (rpc_method, rpc_grpc_status_code) (uploadsgrpc_server_call_duration_seconds_count{rpc_service=~"uploadsgrpc.v1.*"})' rpc_method rpc_grpc_status_code)" \
  "rpc_method=ListFiles rpc_grpc_status_code=0 1"

# The rest of the script, each call's status checked by buf curl's exit code.
codes="ListFiles:$code"
for c in "ListFiles {}" "ListFiles {}" 'GetFile {"file_id":"file-telemetry-missing-1"}' \
  'GetFile {"file_id":"file-telemetry-missing-2"}' 'GetFile {"file_id":""}'; do
  codes="$codes ${c%% *}:$(call "${c%% *}" "${c#* }")"
done
t2=$(now)
same "the scripted calls: 3 ListFiles OK, 2 GetFile NOT_FOUND (5 x 8), 1 GetFile INVALID_ARGUMENT (3 x 8)" "$codes" \
  "ListFiles:0 ListFiles:0 ListFiles:0 GetFile:40 GetFile:40 GetFile:24"
if wait_for_sample 'timestamp(up{job="uploadsgrpc"})' "$(awk -v t="$t2" 'BEGIN { printf "%.3f", t + 1 }')" > "$work/wait.log"; then
  pass "prometheus scraped the admin port a second after the last call"
else fail "prometheus did not scrape the admin port after the last call:" "$work/wait.log"; finish; fi

same "prometheus: the target is up, scraped at $admin/metrics" \
  "$(query 'up' job instance)" "job=uploadsgrpc instance=127.0.0.1:$admin_port 1"
same "PromQL: calls by method and gRPC status are exactly the script's" \
  "$(query 'sum by (rpc_method, rpc_grpc_status_code) (uploadsgrpc_server_call_duration_seconds_count{rpc_service=~"uploadsgrpc.v1.*"})' rpc_method rpc_grpc_status_code)" \
  "rpc_method=GetFile rpc_grpc_status_code=3 1
rpc_method=GetFile rpc_grpc_status_code=5 2
rpc_method=ListFiles rpc_grpc_status_code=0 3"
same "PromQL: the services called are the contract's FileService, health and reflection (buf curl's), nothing else" \
  "$(query 'count by (rpc_service) (uploadsgrpc_server_call_duration_seconds_count)' rpc_service | sed 's/ [0-9]*$//')" \
  "rpc_service=grpc.health.v1.Health
rpc_service=grpc.reflection.v1.ServerReflection
rpc_service=uploadsgrpc.v1.FileService"
same "PromQL: upstream requests by method, route template and HTTP status (none for the invalid call)" \
  "$(query 'sum by (http_request_method, url_template, http_response_status_code, error_type) (uploadsgrpc_upstream_request_duration_seconds_count)' http_request_method url_template http_response_status_code error_type)" \
  "http_request_method=GET url_template=/files http_response_status_code=200 error_type= 3
http_request_method=GET url_template=/files/{file_id} http_response_status_code=404 error_type= 2"
same "PromQL: the calls' histogram counts every call in its +Inf bucket" \
  "$(query 'sum(uploadsgrpc_server_call_duration_seconds_bucket{rpc_service="uploadsgrpc.v1.FileService", le="+Inf"})')" "6"
same "PromQL: no upstream retries" "$(query 'sum(uploadsgrpc_upstream_retries_total) or vector(0)')" "0"
same "PromQL: the breaker is closed (0)" "$(query 'uploadsgrpc_upstream_circuit_state' job)" "job=uploadsgrpc 0"
same "PromQL: no bytes of the memory budget held once the calls are done" "$(query 'uploadsgrpc_memory_budget_used_bytes' job)" "job=uploadsgrpc 0"

# The exposition itself, as Prometheus got it.
headers=$(curl -sS --http1.1 --max-time 5 -D "$work/exposition.headers" -o "$work/exposition.txt" -w '%{http_code} %{http_version}' "$admin/metrics" 2>&1)
content_type=$(tr -d '\r' < "$work/exposition.headers" | sed -n 's/^[Cc]ontent-[Tt]ype: //p')
same "the admin port: GET /metrics is 200 over HTTP/1.1, text/plain version 0.0.4" "$headers $content_type" \
  "200 1.1 text/plain; version=0.0.4; charset=utf-8"
if promtool check metrics < "$work/exposition.txt" > "$work/check-metrics.log" 2>&1 && [ ! -s "$work/check-metrics.log" ]; then
  pass "promtool check metrics accepts the exposition ($(grep -c '^# TYPE' "$work/exposition.txt") metrics, $(grep -vc '^#' "$work/exposition.txt") series), with no lint remark"
else fail "promtool check metrics on the exposition:" "$work/check-metrics.log"; fi
series=$(grep -c '^uploadsgrpc_' "$work/exposition.txt")
others=$(grep '^uploadsgrpc_' "$work/exposition.txt" | grep -vc 'otel_scope_name="UploadsGrpc.Server"')
if [ "$series" -gt 0 ] && [ "$others" -eq 0 ]; then pass "all $series uploadsgrpc_ series are the service meter's (otel_scope_name=\"UploadsGrpc.Server\")"
else fail "$others of $series uploadsgrpc_ series lack otel_scope_name=\"UploadsGrpc.Server\""; fi

# ---------------------------------------------------------------- 3b. the rules on the real series
# rate() needs two samples of a series, and the GetFile series begin with the script's calls: the rules are read
# once every call series has two scrapes' samples and Prometheus has evaluated the rules since.
for _ in $(seq 1 80); do
  [ "$(query 'min(count_over_time(uploadsgrpc_server_call_duration_seconds_count{rpc_service=~"uploadsgrpc.v1.*"}[5m])) >= 2')" != "" ] && break
  sleep 0.25
done
t3=$(now)
if wait_for_sample 'timestamp(uploadsgrpc:server_call_errors:ratio_rate5m)' "$t3" > "$work/wait.log"; then
  pass "prometheus evaluated the rules file once every call series had two samples"
else fail "prometheus did not evaluate the rules after the calls:" "$work/wait.log"; grep -i 'rule' "$work/prometheus.log" | tail -5; fi
same "rules: the calls by method and status have a rate each" \
  "$(query 'uploadsgrpc:server_calls:rate5m' job rpc_service rpc_method rpc_grpc_status_code | sed 's/ [^ ]*$//')" \
  "job=uploadsgrpc rpc_service=uploadsgrpc.v1.FileService rpc_method=GetFile rpc_grpc_status_code=3
job=uploadsgrpc rpc_service=uploadsgrpc.v1.FileService rpc_method=GetFile rpc_grpc_status_code=5
job=uploadsgrpc rpc_service=uploadsgrpc.v1.FileService rpc_method=ListFiles rpc_grpc_status_code=0"
same "rules: the error ratio is 0 (NOT_FOUND and INVALID_ARGUMENT are the caller's)" \
  "$(query 'uploadsgrpc:server_call_errors:ratio_rate5m' job)" "job=uploadsgrpc 0"
same "rules: the memory budget saturation is 0" "$(query 'uploadsgrpc:memory_budget:saturation' job instance)" \
  "job=uploadsgrpc instance=127.0.0.1:$admin_port 0"
same "rules: no alert pending or firing" "$(query 'ALERTS' alertname alertstate)" ""
missing=""
for name in $(grep -oE 'uploadsgrpc_[a-z_]+' "$rules" | sort -u); do
  [ "$(query "count({__name__=\"$name\"}) > 0" | sed 's/^\([0-9]*\)$/found/')" = found ] || missing="$missing $name"
done
same "rules: every uploadsgrpc_ series they read is in the scrape ($(grep -oE 'uploadsgrpc_[a-z_]+' "$rules" | sort -u | paste -sd ' '))" \
  "${missing# }" ""

finish

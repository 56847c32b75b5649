#!/usr/bin/env bash
# The container image as a user gets it: built from this checkout with the Dockerfile, run as uid 1654 with
# no debug symbols inside, serving gRPC on 8080 with no extra flag (Production, on its embedded emulator),
# answering the README's first session, serving those calls' metrics on its admin port 9464 (HTTP/1.1 GET
# /metrics, which promtool check metrics accepts), writing only JSON log lines, and stopping with exit code 0;
# then the emulator target on 8080.
# Containers use --network host and are reached on 127.0.0.1 only. Makes Docker work first: the real base
# images when a registry answers, else the stand-ins from third_party/dotnet-base-images (needs root).
# Prints "container: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

docker=/usr/bin/docker # the Debian client: BuildKit is built in (a docker without buildx has none)
image=uploadsgrpc:test
emulator_image=uploadsgrpc-emulator:test
port=8080
admin_port=9464
buf=node_modules/.bin/buf
server=http://127.0.0.1:$port
bases=(mcr.microsoft.com/dotnet/sdk:10.0 mcr.microsoft.com/dotnet/runtime-deps:10.0)
work=$(mktemp -d)
passed=0
failed=0
containers=()

cleanup() {
  local c
  if [ -n "${emulator_build:-}" ]; then pkill -TERM -P "$emulator_build" 2>/dev/null; kill "$emulator_build" 2>/dev/null; wait "$emulator_build" 2>/dev/null; fi
  for c in "${containers[@]}"; do "$docker" rm -f "$c" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { # name, [file to show]
  failed=$((failed + 1)); echo "FAIL - $1"
  if [ -n "${2:-}" ] && [ -s "$2" ]; then tail -40 "$2" | sed 's/^/       /'; fi
}
check() { # name, expected text, file
  if grep -qF -- "$2" "$3"; then ok "$1"; else fail "$1: expected '$2' in:" "$3"; fi
}
finish() {
  echo "container: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
seconds_since() { # start, from date +%s.%N
  awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}
port_free() { ! timeout 2 bash -c "echo > /dev/tcp/127.0.0.1/${1:-$port}" 2>/dev/null; }
# json_log FILE: the server's console log (docker logs) read as JSON lines. Writes each event's Message, decoded,
# one a line, to FILE.messages (the checks read the texts there); prints "LINES NOT_JSON", and on stderr each line
# that is not a JSON object with Timestamp, EventId, LogLevel, Category and Message.
json_log() {
  /usr/bin/python3 -c '
import json, sys
lines, bad, messages = 0, [], []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if not line.strip():
        continue
    lines += 1
    try:
        event = json.loads(line)
        if not isinstance(event, dict) or not {"Timestamp", "EventId", "LogLevel", "Category", "Message"} <= event.keys():
            raise ValueError
        messages.append(event["Message"])
    except ValueError:
        bad.append(line)
with open(sys.argv[1] + ".messages", "w", encoding="utf-8") as out:
    out.write("".join(m + "\n" for m in messages))
print(lines, len(bad))
for line in bad[:10]:
    print("not a JSON log event: " + line[:300], file=sys.stderr)' "$1"
}
process_uid() { # container: the uid of its main process, read from the host's /proc
  local pid
  pid=$("$docker" inspect -f '{{.State.Pid}}' "$1" 2>/dev/null) || return 1
  awk '/^Uid:/ { print $2 }' "/proc/$pid/status"
}
stop_and_check() { # container, what it is
  local start code
  start=$(date +%s.%N)
  timeout 60 "$docker" stop -t 20 "$1" > "$work/stop.log" 2>&1
  local took; took=$(seconds_since "$start")
  code=$("$docker" inspect -f '{{.State.ExitCode}}' "$1" 2>/dev/null)
  if [ "$code" = 0 ]; then ok "$2: docker stop -t 20 exits 0 (stop took ${took} s)"
  else "$docker" logs "$1" > "$work/stopped.log" 2>&1; fail "$2: docker stop -t 20 gave exit code '$code' after ${took} s" "$work/stopped.log"; fi
}

# ---------------------------------------------------------------- Docker itself
docker_ready() { [ -x "$docker" ] && timeout 20 "$docker" info >/dev/null 2>&1 && timeout 20 "$docker" image inspect "${bases[@]}" >/dev/null 2>&1; }
how="already there"
if ! docker_ready; then
  if [ -x "$docker" ] && timeout 20 "$docker" info >/dev/null 2>&1 \
    && [ "$(timeout 10 curl -s -o /dev/null -w '%{http_code}' https://mcr.microsoft.com/v2/ 2>/dev/null)" != 000 ]; then
    how="pulled from mcr.microsoft.com"
    for base in "${bases[@]}"; do timeout 900 "$docker" pull -q "$base" >> "$work/bases.log" 2>&1; done
  fi
  if ! docker_ready; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "container: cannot run Docker here: no usable daemon or base images, and building the stand-ins needs root (uid $(id -u))"
      failed=$((failed + 1)); finish
    fi
    how="stand-ins built by third_party/dotnet-base-images"
    timeout 1800 bash third_party/dotnet-base-images/dotnet-base-images >> "$work/bases.log" 2>&1
  fi
fi
if ! docker_ready; then
  reason=$(tail -1 "$work/bases.log" 2>/dev/null)
  echo "container: cannot run Docker here: ${reason:-the daemon does not answer or the base images are missing}"
  failed=$((failed + 1)); finish
fi
ok "docker: the daemon answers and ${bases[*]} are present ($how)"

# ---------------------------------------------------------------- the server image
# The emulator target builds beside it: the two share the sources' stage (BuildKit runs it once), and the two
# Native AOT publishes and the server's run checks below overlap on the cores instead of queueing.
emulator_start=$(date +%s.%N)
(DOCKER_BUILDKIT=1 timeout 1800 "$docker" build --target emulator -t "$emulator_image" . > "$work/build-emulator.log" 2>&1
 status=$?; date +%s.%N > "$work/emulator-built"; exit "$status") &
emulator_build=$!
start=$(date +%s.%N)
if ! DOCKER_BUILDKIT=1 timeout 1800 "$docker" build -t "$image" . > "$work/build.log" 2>&1; then
  fail "build: docker build -t $image . failed; the remaining checks need the image" "$work/build.log"
  finish
fi
size=$("$docker" image inspect -f '{{.Size}}' "$image")
ok "build: docker build -t $image . in $(seconds_since "$start") s; image $((size / 1000000)) MB ($size bytes)"

user=$("$docker" image inspect -f '{{.Config.User}}' "$image")
if [ "$user" = 1654 ]; then ok "image: runs as user 1654"; else fail "image: the user is '$user', not 1654"; fi
# The admin port and JSON logs are the image's defaults.
"$docker" image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$image" > "$work/env.txt"
exposed=$("$docker" image inspect -f '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}' "$image")
if grep -qx "Admin__Port=$admin_port" "$work/env.txt" && grep -qx 'Logging__Console__FormatterName=json' "$work/env.txt" \
  && [ "$exposed" = "8080/tcp $admin_port/tcp " ]; then
  ok "image: Admin__Port=$admin_port and Logging__Console__FormatterName=json by default; exposes $exposed"
else echo "exposed: $exposed" >> "$work/env.txt"; fail "image: not Admin__Port=$admin_port, JSON logs and ports 8080 and $admin_port exposed:" "$work/env.txt"; fi

created=$("$docker" create "$image") && containers+=("$created")
timeout 120 "$docker" export "$created" | tar -t > "$work/files.txt" 2>/dev/null
symbols=$(grep -cE '\.(dbg|pdb)$' "$work/files.txt")
if grep -qx 'app/UploadsGrpc.Server' "$work/files.txt" && [ "$symbols" -eq 0 ]; then
  ok "image: no .dbg or .pdb among its $(wc -l < "$work/files.txt") files; /app holds $(grep -c '^app/.' "$work/files.txt") files ($(grep '^app/.' "$work/files.txt" | sed 's#^app/##' | paste -sd ' '))"
else
  grep -E '\.(dbg|pdb)$|^app/' "$work/files.txt" > "$work/symbols.txt"
  fail "image: $symbols debug symbol files, or no app/UploadsGrpc.Server:" "$work/symbols.txt"
fi

if port_free; then ok "port $port is free on this host"
else fail "port $port is already in use on this host; the remaining checks need it"; finish; fi
if port_free "$admin_port"; then ok "port $admin_port (the admin port) is free on this host"
else fail "port $admin_port is already in use on this host; the remaining checks need it"; finish; fi

name=uploadsgrpc-container-test-$$
containers+=("$name")
timeout 60 "$docker" run -d --name "$name" --network host -e Upstream__Mode=Emulator "$image" > /dev/null 2> "$work/run.log" \
  || { fail "run: docker run failed" "$work/run.log"; finish; }
start=$(date +%s.%N)
for _ in $(seq 1 150); do
  timeout 5 "$buf" curl --protocol grpc --http2-prior-knowledge "$server/grpc.health.v1.Health/Check" > "$work/health.json" 2>&1 && break
  sleep 0.2
done
waited=$(seconds_since "$start")
"$docker" logs "$name" > "$work/server.log" 2>&1
if grep -qF '"status": "SERVING"' "$work/health.json"; then ok "run: grpc.health.v1.Health/Check is SERVING on 127.0.0.1:$port after ${waited} s, with no flag"
else cat "$work/health.json" >> "$work/server.log"; fail "run: no SERVING health check on 127.0.0.1:$port within 30 s" "$work/server.log"; finish; fi
# The log is JSON lines: the checks read the events' messages (json_log); that every line is one, at the stop below.
json_log "$work/server.log" > /dev/null 2>&1
check "run: Kestrel listens on every interface, port $port (ASPNETCORE_HTTP_PORTS)" "Now listening on: http://[::]:$port" "$work/server.log.messages"
check "run: Production, on the embedded emulator (Upstream__Mode=Emulator)" "Upstream: the embedded emulator at http://127.0.0.1:" "$work/server.log.messages"
check "run: the environment is Production" "Hosting environment: Production" "$work/server.log.messages"
check "run: the admin port listens on every interface, port $admin_port (Admin__Port from the image)" \
  "Admin: Prometheus metrics at http://0.0.0.0:$admin_port/metrics (HTTP/1.1)" "$work/server.log.messages"
uid=$(process_uid "$name")
if [ "$uid" = 1654 ]; then ok "run: the server process runs as uid 1654"; else fail "run: the server process runs as uid '$uid', not 1654"; fi

# The session exactly as README.md writes it, with the port moved from 50051 to the container's 8080.
sed -n '/<!-- session:start -->/,/<!-- session:end -->/p' README.md | sed '1,2d;$d' | sed '$d' \
  | sed "s#127.0.0.1:50051#127.0.0.1:$port#g" > "$work/session.sh"
if timeout 180 bash -euo pipefail "$work/session.sh" > "$work/session.out" 2>&1; then ok "session: the README's first session runs against the container"
else fail "session: the README's first session exited non-zero" "$work/session.out"; fi
statuses=$(grep -oE '"status": "UPLOAD_STATUS_[A-Z]+"' "$work/session.out" | sed -E 's/.*"(UPLOAD_STATUS_[A-Z]+)"/\1/' | tr '\n' ' ' | sed 's/ $//')
if [ "$statuses" = "UPLOAD_STATUS_COMPLETED UPLOAD_STATUS_CANCELLED" ]; then ok "session: one upload completed, then the other cancelled ($statuses)"
else fail "session: upload statuses were '$statuses', not 'UPLOAD_STATUS_COMPLETED UPLOAD_STATUS_CANCELLED'" "$work/session.out"; fi
check "session: the completed upload's File holds the 11 bytes" '"bytes": "11"' "$work/session.out"

# The session's calls on the admin port, over HTTP/1.1 on 127.0.0.1 (--network host). The exporter may answer
# from a copy of its last scrape up to 300 ms old, so a second passes first.
sleep 1
got=$(timeout 10 curl -sS --http1.1 --max-time 5 -o "$work/metrics.txt" -w '%{http_code} %{http_version}' \
  "http://127.0.0.1:$admin_port/metrics" 2>&1)
if [ "$got" = "200 1.1" ] && grep -q '^uploadsgrpc_' "$work/metrics.txt"; then
  ok "admin: GET http://127.0.0.1:$admin_port/metrics is 200 over HTTP/1.1 with $(grep -c '^uploadsgrpc_' "$work/metrics.txt") uploadsgrpc_ series"
else echo "answer: $got" >> "$work/metrics.txt"; fail "admin: GET http://127.0.0.1:$admin_port/metrics gave no uploadsgrpc_ series:" "$work/metrics.txt"; fi
# uploadsgrpc.v1.UploadService calls by method and status, from the exposition's histogram counts.
calls=$(/usr/bin/python3 -c '
import re, sys
rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"uploadsgrpc_server_call_duration_seconds_count\{(.*)\} (\S+)", line)
    if m:
        labels = dict(re.findall(r"(\w+)=\"([^\"]*)\"", m.group(1)))
        if labels.get("rpc_service") == "uploadsgrpc.v1.UploadService":
            rows.append("%s %s %s" % (labels["rpc_method"], labels["rpc_grpc_status_code"], m.group(2)))
print(", ".join(sorted(rows)))' "$work/metrics.txt" 2>&1)
expected_calls="AddUploadPart 0 1, CancelUpload 0 1, CompleteUpload 0 1, CreateUpload 0 2"
if [ "$calls" = "$expected_calls" ]; then ok "admin: the session's calls by method and status (method status count): $calls"
else fail "admin: calls by method and status are '$calls', expected '$expected_calls'"; fi
parts=$(grep -E '^uploadsgrpc_upload_(parts|bytes)_total\{' "$work/metrics.txt" | sed -E 's/^(uploadsgrpc_upload_[a-z]+_total)\{.*\} /\1 /' | sort | paste -sd ' ')
if [ "$parts" = "uploadsgrpc_upload_bytes_total 11 uploadsgrpc_upload_parts_total 1" ]; then ok "admin: 1 part of 11 bytes uploaded ($parts)"
else fail "admin: upload parts and bytes are '$parts', expected 1 part of 11 bytes"; fi
if ! command -v promtool > /dev/null; then fail "admin: promtool is not installed (Debian's prometheus; scripts/test.sh's tools section installs it)"
elif promtool check metrics < "$work/metrics.txt" > "$work/check-metrics.log" 2>&1 && [ ! -s "$work/check-metrics.log" ]; then
  ok "admin: promtool check metrics accepts the container's exposition, with no lint remark"
else fail "admin: promtool check metrics on the container's exposition:" "$work/check-metrics.log"; fi

stop_and_check "$name" "server"
# The server drains before it exits: the signal turned health NOT_SERVING and the listener stayed open for the
# drain delay (5 s by default), which is why docker stop needs more than its own default of 10 s under load.
"$docker" logs "$name" > "$work/server-stopped.log" 2>&1
read -r log_lines not_json < <(json_log "$work/server-stopped.log" 2> "$work/not-json.log"; echo "0 -1")
if [ "$not_json" = 0 ] && [ "$log_lines" -gt 0 ]; then
  ok "logs: each of the $log_lines lines the server wrote from start to exit is a JSON event (Timestamp, EventId, LogLevel, Category, Message)"
else fail "logs: $not_json of the $log_lines lines the server wrote are not JSON events:" "$work/not-json.log"; fi
if grep -q "Shutdown: health is NOT_SERVING; calls are still served for 5 s" "$work/server-stopped.log.messages" \
  && grep -q "Shutdown: the drain delay ended" "$work/server-stopped.log.messages"; then
  ok "server: on SIGTERM it drained (NOT_SERVING, 5 s of serving, then GOAWAY) before exiting"
else fail "server: no drain in the container's log on SIGTERM" "$work/server-stopped.log"; fi

# ---------------------------------------------------------------- the image with Auth:Mode=ApiKeys
# The shipped (Native AOT) binary authenticates callers: a token's SHA-256 in the environment, the token on calls.
if port_free && port_free "$admin_port"; then
  token=$(openssl rand -hex 24)
  name=uploadsgrpc-container-test-auth-$$
  containers+=("$name")
  timeout 60 "$docker" run -d --name "$name" --network host -e Upstream__Mode=Emulator -e Shutdown__DrainDelay=00:00:00 \
    -e Auth__Mode=ApiKeys -e Auth__ApiKeys__0__Caller=container \
    -e Auth__ApiKeys__0__Sha256="$(printf %s "$token" | sha256sum | cut -d' ' -f1)" "$image" > /dev/null 2> "$work/run-auth.log" \
    || fail "auth: docker run with Auth__Mode=ApiKeys failed" "$work/run-auth.log"
  for _ in $(seq 1 150); do
    timeout 5 "$buf" curl --protocol grpc --http2-prior-knowledge "$server/grpc.health.v1.Health/Check" > /dev/null 2>&1 && break
    sleep 0.2
  done
  list="$server/uploadsgrpc.v1.FileService/ListFiles"
  timeout 10 "$buf" curl --protocol grpc --http2-prior-knowledge -d '{}' "$list" > "$work/auth-none.json" 2>&1
  timeout 10 "$buf" curl --protocol grpc --http2-prior-knowledge -H "authorization: Bearer $token" -d '{}' "$list" > "$work/auth-token.json" 2>&1
  "$docker" logs "$name" > "$work/server-auth.log" 2>&1
  json_log "$work/server-auth.log" > /dev/null 2>&1
  check "auth: a call without a token is UNAUTHENTICATED" '"code": "unauthenticated"' "$work/auth-none.json"
  check "auth: the container says how callers are authenticated" "Callers: authenticated by ApiKeys" "$work/server-auth.log.messages"
  if ! grep -q '"code"' "$work/auth-token.json" && grep -q '{' "$work/auth-token.json"; then ok "auth: the same call with the token is answered"
  else fail "auth: the call with the token failed" "$work/auth-token.json"; fi
  if grep -qF "$token" "$work/server-auth.log"; then fail "auth: the token is in the container's log" "$work/server-auth.log"
  else ok "auth: the token is in no line of the container's log"; fi
  timeout 60 "$docker" rm -f "$name" > /dev/null 2>&1
else fail "auth: port $port or $admin_port is still in use after the server stopped"; fi

# ---------------------------------------------------------------- the emulator target
if wait "$emulator_build"; then
  emulator_build=
  size=$("$docker" image inspect -f '{{.Size}}' "$emulator_image")
  built=$(awk -v a="$emulator_start" -v b="$(cat "$work/emulator-built")" 'BEGIN {printf "%.1f", b - a}')
  ok "emulator: docker build --target emulator in $built s, beside the server's; image $((size / 1000000)) MB ($size bytes)"
  if ! port_free; then fail "emulator: port $port is still in use after the server stopped"; finish; fi
  name=uploadsgrpc-container-test-emulator-$$
  containers+=("$name")
  timeout 60 "$docker" run -d --name "$name" --network host "$emulator_image" > /dev/null 2> "$work/run-emulator.log" \
    || { fail "emulator: docker run failed" "$work/run-emulator.log"; finish; }
  start=$(date +%s.%N)
  for _ in $(seq 1 150); do
    timeout 5 curl -sf "$server/_admin/requests" > "$work/requests.json" 2>/dev/null && break
    sleep 0.2
  done
  waited=$(seconds_since "$start")
  "$docker" logs "$name" > "$work/emulator.log" 2>&1
  answer=$(tr -d ' \n' < "$work/requests.json" 2>/dev/null)
  if [ "$answer" = '{"total":0,"aborted":0,"recent":[]}' ]; then ok "emulator: GET /_admin/requests is $answer on 127.0.0.1:$port after ${waited} s"
  else
    echo "GET /_admin/requests answered: ${answer:-nothing}" >> "$work/emulator.log"
    fail "emulator: GET /_admin/requests did not answer {\"total\":0,\"aborted\":0,\"recent\":[]} within 30 s" "$work/emulator.log"
  fi
  timeout 10 curl -s -H 'Authorization: Bearer sk-container-test' -H 'Content-Type: application/json' \
    -d '{"filename":"a.txt","purpose":"assistants","bytes":3,"mime_type":"text/plain"}' "$server/v1/uploads" > "$work/upload.json" 2>&1
  if grep -qE '"status": ?"pending"' "$work/upload.json" && grep -qE '"bytes": ?3[,}]' "$work/upload.json"; then ok "emulator: POST /v1/uploads with a bearer key creates a pending upload of 3 bytes"
  else fail "emulator: POST /v1/uploads did not create a pending upload:" "$work/upload.json"; fi
  check "emulator: Kestrel listens on every interface, port $port (ASPNETCORE_HTTP_PORTS)" "Now listening on: http://[::]:$port" "$work/emulator.log"
  uid=$(process_uid "$name")
  if [ "$uid" = 1654 ]; then ok "emulator: the process runs as uid 1654"; else fail "emulator: the process runs as uid '$uid', not 1654"; fi
  stop_and_check "$name" "emulator"
else
  emulator_build=
  fail "emulator: docker build --target emulator failed" "$work/build-emulator.log"
fi

finish

#!/usr/bin/env bash
# The README's first steps, as a new user takes them: the built server with no key in Development (so on
# its embedded emulator), then the README's buf curl session, extracted from README.md and run verbatim
# (only the port is changed), plus reflection, health, an error, and the Production refusal. The server wants a
# caller's token (Auth:Mode=ApiKeys, one caller whose token is made here), which the sessions send from
# UPLOADSGRPC_TOKEN as README.md shows; the Python session runs as README.md sets it up, on a server in plain
# Development.
set -euo pipefail
cd "$(dirname "$0")/../.."

buf=node_modules/.bin/buf
grpc_port=${SMOKE_GRPC_PORT:-50151}
server=http://127.0.0.1:$grpc_port
bin=src/UploadsGrpc.Server/bin/Release/net10.0
work=$(mktemp -d)
passed=0
failed=0

cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${plain_pid:-}" ] && kill "$plain_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

check() { # name, expected text, file
  if grep -qF -- "$2" "$3"; then
    passed=$((passed + 1)); echo "ok   - $1"
  else
    failed=$((failed + 1)); echo "FAIL - $1: expected '$2' in:"; sed 's/^/       /' "$3"
  fi
}

ready() { # server URL; health needs no token
  for _ in $(seq 1 150); do
    if "$buf" curl --protocol grpc --http2-prior-knowledge "$1/grpc.health.v1.Health/Check" > "$work/health.json" 2>/dev/null; then break; fi
    sleep 0.2
  done
}

# The server keeps only the token's SHA-256.
token=$(openssl rand -hex 24)
token_sha256=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
(cd "$bin" && env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u UPLOADSGRPC_TOKEN ASPNETCORE_ENVIRONMENT=Development \
  Auth__Mode=ApiKeys Auth__ApiKeys__0__Caller=smoke Auth__ApiKeys__0__Sha256="$token_sha256" \
  dotnet UploadsGrpc.Server.dll --urls "$server") > "$work/server.log" 2>&1 &
server_pid=$!
ready "$server"
check "with no key, Development serves on the embedded emulator and says so" "Upstream: the embedded emulator at http://127.0.0.1:" "$work/server.log"
export UPLOADSGRPC_TOKEN=$token
auth="authorization: Bearer $token"

"$buf" curl --protocol grpc --http2-prior-knowledge --list-methods "$server" > "$work/methods.txt"
for rpc in UploadService/CreateUpload UploadService/AddUploadPart UploadService/CompleteUpload UploadService/CancelUpload \
  UploadService/UploadFile FileService/GetFile FileService/ListFiles FileService/DeleteFile FileService/DownloadFile FileService/CreateFile; do
  check "list-methods shows $rpc" "uploadsgrpc.v1.$rpc" "$work/methods.txt"
done

# The session exactly as README.md writes it, with the port moved off 50051 and without its first line, `npm ci`:
# the buf used above came from it already, and a second install would take most of this script's time.
sed -n '/<!-- session:start -->/,/<!-- session:end -->/p' README.md | sed '1,2d;$d' | sed '$d' \
  | sed '/^npm ci$/d' | sed "s#127.0.0.1:50051#127.0.0.1:$grpc_port#g" > "$work/session.sh"
bash -euo pipefail "$work/session.sh" > "$work/session.out" 2>&1 || { failed=$((failed + 1)); echo "FAIL - the README session exited non-zero"; }
check "README session: CompleteUpload completes" '"status": "UPLOAD_STATUS_COMPLETED"' "$work/session.out"
check "README session: the File holds the 11 bytes" '"bytes": "11"' "$work/session.out"
check "README session: the File is processed" '"status": "FILE_STATUS_PROCESSED"' "$work/session.out"
check "README session: CancelUpload cancels the other" '"status": "UPLOAD_STATUS_CANCELLED"' "$work/session.out"

# The whole-file session (CLI and buf curl UploadFile), also exactly as README.md writes it.
sed -n '/<!-- upload:start -->/,/<!-- upload:end -->/p' README.md | sed '1,2d;$d' | sed '$d' \
  | sed "s#127.0.0.1:50051#127.0.0.1:$grpc_port#g" > "$work/upload.sh"
bash -euo pipefail "$work/upload.sh" > "$work/upload.out" 2> "$work/upload.err" || { failed=$((failed + 1)); echo "FAIL - the README upload session exited non-zero:"; sed 's/^/       /' "$work/upload.err"; }
file_id=$(grep -m1 -oE '^file-[A-Za-z0-9]+$' "$work/upload.out" || true)
if [ -n "$file_id" ]; then passed=$((passed + 1)); echo "ok   - README upload: the CLI prints the file id ($file_id)"; else failed=$((failed + 1)); echo "FAIL - README upload: no file id line in:"; sed 's/^/       /' "$work/upload.out"; fi

# A Python team's first steps, as README.md writes them: generate the stubs, then the five-line script,
# against the server as README.md starts it there (plain Development, no token).
plain_port=$((grpc_port + 2))
(cd "$bin" && env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u UPLOADSGRPC_TOKEN ASPNETCORE_ENVIRONMENT=Development \
  dotnet UploadsGrpc.Server.dll --urls "http://127.0.0.1:$plain_port") > "$work/plain.log" 2>&1 &
plain_pid=$!
ready "http://127.0.0.1:$plain_port"
sed -n '/<!-- python:start -->/,/<!-- python:end -->/p' README.md | sed '1,2d;$d' | sed '$d' \
  | sed "s#127.0.0.1:50051#127.0.0.1:$plain_port#g" > "$work/python.sh"
if [ "$(sed -n '/^cat > cancel.py/,/^EOF$/p' "$work/python.sh" | sed '1d;$d' | wc -l)" -eq 5 ]; then passed=$((passed + 1)); echo "ok   - README python: the script is five lines"
else failed=$((failed + 1)); echo "FAIL - README python: the script is not five lines"; fi
env -u UPLOADSGRPC_TOKEN bash -euo pipefail "$work/python.sh" > "$work/python.out" 2>&1 || { failed=$((failed + 1)); echo "FAIL - the README Python session exited non-zero:"; sed 's/^/       /' "$work/python.out"; }
rm -f cancel.py
kill "$plain_pid" 2>/dev/null || true
if grep -qE '^upload_[0-9a-f]+ cancelled$' "$work/python.out"; then passed=$((passed + 1)); echo "ok   - README python: generated stubs cancel an upload ($(tail -1 "$work/python.out"))"
else failed=$((failed + 1)); echo "FAIL - README python: no 'upload_… cancelled' line in:"; sed 's/^/       /' "$work/python.out"; fi
check "README upload: files get shows the file" "filename: batch.jsonl" "$work/upload.out"
check "README upload: files list lists it" "$file_id	" "$work/upload.out"
check "README upload: the CLI reported each part on stderr" "part 0 committed" "$work/upload.err"
expected_md5=$(printf '{"custom_id": "1", "method": "POST", "url": "/v1/chat/completions", "body": {}}\n' | md5sum | cut -d' ' -f1)
check "README upload: buf curl UploadFile completes with the file's md5" "\"md5\": \"$expected_md5\"" "$work/upload.out"
check "README upload: and a part_committed event" '"partCommitted"' "$work/upload.out"

completed=$(sed -n 's/^ *"id": "\(upload_[0-9a-f]*\)",$/\1/p' "$work/session.out" | head -1)
"$buf" curl --protocol grpc --http2-prior-knowledge -H "$auth" -d "{\"upload_id\":\"$completed\"}" \
  "$server/uploadsgrpc.v1.UploadService/CancelUpload" > "$work/again.json" 2>&1 || true
check "cancelling the completed upload is INVALID_ARGUMENT" '"code": "invalid_argument"' "$work/again.json"
check "with an ErrorInfo detail" '"type": "google.rpc.ErrorInfo"' "$work/again.json"
# buf curl prints details as base64 protobuf; the reason is in it as plain bytes.
sed -n 's/^ *"value": "\(.*\)"$/\1/p' "$work/again.json" | { base64 -d 2>/dev/null || true; } > "$work/errorinfo.bin"
check "whose reason is UPLOAD_NOT_PENDING, domain api.openai.com" "UPLOAD_NOT_PENDING" "$work/errorinfo.bin"
check "and domain api.openai.com" "api.openai.com" "$work/errorinfo.bin"

"$buf" curl --protocol grpc --http2-prior-knowledge -H "$auth" -d '{"upload_id":"upload_missing"}' \
  "$server/uploadsgrpc.v1.UploadService/CancelUpload" > "$work/missing.json" 2>&1 || true
check "an unknown upload is NOT_FOUND" '"code": "not_found"' "$work/missing.json"

"$buf" curl --protocol grpc --http2-prior-knowledge -d '{"upload_id":"upload_missing"}' \
  "$server/uploadsgrpc.v1.UploadService/CancelUpload" > "$work/anonymous.json" 2>&1 || true
check "without the token a call is UNAUTHENTICATED" '"code": "unauthenticated"' "$work/anonymous.json"
"$buf" curl --protocol grpc --http2-prior-knowledge -H "authorization: Bearer wrong-$token" -d '{"upload_id":"upload_missing"}' \
  "$server/uploadsgrpc.v1.UploadService/CancelUpload" > "$work/wrong.json" 2>&1 || true
check "with a wrong token too" '"code": "unauthenticated"' "$work/wrong.json"
if grep -qF -- "$token" "$work/server.log"; then failed=$((failed + 1)); echo "FAIL - the server log holds the token"
else passed=$((passed + 1)); echo "ok   - the server log does not hold the token"; fi

"$buf" curl --protocol grpc --http2-prior-knowledge "$server/grpc.health.v1.Health/Check" > "$work/health.json"
check "health answers SERVING" '"status": "SERVING"' "$work/health.json"

set +e
(cd "$bin" && env -u OPENAI_API_KEY -u OPENAI_BASE_URL ASPNETCORE_ENVIRONMENT=Production \
  dotnet UploadsGrpc.Server.dll --urls "http://127.0.0.1:$((grpc_port + 1))") > "$work/production.log" 2>&1
code=$?
set -e
if [ "$code" -ne 0 ]; then passed=$((passed + 1)); echo "ok   - Production with no key exits non-zero ($code)"; else failed=$((failed + 1)); echo "FAIL - Production with no key exited 0"; fi
check "naming OPENAI_API_KEY" "UploadsGrpc cannot start: OPENAI_API_KEY is not set." "$work/production.log"

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

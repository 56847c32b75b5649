#!/usr/bin/env bash
# The README's first steps, as a new user takes them: the built server against a local HTTP upstream,
# then buf curl (through reflection) lists the RPCs, calls CancelUpload and asks grpc.health.v1.
set -euo pipefail
cd "$(dirname "$0")/../.."

buf=node_modules/.bin/buf
grpc_port=${SMOKE_GRPC_PORT:-50151}
upstream_port=${SMOKE_UPSTREAM_PORT:-50152}
server=http://127.0.0.1:$grpc_port
work=$(mktemp -d)
passed=0
failed=0

cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "${upstream_pid:-}" ] && kill "$upstream_pid" 2>/dev/null || true
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

node tests/smoke/static-upstream.mjs "$upstream_port" &
upstream_pid=$!
(cd src/UploadsGrpc.Server/bin/Release/net10.0 &&
  OPENAI_BASE_URL=http://127.0.0.1:$upstream_port/v1 OPENAI_API_KEY=sk-smoke-not-a-real-key \
  exec dotnet UploadsGrpc.Server.dll --urls "$server") > "$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 150); do
  if "$buf" curl --protocol grpc --http2-prior-knowledge "$server/grpc.health.v1.Health/Check" > "$work/health.json" 2>/dev/null; then break; fi
  sleep 0.2
done

"$buf" curl --protocol grpc --http2-prior-knowledge --list-methods "$server" > "$work/methods.txt"
for rpc in CreateUpload AddUploadPart CompleteUpload CancelUpload; do
  check "list-methods shows $rpc" "uploadsgrpc.v1.UploadService/$rpc" "$work/methods.txt"
done

"$buf" curl --protocol grpc --http2-prior-knowledge -d '{"upload_id":"upload_abc123"}' \
  "$server/uploadsgrpc.v1.UploadService/CancelUpload" > "$work/cancel.json"
check "CancelUpload maps the upload" '"status": "UPLOAD_STATUS_CANCELLED"' "$work/cancel.json"
check "CancelUpload keeps the upstream string" '"statusValue": "cancelled"' "$work/cancel.json"
check "CancelUpload carries the id" '"id": "upload_abc123"' "$work/cancel.json"

"$buf" curl --protocol grpc --http2-prior-knowledge -d '{"upload_id":"upload_missing"}' \
  "$server/uploadsgrpc.v1.UploadService/CancelUpload" > "$work/missing.json" 2>&1 || true
check "an upstream 404 is NOT_FOUND" '"code": "not_found"' "$work/missing.json"
check "with the upstream's message" 'No such Upload: upload_missing' "$work/missing.json"

"$buf" curl --protocol grpc --http2-prior-knowledge "$server/grpc.health.v1.Health/Check" > "$work/health.json"
check "health answers SERVING" '"status": "SERVING"' "$work/health.json"

if grep -q "sk-smoke-not-a-real-key" "$work/server.log"; then
  failed=$((failed + 1)); echo "FAIL - the API key appears in the server log"
else
  passed=$((passed + 1)); echo "ok   - the API key is in no log line"
fi

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Real clients of the standalone emulator: the official openai npm SDK with baseURL, and Prism as a
# validating proxy holding the emulator to the published OpenAPI document. Prints "clients: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

emulator_port=${CLIENTS_EMULATOR_PORT:-50161}
prism_port=${CLIENTS_PRISM_PORT:-50162}
work=$(mktemp -d)
cleanup() {
  [ -n "${emulator_pid:-}" ] && kill "$emulator_pid" 2>/dev/null
  [ -n "${prism_pid:-}" ] && kill "$prism_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

emulator=http://127.0.0.1:$emulator_port
(cd src/UploadsGrpc.Emulator/bin/Release/net10.0 && exec dotnet UploadsGrpc.Emulator.dll --urls "$emulator") > "$work/emulator.log" 2>&1 &
emulator_pid=$!
node_modules/.bin/prism proxy --errors -h 127.0.0.1 -p "$prism_port" third_party/openai-openapi/openai-uploads-files.openapi.yaml "$emulator/v1" > "$work/prism.log" 2>&1 &
prism_pid=$!
for _ in $(seq 1 150); do
  curl -s -o /dev/null "$emulator/_admin/clock" && curl -s -o /dev/null "http://127.0.0.1:$prism_port/files" && break
  sleep 0.2
done

node tests/clients/openai-sdk.mjs "$emulator/v1" 2>&1 | grep -v 'EBADENGINE\|engine' | tee "$work/sdk.txt"
node tests/clients/prism-proxy.mjs "http://127.0.0.1:$prism_port" 2>&1 | tee "$work/prism.txt"

passed=$(sed -nE 's/^(sdk|prism): ([0-9]+) passed.*/\2/p' "$work/sdk.txt" "$work/prism.txt" | awk '{s+=$1} END {print s+0}')
failed=$(sed -nE 's/^(sdk|prism): [0-9]+ passed, ([0-9]+) failed/\2/p' "$work/sdk.txt" "$work/prism.txt" | awk '{s+=$1} END {print s+0}')
expected=7
if [ $((passed + failed)) -ne $expected ]; then
  echo "FAIL - expected $expected client checks to run, saw $((passed + failed)); emulator log:"; sed 's/^/       /' "$work/emulator.log"; tail -20 "$work/prism.log"
  failed=$((failed + expected - passed - failed))
fi
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

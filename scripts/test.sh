#!/usr/bin/env bash
# Every test of the project, from a fresh clone: pinned tools, contract lint, .NET tests, and the
# README's buf curl session against the built server. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== tools (npm ci: buf 1.75.0, openai 7.57.0, prism 5.14.2)"
npm ci --no-audit --no-fund --loglevel=error

echo "== contract: buf lint (STANDARD + COMMENTS) and buf format"
node_modules/.bin/buf lint
node_modules/.bin/buf format --diff --exit-code

echo "== build"
dotnet build UploadsGrpc.sln -c Release -warnaserror --nologo -v quiet

echo "== .NET tests"
results=.artifacts/test-results
rm -rf "$results"; mkdir -p .artifacts
dotnet test UploadsGrpc.sln -c Release --no-build --nologo --results-directory "$results" \
  --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=minimal" | tee .artifacts/dotnet-test.log
dotnet_passed=$(grep -oE 'Passed: +[0-9]+' .artifacts/dotnet-test.log | awk '{s+=$2} END {print s+0}')
dotnet_failed=$(grep -oE 'Failed: +[0-9]+' .artifacts/dotnet-test.log | awk '{s+=$2} END {print s+0}')

echo "== the official openai SDK and Prism (validating proxy) against the standalone emulator"
clients_status=0
bash tests/clients/run.sh | tee .artifacts/clients.log || clients_status=$?
clients_passed=$(sed -nE 's/^clients: ([0-9]+) passed.*/\1/p' .artifacts/clients.log)
clients_failed=$(sed -nE 's/^clients: [0-9]+ passed, ([0-9]+) failed/\1/p' .artifacts/clients.log)

echo "== the README's first session, with buf curl, on the embedded emulator"
smoke_status=0
bash tests/smoke/buf-curl.sh | tee .artifacts/smoke.log || smoke_status=$?
smoke_passed=$(sed -nE 's/^smoke: ([0-9]+) passed.*/\1/p' .artifacts/smoke.log)
smoke_failed=$(sed -nE 's/^smoke: [0-9]+ passed, ([0-9]+) failed/\1/p' .artifacts/smoke.log)

echo "tests: $((dotnet_passed + ${clients_passed:-0} + ${smoke_passed:-0})) passed, $((dotnet_failed + ${clients_failed:-1} + ${smoke_failed:-1})) failed"
[ "$clients_status" -eq 0 ] && [ "$smoke_status" -eq 0 ]

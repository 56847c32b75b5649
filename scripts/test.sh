#!/usr/bin/env bash
# Every test of the project, from a fresh clone: pinned tools, contract lint, .NET tests, and the
# README's buf curl session against the built server. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "== tools (npm ci: buf 1.75.0)"
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

echo "== the README's first call, with buf curl"
bash tests/smoke/buf-curl.sh | tee .artifacts/smoke.log
smoke_passed=$(sed -nE 's/^smoke: ([0-9]+) passed.*/\1/p' .artifacts/smoke.log)

echo "tests: $((dotnet_passed + smoke_passed)) passed, $dotnet_failed failed"

#!/usr/bin/env bash
# The hostile suite: the built server (Release) as a process between hostile callers and a hostile upstream that the
# runner (tests/hostile/UploadsGrpc.Hostile) hosts on 127.0.0.1. Client-side cases (ids, sizes, enums, missing fields,
# malformed protobuf and frames on a raw HTTP/2 channel, wrong content types, HTTP/1.1 on the port, unknown methods,
# broken and idle streams, deadlines, cancels, oversized messages) and upstream-side cases (every status of README's
# error table, Retry-After variants, 2xx bodies that are not the promised JSON, 50 MB bodies, hangs, trickles,
# redirects, resets, hostile x-request-id and error texts), each asserting the exact status and ErrorInfo reason, the
# server up after it, the API key in no status, detail, trailer or log line, and no upstream request where validation
# must refuse first. Every wait is bounded; the whole run takes about two minutes.
# Prints one line per failing case and "hostile: N tried, P precise, F failed" (exit 1 when F > 0), then, for
# scripts/test.sh, "hostile: P passed, F failed". HOSTILE_NO_BUILD=1 skips the builds (scripts/test.sh has built).
set -uo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p .artifacts/hostile
if [ "${HOSTILE_NO_BUILD:-0}" != 1 ]; then
  dotnet build src/UploadsGrpc.Server -c Release -warnaserror --nologo -v quiet >.artifacts/hostile/build.log 2>&1 \
    && dotnet build tests/hostile/UploadsGrpc.Hostile -c Release -warnaserror --nologo -v quiet >>.artifacts/hostile/build.log 2>&1 \
    || { cat .artifacts/hostile/build.log; echo "hostile: 0 passed, 1 failed"; exit 1; }
fi
status=0
timeout 300 dotnet tests/hostile/UploadsGrpc.Hostile/bin/Release/net10.0/UploadsGrpc.Hostile.dll \
  src/UploadsGrpc.Server/bin/Release/net10.0/UploadsGrpc.Server.dll .artifacts/hostile | tee .artifacts/hostile/run.log || status=$?
summary=$(grep -E '^hostile: [0-9]+ tried, [0-9]+ precise, [0-9]+ failed$' .artifacts/hostile/run.log | tail -1)
if [ -z "$summary" ]; then
  echo "hostile: the runner did not finish (exit $status); see .artifacts/hostile/"
  echo "hostile: 0 passed, 1 failed"
  exit 1
fi
read -r precise failed < <(echo "$summary" | sed -nE 's/^hostile: [0-9]+ tried, ([0-9]+) precise, ([0-9]+) failed$/\1 \2/p')
echo "logs and every case's outcome: .artifacts/hostile/"
echo "hostile: $precise passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]

#!/usr/bin/env bash
# Every test of the project, from a fresh clone: Debian and npm tools, contract lint and breaking-change
# check, the server's layout rules, the deploy/ manifests and the code style, .NET tests, the hostile suite, real clients in
# other languages, the README's sessions against the built server and its container image, a Prometheus scrape of its
# metrics, and a 60 s soak. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .artifacts
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Each section's heading carries the minutes and seconds since the start, so a slow section shows in CI's output.
section() { printf '== %s [%dm%02ds]\n' "$1" $((SECONDS / 60)) $((SECONDS % 60)); }

section "tools (Debian: protoc and its gRPC plugins, Python grpcio, Go with grpc-go, haproxy, prometheus; npm ci: buf, grpc-js, ts-proto, openai, prism)"
debian=(protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf protoc-gen-go protoc-gen-go-grpc
  golang-go golang-google-grpc-dev golang-google-genproto-dev golang-github-golang-protobuf-1-5-dev haproxy prometheus)
if ! dpkg -s "${debian[@]}" >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${debian[@]}" >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error

section "contract: buf lint (STANDARD + COMMENTS) and buf format"
node_modules/.bin/buf lint
node_modules/.bin/buf format --diff --exit-code

section "contract: buf breaking against the committed baseline, and deliberately broken copies"
contract_status=0
bash tests/contract/breaking.sh | tee .artifacts/contract.log || contract_status=$?

section "layout: feature folders, no namespace cycle, one type a file, MapToX in Mapping/, one ServerLog, one options style"
layout_status=0
python3 scripts/check-layout.py --graph | tee .artifacts/layout.log || layout_status=$?

section "deploy: kustomize base and overlay render and pass a strict schema check, yamllint, docker-compose config"
deploy_status=0
bash tests/deploy/run.sh | tee .artifacts/deploy.log || deploy_status=$?

section "build"
dotnet build UploadsGrpc.sln -c Release -warnaserror --nologo -v quiet

# The build already fails on the .editorconfig's style and naming rules (EnforceCodeStyleInBuild) and on every
# analyzer warning, so this checks what it cannot: whitespace, without compiling everything a second time.
section "format: .editorconfig, dotnet format whitespace --verify-no-changes (style and analyzers fail the build)"
format_status=0
if dotnet format whitespace UploadsGrpc.sln --verify-no-changes -v quiet > .artifacts/format-output.log 2>&1; then
  echo "format: 1 passed, 0 failed" | tee .artifacts/format.log
else
  format_status=1
  cat .artifacts/format-output.log
  echo "format: 0 passed, 1 failed" | tee .artifacts/format.log
fi

section ".NET tests"
results=.artifacts/test-results
rm -rf "$results"; mkdir -p .artifacts
dotnet test UploadsGrpc.sln -c Release --no-build --nologo --results-directory "$results" \
  --logger "trx;LogFilePrefix=tests" --logger "console;verbosity=minimal" | tee .artifacts/dotnet-test.log
dotnet_passed=$(grep -oE 'Passed: +[0-9]+' .artifacts/dotnet-test.log | awk '{s+=$2} END {print s+0}')
dotnet_failed=$(grep -oE 'Failed: +[0-9]+' .artifacts/dotnet-test.log | awk '{s+=$2} END {print s+0}')

section "the hostile suite: the built server between hostile callers and a hostile upstream (tests/hostile), every case's status, reason and invariants"
hostile_status=0
HOSTILE_NO_BUILD=1 bash tests/hostile/run.sh | tee .artifacts/hostile.log || hostile_status=$?

section "the official openai SDK and Prism (validating proxy) against the standalone emulator"
clients_status=0
bash tests/clients/run.sh | tee .artifacts/clients.log || clients_status=$?

section "client teams' stubs: Python grpcio, Node grpc-js, TypeScript (ts-proto), Go (grpc-go); C# generated and compiled"
polyglot_status=0
bash tests/polyglot/run.sh | tee .artifacts/polyglot.log || polyglot_status=$?

section "the README's first session, with buf curl, on the embedded emulator"
smoke_status=0
bash tests/smoke/buf-curl.sh | tee .artifacts/smoke.log || smoke_status=$?

section "the container image: the Dockerfile's build, uid 1654, no symbols, gRPC on 8080, the README session, a clean stop; the emulator target"
container_status=0
bash tests/container/run.sh | tee .artifacts/container.log || container_status=$?

section "the mesh: two replicas behind haproxy (deploy/haproxy), rolling restarts, health on drain, max age, a connection flood"
mesh_status=0
bash tests/mesh/run.sh | tee .artifacts/mesh.log || mesh_status=$?

section "telemetry: Prometheus scrapes the admin port; exact calls by status and upstream requests over PromQL; promtool check metrics; deploy/prometheus rules checked, unit-tested and evaluated"
telemetry_status=0
bash tests/telemetry/run.sh | tee .artifacts/telemetry.log || telemetry_status=$?

section "limits: memory under a 768 MiB heap limit (64 streams, 32 parts of 64 MiB), memory returned when idle, 200 sequential uploads' peak"
limits_status=0
bash tests/limits/run.sh | tee .artifacts/limits.log || limits_status=$?

section "soak: 60 s of 200 unary callers and 20 UploadFile streams of 32-256 MiB against the emulator with faults (bench/soak.sh; bench/SOAK.md)"
soak_status=0
SOAK_SECONDS=60 SOAK_WARMUP_SECONDS=20 bash bench/soak.sh | tee .artifacts/soak.log || soak_status=$?

# Each suite ends with "<suite>: N passed, M failed"; a suite that never got there counts as one failure.
others_passed=0; others_failed=0
for suite in contract layout deploy format hostile clients polyglot smoke container mesh telemetry limits soak; do
  line=$(grep -E "^$suite: [0-9]+ passed, [0-9]+ failed$" ".artifacts/$suite.log" | tail -1 || true)
  read -r p f < <(echo "$line" | sed -nE 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p'; echo "0 1")
  others_passed=$((others_passed + p)); others_failed=$((others_failed + f))
done
section "done"
echo "tests: $((dotnet_passed + others_passed)) passed, $((dotnet_failed + others_failed)) failed"
[ "$contract_status" -eq 0 ] && [ "$layout_status" -eq 0 ] && [ "$deploy_status" -eq 0 ] && [ "$format_status" -eq 0 ] && [ "$hostile_status" -eq 0 ] && [ "$clients_status" -eq 0 ] && [ "$polyglot_status" -eq 0 ] && [ "$smoke_status" -eq 0 ] && [ "$container_status" -eq 0 ] && [ "$mesh_status" -eq 0 ] && [ "$telemetry_status" -eq 0 ] && [ "$limits_status" -eq 0 ] && [ "$soak_status" -eq 0 ]

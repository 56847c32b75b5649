#!/usr/bin/env bash
# deploy/, checked offline (no cluster, no container started): the kustomize base and example overlay
# render; every rendered object passes the API schema and a strict unknown-field check; that check is
# shown to fail on broken copies; the rendered base holds what the shutdown and security design needs, and
# the admin port Prometheus scrapes; yamllint (deploy/prometheus too, whose rules tests/telemetry checks with
# promtool); and the compose file is valid and wired as docs/deploy.md says.
# Prints "deploy: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

check=tests/deploy/check-manifests.mjs
work=$(mktemp -d)
passed=0
failed=0
trap 'rm -rf "$work"' EXIT

step() { # name, command...
  if "${@:2}" > "$work/step.log" 2>&1; then passed=$((passed + 1)); echo "ok   - $1"
  else failed=$((failed + 1)); echo "FAIL - $1:"; sed 's/^/       /' "$work/step.log"; fi
}
fails() { # name, expected text in the output, command...: the command must exit non-zero and say why
  if "${@:3}" > "$work/step.log" 2>&1; then
    failed=$((failed + 1)); echo "FAIL - $1: passed, but must fail:"; sed 's/^/       /' "$work/step.log"
  elif grep -qF -- "$2" "$work/step.log"; then passed=$((passed + 1)); echo "ok   - $1"
  else failed=$((failed + 1)); echo "FAIL - $1: failed, but without '$2':"; sed 's/^/       /' "$work/step.log"; fi
}
expect() { # name, rendered file, kind, path, expected JSON value
  local actual
  actual=$(node "$check" query "$2" "$3" "$4" 2>&1)
  if [ "$actual" = "$5" ]; then passed=$((passed + 1)); echo "ok   - $1"
  else failed=$((failed + 1)); echo "FAIL - $1: $3 $4 is '$actual', expected '$5'"; fi
}
absent() { # name, rendered file, kind, path of an object, a key it must not have
  local parent
  if parent=$(node "$check" query "$2" "$3" "$4" 2>&1) \
    && printf '%s' "$parent" | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>process.exit(Object.hasOwn(JSON.parse(t),process.argv[1])?1:0))' "$5"; then
    passed=$((passed + 1)); echo "ok   - $1"
  else failed=$((failed + 1)); echo "FAIL - $1: $3 $4 has $5, or is missing: $parent"; fi
}
seconds() { # hh:mm:ss -> seconds
  echo "$1" | tr -d '"' | awk -F: 'NF == 3 { print $1 * 3600 + $2 * 60 + $3 }'
}

# Tools: Debian's kubectl (with kustomize built in), yamllint and docker-compose (v1), each only when missing;
# the npm packages from npm ci (scripts/test.sh runs it first).
missing=()
for tool in kubectl yamllint docker-compose; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -d node_modules/kubernetes-models ] && [ -d node_modules/@kubernetes/client-node ] && [ -d node_modules/yaml ] \
  || npm ci --no-audit --no-fund --loglevel=error

base=$work/base.yaml
overlay=$work/overlay.yaml
step "kubectl kustomize renders deploy/kubernetes/base" sh -c "kubectl kustomize deploy/kubernetes/base > '$base'"
step "kubectl kustomize renders deploy/kubernetes/overlays/example" \
  sh -c "kubectl kustomize deploy/kubernetes/overlays/example > '$overlay'"
step "base: every object passes the schema and the strict field check" node "$check" validate "$base"
step "overlay: every object passes the schema and the strict field check" node "$check" validate "$overlay"
kinds=$(grep -E '^kind: ' "$base" | sort | tr '\n' ' ')
if [ "$kinds" = "kind: Deployment kind: HorizontalPodAutoscaler kind: PodDisruptionBudget kind: Service " ]; then
  passed=$((passed + 1)); echo "ok   - base: a Deployment, a Service, a PodDisruptionBudget and an autoscaler, nothing else"
else failed=$((failed + 1)); echo "FAIL - base: the kinds rendered are: $kinds"; fi

# The check must be able to fail: deliberately broken copies of the rendered base, each one edit (a copy
# the edit missed would prove nothing, so it must differ from the base).
broken() { # name, expected text in the check's output, sed expression
  sed "$3" "$base" > "$work/broken.yaml"
  if cmp -s "$base" "$work/broken.yaml"; then failed=$((failed + 1)); echo "FAIL - $1: the edit '$3' changed nothing"; return; fi
  fails "$1" "$2" node "$check" validate "$work/broken.yaml"
}
broken "broken copy: a misspelt field (imagePullPolicyy) is refused" \
  "Deployment.spec.template.spec.containers[0].imagePullPolicyy: unknown field (not in V1Container)" \
  's/^\( *\)imagePullPolicy: IfNotPresent$/\1imagePullPolicyy: IfNotPresent/'
broken "broken copy: terminationGracePeriodSeconds: \"long\" is refused by the schema" "data/spec/template/spec/terminationGracePeriodSeconds must be integer" \
  's/^\( *\)terminationGracePeriodSeconds: 45$/\1terminationGracePeriodSeconds: "long"/'
broken "broken copy: terminationGracePeriodSeconds: \"long\" is refused by the strict check" \
  'Deployment.spec.template.spec.terminationGracePeriodSeconds: expected an integer, found "long"' 's/^\( *\)terminationGracePeriodSeconds: 45$/\1terminationGracePeriodSeconds: "long"/'
broken "broken copy: a misspelt Service field (appProtocols) is refused" \
  "Service.spec.ports[0].appProtocols: unknown field (not in V1ServicePort)" 's/^\([ -]*\)appProtocol: grpc$/\1appProtocols: grpc/'
broken "broken copy: readOnlyRootFilesystem: \"yes\" is refused" \
  'readOnlyRootFilesystem: expected true or false, found "yes"' \
  's/^\( *\)readOnlyRootFilesystem: true$/\1readOnlyRootFilesystem: "yes"/'
broken "broken copy: a misspelt probe field (periodSecond) is refused" \
  "Deployment.spec.template.spec.containers[0].livenessProbe.periodSecond: unknown field (not in V1Probe)" \
  's/^\( *\)periodSeconds: 10$/\1periodSecond: 10/'
broken "broken copy: an annotation that is a number (prometheus.io/port: 9464) is refused" \
  'Deployment.spec.template.metadata.annotations.prometheus.io/port: expected a string, found 9464' \
  's/^\( *\)prometheus.io\/port: "9464"$/\1prometheus.io\/port: 9464/'

# What the design needs, from the rendered base.
pod=spec.template.spec
container="$pod.containers[name=server]"
expect "base: the root filesystem is read-only" "$base" Deployment "$container.securityContext.readOnlyRootFilesystem" 'true'
expect "base: the container runs as non-root" "$base" Deployment "$container.securityContext.runAsNonRoot" 'true'
expect "base: the pod runs as non-root" "$base" Deployment "$pod.securityContext.runAsNonRoot" 'true'
expect "base: as the image's uid 1654" "$base" Deployment "$pod.securityContext.runAsUser" '1654'
expect "base: and gid 1654" "$base" Deployment "$pod.securityContext.runAsGroup" '1654'
expect "base: no privilege escalation" "$base" Deployment "$container.securityContext.allowPrivilegeEscalation" 'false'
expect "base: every capability dropped" "$base" Deployment "$container.securityContext.capabilities" '{"drop":["ALL"]}'
expect "base: the runtime's default seccomp profile" "$base" Deployment "$pod.securityContext.seccompProfile" '{"type":"RuntimeDefault"}'
expect "base: no service account token" "$base" Deployment "$pod.automountServiceAccountToken" 'false'
expect "base: a writable /tmp" "$base" Deployment "$container.volumeMounts[name=tmp].mountPath" '"/tmp"'
expect "base: from a bounded emptyDir" "$base" Deployment "$pod.volumes[name=tmp].emptyDir" '{"sizeLimit":"64Mi"}'
expect "base: port 8080 named grpc, and the admin port 9464 named metrics" "$base" Deployment "$container.ports" \
  '[{"containerPort":8080,"name":"grpc","protocol":"TCP"},{"containerPort":9464,"name":"metrics","protocol":"TCP"}]'
expect "base: Admin__Port is 9464, set explicitly (the image's default too)" "$base" Deployment "$container.env[name=Admin__Port].value" '"9464"'
expect "base: the pods ask to be scraped on 9464 at /metrics" "$base" Deployment spec.template.metadata.annotations \
  '{"prometheus.io/path":"/metrics","prometheus.io/port":"9464","prometheus.io/scrape":"true"}'
metrics_port=$(node "$check" query "$base" Deployment "$container.ports[name=metrics].containerPort" 2>&1)
admin_port=$(node "$check" query "$base" Deployment "$container.env[name=Admin__Port].value" 2>&1 | tr -d '"')
# The query's path splits at dots, so the annotation is read from the annotations' JSON.
scrape_port=$(node "$check" query "$base" Deployment spec.template.metadata.annotations 2>&1 \
  | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>{try{console.log(JSON.parse(t)["prometheus.io/port"])}catch{}})')
if [ -n "$metrics_port" ] && [ "$metrics_port" = "$admin_port" ] && [ "$metrics_port" = "$scrape_port" ]; then
  passed=$((passed + 1)); echo "ok   - base: the metrics port, Admin__Port and the scrape annotation agree ($metrics_port)"
else failed=$((failed + 1)); echo "FAIL - base: port metrics '$metrics_port', Admin__Port '$admin_port', prometheus.io/port '$scrape_port'"; fi
expect "base: the readiness probe is gRPC health, service \"\", on 8080" "$base" Deployment "$container.readinessProbe.grpc" '{"port":8080,"service":""}'
expect "base: the liveness probe too" "$base" Deployment "$container.livenessProbe.grpc" '{"port":8080,"service":""}'
expect "base: the startup probe too" "$base" Deployment "$container.startupProbe.grpc" '{"port":8080,"service":""}'
expect "base: the key comes from the Secret uploadsgrpc-openai, key api-key" "$base" Deployment \
  "$container.env[name=OPENAI_API_KEY]" '{"name":"OPENAI_API_KEY","valueFrom":{"secretKeyRef":{"key":"api-key","name":"uploadsgrpc-openai"}}}'
expect "base: the streaming budget is 512 MiB" "$base" Deployment "$container.env[name=Streaming__MemoryBudgetBytes].value" '"536870912"'
expect "base: within a 1Gi memory limit" "$base" Deployment "$container.resources.limits.memory" '"1Gi"'
expect "base: requested in full" "$base" Deployment "$container.resources.requests.memory" '"1Gi"'
expect "base: Shutdown__DrainDelay is 5 s" "$base" Deployment "$container.env[name=Shutdown__DrainDelay].value" '"00:00:05"'
expect "base: Shutdown__Timeout is 30 s" "$base" Deployment "$container.env[name=Shutdown__Timeout].value" '"00:00:30"'
expect "base: the connection cap is 4096 (the descriptor limit in a pod would allow more than the memory holds)" "$base" Deployment "$container.env[name=Connections__MaxConnections].value" '"4096"'
expect "base: terminationGracePeriodSeconds is 45" "$base" Deployment "$pod.terminationGracePeriodSeconds" '45'
drain=$(seconds "$(node "$check" query "$base" Deployment "$container.env[name=Shutdown__DrainDelay].value")")
timeout=$(seconds "$(node "$check" query "$base" Deployment "$container.env[name=Shutdown__Timeout].value")")
grace=$(node "$check" query "$base" Deployment "$pod.terminationGracePeriodSeconds")
if [ -n "$drain" ] && [ -n "$timeout" ] && [ -n "$grace" ] && [ "$grace" -gt $((drain + timeout + 2)) ]; then
  passed=$((passed + 1)); echo "ok   - base: the grace period ($grace s) outlasts DrainDelay + Timeout + 2 s ($drain + $timeout + 2)"
else failed=$((failed + 1)); echo "FAIL - base: grace period '$grace' s, DrainDelay '$drain' s, Timeout '$timeout' s"; fi
absent "base: no preStop hook (the server drains by itself)" "$base" Deployment "$container" lifecycle
absent "base: no replica count in the Deployment (the autoscaler owns it)" "$base" Deployment spec replicas
expect "base: the Service speaks gRPC on 8080 to the port named grpc" "$base" Service spec.ports \
  '[{"appProtocol":"grpc","name":"grpc","port":8080,"protocol":"TCP","targetPort":"grpc"}]'
expect "base: a ClusterIP Service" "$base" Service spec.type '"ClusterIP"'
labels='{"app.kubernetes.io/component":"server","app.kubernetes.io/name":"uploadsgrpc","app.kubernetes.io/part-of":"uploadsgrpc"}'
expect "base: the Deployment selects the pods' labels" "$base" Deployment spec.selector.matchLabels "$labels"
expect "base: the pods carry them" "$base" Deployment spec.template.metadata.labels "$labels"
expect "base: the Service selects the same pods" "$base" Service spec.selector "$labels"
expect "base: the PodDisruptionBudget covers the same pods" "$base" PodDisruptionBudget spec.selector.matchLabels "$labels"
expect "base: one pod may be disrupted at a time" "$base" PodDisruptionBudget spec.maxUnavailable '1'
expect "base: the autoscaler scales the Deployment" "$base" HorizontalPodAutoscaler spec.scaleTargetRef \
  '{"apiVersion":"apps/v1","kind":"Deployment","name":"uploadsgrpc"}'
expect "base: never below 2 pods" "$base" HorizontalPodAutoscaler spec.minReplicas '2'
expect "base: scales down only after 10 minutes" "$base" HorizontalPodAutoscaler spec.behavior.scaleDown.stabilizationWindowSeconds '600'
expect "base: spread over nodes first" "$base" Deployment "$pod.topologySpreadConstraints[0].topologyKey" '"kubernetes.io/hostname"'
expect "base: then over zones, best effort" "$base" Deployment "$pod.topologySpreadConstraints[1].whenUnsatisfiable" '"ScheduleAnyway"'

expect "overlay: the image is the registry's, pinned" "$overlay" Deployment "$container.image" '"registry.example.com/uploadsgrpc:1.0.0"'
absent "overlay: no replica count in the Deployment either" "$overlay" Deployment spec replicas
expect "overlay: the autoscaler's floor is 3 too" "$overlay" HorizontalPodAutoscaler spec.minReplicas '3'
expect "overlay: the OpenAI project" "$overlay" Deployment "$container.env[name=OPENAI_PROJECT_ID].value" '"proj_example"'
expect "overlay: the key still comes from the Secret" "$overlay" Deployment "$container.env[name=OPENAI_API_KEY].valueFrom.secretKeyRef.name" '"uploadsgrpc-openai"'
namespaces=$(grep -E '^  namespace: ' "$overlay" | sort | uniq -c | sed 's/^ *//')
if [ "$namespaces" = "4   namespace: uploadsgrpc" ]; then passed=$((passed + 1)); echo "ok   - overlay: all 4 objects in namespace uploadsgrpc"
else failed=$((failed + 1)); echo "FAIL - overlay: namespaces: $namespaces"; fi
if ! grep -qE '^kind: Secret$' "$overlay" && ! grep -rqiE '^ *api-key:' deploy/kubernetes; then
  passed=$((passed + 1)); echo "ok   - overlay: no Secret and no key committed or rendered"
else failed=$((failed + 1)); echo "FAIL - overlay: a Secret or a key is in deploy/kubernetes or its render"; fi

step "yamllint -s (.yamllint) on deploy/ and .yamllint" yamllint -s -c .yamllint deploy/ .yamllint

compose=deploy/compose/docker-compose.yml
step "docker-compose config -q accepts $compose" docker-compose -f "$compose" config -q
docker-compose -f "$compose" config > "$work/compose.yaml" 2> "$work/compose.err"
services=$(node -e 'const y=require("yaml");console.log(Object.keys(y.parse(require("fs").readFileSync(process.argv[1],"utf8")).services).sort().join(" "))' "$work/compose.yaml" 2>&1)
if [ "$services" = "emulator lb replica-1 replica-2" ]; then passed=$((passed + 1)); echo "ok   - compose: emulator, lb, replica-1 and replica-2"
else failed=$((failed + 1)); echo "FAIL - compose: services are '$services'"; fi
expect "compose: the emulator is the Dockerfile's emulator stage" "$work/compose.yaml" - services.emulator.build.target '"emulator"'
for replica in replica-1 replica-2; do
  expect "compose: $replica builds the Dockerfile's default (server) stage" "$work/compose.yaml" - "services.$replica.build" "{\"context\":\"$PWD\"}"
  expect "compose: $replica calls the shared emulator" "$work/compose.yaml" - "services.$replica.environment.OPENAI_BASE_URL" '"http://emulator:8080/v1"'
  expect "compose: $replica gets 40 s to drain" "$work/compose.yaml" - "services.$replica.stop_grace_period" '"40s"'
done
expect "compose: haproxy as PID 1 soft-stops on SIGUSR1" "$work/compose.yaml" - services.lb.stop_signal '"SIGUSR1"'
expect "compose: the LB is published on 127.0.0.1:50051" "$work/compose.yaml" - services.lb.ports '["127.0.0.1:50051:50051/tcp"]'
expect "compose: the LB listens where it is published" "$work/compose.yaml" - services.lb.environment.UPLOADSGRPC_LB_PORT '"50051"'
expect "compose: the LB's first backend" "$work/compose.yaml" - services.lb.environment.UPLOADSGRPC_REPLICA_1 '"replica-1:8080"'
expect "compose: the LB's second backend" "$work/compose.yaml" - services.lb.environment.UPLOADSGRPC_REPLICA_2 '"replica-2:8080"'
# The LB's configuration is deploy/haproxy/haproxy.cfg; it must exist (Docker would mount an empty
# directory in its place) and read the three variables compose sets.
cfg=deploy/haproxy/haproxy.cfg
for variable in UPLOADSGRPC_LB_PORT UPLOADSGRPC_REPLICA_1 UPLOADSGRPC_REPLICA_2; do
  # haproxy reads "${NAME}" and "$NAME" alike.
  if grep -qE "\\\$(\{$variable\}|$variable([^A-Za-z0-9_]|\$))" "$cfg" 2>/dev/null; then passed=$((passed + 1)); echo "ok   - $cfg reads \${$variable}"
  else failed=$((failed + 1)); echo "FAIL - $cfg does not read \${$variable} (or is missing)"; fi
done

echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

# Sourced by the shell suites that start processes (tests/limits, tests/telemetry, tests/mesh, bench/soak.sh), from
# the repository root: their work folder, their ok/FAIL lines and counts, and, on any exit, the stop of every
# process they started.
#   source tests/lib/suite.sh KEEP_VARIABLE [GRACE_SECONDS]
# KEEP_VARIABLE names the environment variable that keeps the work folder (LIMITS_KEEP_WORK, ...); GRACE_SECONDS is
# how long the processes get between SIGTERM and SIGKILL (5). The suite adds each process it starts to started_pids.
suite_keep=$1
suite_grace=${2:-5}
work=$(mktemp -d)
passed=0
failed=0
started_pids=()

stop_all() { # the processes this suite started, and their children (a background function or subshell)
  local p i alive
  for p in "${started_pids[@]}"; do pkill -TERM -P "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
  for ((i = 0; i < suite_grace * 10; i++)); do
    alive=0
    for p in "${started_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for p in "${started_pids[@]}"; do pkill -KILL -P "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
}
suite_cleanup() { stop_all 2>/dev/null; [ -n "${!suite_keep:-}" ] && echo "work directory kept: $work" || rm -rf "$work"; }
trap suite_cleanup EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; [ -z "${2:-}" ] || [ ! -s "$2" ] || sed 's/^/       /' "$2" | tail -"${3:-20}"; }

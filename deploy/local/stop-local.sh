#!/usr/bin/env bash
# Stops what start-local.sh started (tarball data stays in deploy/local/run/; delete that folder to
# reset; the `convexstream broker` fallback removes its data when it stops).
set -uo pipefail
run="$(cd "$(dirname "$0")" && pwd)/run"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# each running job stops with a savepoint, which start-local.sh resumes from
for job in gradients examples router-loads router-scores portfolio; do
  "$repo/convexstream" stop --flink localhost:8081 --job "$job" --savepoint "$run/savepoints/$job" 2>/dev/null
done
[ -x "$run/flink/bin/stop-cluster.sh" ] && "$run/flink/bin/stop-cluster.sh"
[ -x "$run/kafka/bin/kafka-server-stop.sh" ] && "$run/kafka/bin/kafka-server-stop.sh"
for p in cluster broker; do # the Java-only processes: SIGTERM lets them stop their children first
  if [ -f "$run/$p.pid" ]; then
    pid=$(cat "$run/$p.pid")
    kill "$pid" 2>/dev/null && while kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
    rm -f "$run/$p.pid"
  fi
done
exit 0

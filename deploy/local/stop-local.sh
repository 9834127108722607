#!/usr/bin/env bash
# Stops what start-local.sh started (data stays in deploy/local/run/; delete that folder to reset).
set -uo pipefail
run="$(cd "$(dirname "$0")" && pwd)/run"
[ -x "$run/flink/bin/stop-cluster.sh" ] && "$run/flink/bin/stop-cluster.sh"
[ -x "$run/kafka/bin/kafka-server-stop.sh" ] && "$run/kafka/bin/kafka-server-stop.sh"

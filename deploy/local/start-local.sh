#!/usr/bin/env bash
# A local multi-process setup without Kubernetes: a Kafka broker (KRaft) and a Flink standalone
# cluster, then the convexstream jobs submitted to it.
#
#   deploy/local/start-local.sh [job ...]          (default jobs: gradients router-loads portfolio)
#
# With KAFKA_TGZ / FLINK_TGZ pointing at the distribution tarballs (Kafka 4.2, Flink 2.2.1) it runs
# those; without them it needs only Java and Maven: `convexstream broker` (a one-node KRaft broker in
# its own JVM) and `convexstream cluster` (a JobManager and a TaskManager JVM from the project's
# classpath). Either way: Kafka on localhost:9092, the Flink web UI on localhost:8081, Prometheus
# metrics on 9249 (JobManager) and 9250 (TaskManager), the topics created, each job submitted with
# `convexstream run --flink localhost:8081`. Logs and data under deploy/local/run/. Stop: stop-local.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
run="$here/run"
jobs=("$@"); [ ${#jobs[@]} -eq 0 ] && jobs=(gradients router-loads portfolio)
mkdir -p "$run"

# waits until a background process prints a line, or fails with its log
await_line() { # LOG PATTERN PID
  for _ in $(seq 1 240); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { cat "$1" >&2; echo "failed; log: $1" >&2; exit 1; }
    sleep 0.5
  done
  echo "timed out waiting for '$2' in $1" >&2; exit 1
}

# 1. Kafka (KRaft, one combined node)
if [ -n "${KAFKA_TGZ:-}" ]; then
  [ -d "$run/kafka" ] || { mkdir -p "$run/kafka" && tar -xzf "$KAFKA_TGZ" -C "$run/kafka" --strip-components=1; }
  if [ ! -f "$run/kafka-data/meta.properties" ]; then
    "$run/kafka/bin/kafka-storage.sh" format --standalone -t "$("$run/kafka/bin/kafka-storage.sh" random-uuid)" \
      -c "$run/kafka/config/server.properties" --override log.dirs="$run/kafka-data" >/dev/null
  fi
  "$run/kafka/bin/kafka-server-start.sh" -daemon "$run/kafka/config/server.properties" --override log.dirs="$run/kafka-data"
else
  "$repo/convexstream" --version >/dev/null # builds the project once, before anything runs in the background
  # its data outlive a restart of the broker process, so the jobs go on (exactly once) after one
  nohup "$repo/convexstream" broker --port 9092 --data-dir "$run/kafka-data" > "$run/broker.log" 2>&1 &
  echo $! > "$run/broker.pid"
  await_line "$run/broker.log" "^Kafka: " "$(cat "$run/broker.pid")"
fi
echo "Kafka: localhost:9092"

# 2. Flink standalone cluster with the jobs' classes in lib/, the Prometheus reporter, ND4J parent-first
if [ -n "${FLINK_TGZ:-}" ]; then
  [ -d "$run/flink" ] || { mkdir -p "$run/flink" && tar -xzf "$FLINK_TGZ" -C "$run/flink" --strip-components=1; }
  (cd "$repo" && mvn -B -q -DskipTests install)
  "$repo/deploy/collect-jars.sh" "$run/flink/lib" "$run/flink/lib"
  mkdir -p "$run/flink/plugins/metrics-prometheus"
  cp "$run"/flink/opt/flink-metrics-prometheus-*.jar "$run/flink/plugins/metrics-prometheus/"
  cat >> "$run/flink/conf/config.yaml" <<CONF
taskmanager.numberOfTaskSlots: 8
classloader.resolve-order: parent-first
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: 9249-9250
classloader.parent-first-patterns.additional: org.nd4j.;org.bytedeco.
web.timeout: 20000
CONF
  "$run/flink/bin/start-cluster.sh"
else
  nohup "$repo/convexstream" cluster --rest-port 8081 --slots 8 --dir "$run/flink-cluster" --prometheus-port 9249 \
    > "$run/cluster.log" 2>&1 &
  echo $! > "$run/cluster.pid"
  await_line "$run/cluster.log" "^Flink web UI: " "$(cat "$run/cluster.pid")"
fi
echo "Flink web UI: http://localhost:8081"

# 3. the jobs (their classes are on the cluster's classpath already); the portfolio job trades the
# assets of the bundled demo recording (demo/recording): set yours here
declare -A options=([portfolio]="--set portfolio.id=local --set portfolio.assets=ASSET0,ASSET1,ASSET2,ASSET3,ASSET4,ASSET5,ASSET6,ASSET7")
# a job stopped by stop-local.sh resumes from its savepoint (run refuses to start one without state
# while its consumer group has committed offsets)
for job in "${jobs[@]}"; do
  savepoint=$(ls -td "$run/savepoints/$job"/savepoint-* 2>/dev/null | head -1)
  # shellcheck disable=SC2086
  "$repo/convexstream" run --flink localhost:8081 --bootstrap localhost:9092 --create-topics --job "$job" ${options[$job]:-} \
    ${savepoint:+--from-savepoint "$savepoint"}
done

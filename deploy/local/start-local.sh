#!/usr/bin/env bash
# A local multi-process setup without Kubernetes: a Kafka broker (KRaft) and a Flink standalone
# cluster from their distribution tarballs, then the convexstream jobs submitted to it.
#
#   KAFKA_TGZ=~/Downloads/kafka_2.13-4.2.0.tgz FLINK_TGZ=~/Downloads/flink-2.2.1-bin-scala_2.12.tgz \
#     deploy/local/start-local.sh [job ...]        (default jobs: gradients router-loads portfolio)
#
# Unpacks into deploy/local/run/, starts Kafka on localhost:9092 and Flink on localhost:8081 (web UI),
# Prometheus metrics on 9249 (JobManager) and 9250 (TaskManager), creates the topics and submits
# each job with `convexstream run --flink localhost:8081`. Stop everything with stop-local.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
run="$here/run"
: "${KAFKA_TGZ:?set KAFKA_TGZ to a Kafka 4.2 distribution tarball}"
: "${FLINK_TGZ:?set FLINK_TGZ to a Flink 2.2.1 distribution tarball}"
jobs=("$@"); [ ${#jobs[@]} -eq 0 ] && jobs=(gradients router-loads portfolio)
mkdir -p "$run"

# 1. Kafka (KRaft, one combined node)
[ -d "$run/kafka" ] || { mkdir -p "$run/kafka" && tar -xzf "$KAFKA_TGZ" -C "$run/kafka" --strip-components=1; }
if [ ! -f "$run/kafka-data/meta.properties" ]; then
  "$run/kafka/bin/kafka-storage.sh" format --standalone -t "$("$run/kafka/bin/kafka-storage.sh" random-uuid)" \
    -c "$run/kafka/config/server.properties" --override log.dirs="$run/kafka-data" >/dev/null
fi
"$run/kafka/bin/kafka-server-start.sh" -daemon "$run/kafka/config/server.properties" --override log.dirs="$run/kafka-data"
echo "Kafka: localhost:9092"

# 2. Flink standalone cluster with the jobs' classes in lib/, the Prometheus reporter, ND4J parent-first
[ -d "$run/flink" ] || { mkdir -p "$run/flink" && tar -xzf "$FLINK_TGZ" -C "$run/flink" --strip-components=1; }
(cd "$repo" && mvn -B -q -DskipTests install)
"$repo/deploy/collect-jars.sh" "$run/flink/lib"
mkdir -p "$run/flink/plugins/metrics-prometheus"
cp "$run"/flink/opt/flink-metrics-prometheus-*.jar "$run/flink/plugins/metrics-prometheus/"
cat >> "$run/flink/conf/config.yaml" <<CONF
taskmanager.numberOfTaskSlots: 8
classloader.resolve-order: parent-first
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: 9249-9250
classloader.parent-first-patterns.additional: org.nd4j.;org.bytedeco.
CONF
"$run/flink/bin/start-cluster.sh"
echo "Flink web UI: http://localhost:8081"

# 3. the jobs (their classes are in the cluster's lib/ already)
for job in "${jobs[@]}"; do
  "$repo/convexstream" run --flink localhost:8081 --bootstrap localhost:9092 --create-topics --job "$job"
done

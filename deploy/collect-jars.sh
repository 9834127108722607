#!/usr/bin/env bash
# Collects what a Flink installation needs to run convexstream jobs:
#   deploy/collect-jars.sh USERLIB_DIR [ND4J_LIB_DIR]
# USERLIB_DIR gets the job jar and its runtime dependencies minus what Flink's distribution holds
# (flink-dist, logging); ND4J_LIB_DIR (optional) gets ND4J with its CPU natives, for Flink's lib/.
# Used by docker/build.sh (image) and local/start-local.sh (standalone cluster). Run after mvn install.
set -euo pipefail
cd "$(dirname "$0")/.."
usrlib="$(mkdir -p "$1" && cd "$1" && pwd)"
version=$(mvn -B -q help:evaluate -Dexpression=project.version -DforceStdout)
mvn -B -q -pl streams dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$usrlib" \
  -DexcludeArtifactIds=flink-core,flink-core-api,flink-annotations,flink-runtime,flink-runtime-web,flink-streaming-java,flink-clients,flink-java,flink-datastream,flink-datastream-api,flink-metrics-core,flink-metrics-prometheus,flink-rpc-core,flink-rpc-akka-loader,flink-shaded-asm-9,flink-shaded-guava,flink-shaded-jackson,flink-shaded-netty,flink-shaded-zookeeper-3,flink-file-sink-common,flink-connector-files,flink-connector-datagen,flink-hadoop-fs,flink-queryable-state-client-java,log4j-api,log4j-core,log4j-slf4j2-impl,slf4j-api
cp streams/target/convexstream-streams-"$version".jar "$usrlib/"
if [ $# -ge 2 ]; then
  lib="$(mkdir -p "$2" && cd "$2" && pwd)"
  # the benchmarks profile declares ND4J (nd4j-native + linux-x86_64 natives); GPU nodes add nd4j-cuda
  mvn -B -q -Pbenchmarks -pl benchmarks dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" \
    -DexcludeGroupIds=io.convexstream,org.openjdk.jmh,org.apache.flink,org.apache.kafka,org.apache.avro
fi
echo "collected $(ls "$usrlib" | wc -l) jars into $usrlib${2:+ and ND4J into $2}"

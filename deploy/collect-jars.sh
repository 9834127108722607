#!/usr/bin/env bash
# Collects what a Flink installation needs to run convexstream jobs:
#   deploy/collect-jars.sh USERLIB_DIR [ND4J_LIB_DIR [CLI_DIR]]      (ND4J_CUDA=1 in the environment: CUDA too)
# USERLIB_DIR gets the job jar (the jobs module) and its runtime dependencies minus what Flink's
# distribution holds (flink-dist, logging) and minus ND4J: no broker, serving view or demo. ND4J_LIB_DIR
# (optional) gets ND4J with its CPU natives (and with ND4J_CUDA=1 nd4j-cuda-11.6 and the CUDA runtime,
# for GPU TaskManagers), for Flink's lib/, loaded parent-first (classloader.parent-first-patterns.additional:
# org.nd4j.;org.bytedeco.). CLI_DIR (optional) gets the rest of the `convexstream` command line (the
# serving view, Kafka Streams): run it with CLI_DIR/*:USERLIB_DIR/*:<flink>/lib/* on the classpath.
# Used by docker/build.sh (image) and local/start-local.sh (standalone cluster). Run after mvn install.
set -euo pipefail
cd "$(dirname "$0")/.."
usrlib="$(mkdir -p "$1" && cd "$1" && pwd)"
version=$(deploy/pom-value.sh project.version)
flink_provided=flink-core,flink-core-api,flink-annotations,flink-runtime,flink-runtime-web,flink-streaming-java,flink-clients,flink-java,flink-datastream,flink-datastream-api,flink-metrics-core,flink-metrics-prometheus,flink-statebackend-rocksdb,frocksdbjni,flink-rpc-core,flink-rpc-akka-loader,flink-shaded-asm-9,flink-shaded-guava,flink-shaded-jackson,flink-shaded-netty,flink-shaded-zookeeper-3,flink-file-sink-common,flink-connector-files,flink-connector-datagen,flink-hadoop-fs,flink-queryable-state-client-java,log4j-api,log4j-core,log4j-slf4j2-impl,slf4j-api
mvn -B -q -pl jobs dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$usrlib" \
  -DexcludeArtifactIds="$flink_provided" -DexcludeGroupIds=org.nd4j,org.bytedeco
cp jobs/target/convexstream-jobs-"$version".jar "$usrlib/"
if [ $# -ge 2 ] && [ -n "$2" ]; then
  lib="$(mkdir -p "$2" && cd "$2" && pwd)"
  mvn -B -q -f deploy/nd4j-lib/pom.xml ${ND4J_CUDA:+-Pcuda} dependency:copy-dependencies -DincludeScope=runtime \
    -DexcludeArtifactIds=slf4j-api -DoutputDirectory="$lib"
fi
if [ $# -ge 3 ]; then
  cli="$(mkdir -p "$3" && cd "$3" && pwd)"
  mvn -B -q -pl cli dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$cli" \
    -DexcludeArtifactIds="$flink_provided" -DexcludeGroupIds=org.nd4j,org.bytedeco
  cp cli/target/convexstream-cli-"$version".jar "$cli/"
  for jar in "$usrlib"/*.jar; do rm -f "$cli/$(basename "$jar")"; done # on the classpath from USERLIB_DIR already
fi
echo "collected $(ls "$usrlib" | wc -l) jars into $usrlib${2:+ and ND4J into $2}"

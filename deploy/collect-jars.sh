#!/usr/bin/env bash
# Collects what a Flink installation needs to run convexstream jobs:
#   deploy/collect-jars.sh USERLIB_DIR [ND4J_LIB_DIR]      (ND4J_CUDA=1 in the environment: CUDA too)
# USERLIB_DIR gets the job jar and its runtime dependencies minus what Flink's distribution holds
# (flink-dist, logging) and minus ND4J; ND4J_LIB_DIR (optional) gets ND4J with its CPU natives (and
# with ND4J_CUDA=1 nd4j-cuda-11.6 and the CUDA runtime, for GPU TaskManagers), for Flink's lib/,
# loaded parent-first (classloader.parent-first-patterns.additional: org.nd4j.;org.bytedeco.).
# Used by docker/build.sh (image) and local/start-local.sh (standalone cluster). Run after mvn install.
set -euo pipefail
cd "$(dirname "$0")/.."
usrlib="$(mkdir -p "$1" && cd "$1" && pwd)"
version=$(deploy/pom-value.sh project.version)
mvn -B -q -pl streams dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$usrlib" \
  -DexcludeArtifactIds=flink-core,flink-core-api,flink-annotations,flink-runtime,flink-runtime-web,flink-streaming-java,flink-clients,flink-java,flink-datastream,flink-datastream-api,flink-metrics-core,flink-metrics-prometheus,flink-statebackend-rocksdb,frocksdbjni,flink-rpc-core,flink-rpc-akka-loader,flink-shaded-asm-9,flink-shaded-guava,flink-shaded-jackson,flink-shaded-netty,flink-shaded-zookeeper-3,flink-file-sink-common,flink-connector-files,flink-connector-datagen,flink-hadoop-fs,flink-queryable-state-client-java,log4j-api,log4j-core,log4j-slf4j2-impl,slf4j-api \
  -DexcludeGroupIds=org.nd4j,org.bytedeco
cp streams/target/convexstream-streams-"$version".jar "$usrlib/"
if [ $# -ge 2 ]; then
  lib="$(mkdir -p "$2" && cd "$2" && pwd)"
  mvn -B -q -f deploy/nd4j-lib/pom.xml ${ND4J_CUDA:+-Pcuda} dependency:copy-dependencies -DincludeScope=runtime \
    -DexcludeArtifactIds=slf4j-api -DoutputDirectory="$lib"
fi
echo "collected $(ls "$usrlib" | wc -l) jars into $usrlib${2:+ and ND4J into $2}"

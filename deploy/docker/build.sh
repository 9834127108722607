#!/usr/bin/env bash
# Builds the convexstream job image: deploy/docker/build.sh [TAG]
# (default tag: convexstream:<project version>). Needs Maven, Java 17 and a Docker engine.
# ND4J_CUDA=1 deploy/docker/build.sh convexstream:<version>-cuda adds ND4J's CUDA backend for GPU
# TaskManagers (Ampere and older; several GB more).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(deploy/pom-value.sh project.version)
flink_version=$(deploy/pom-value.sh flink.version)
tag=${1:-convexstream:${version}}
image=deploy/docker/target/image
rm -rf "$image"
mvn -B -q -DskipTests install
deploy/collect-jars.sh "$image/usrlib" "$image/lib" "$image/cli"
docker build --build-arg FLINK_IMAGE="flink:${flink_version}-java17" -t "$tag" -f deploy/docker/Dockerfile deploy/docker
echo "built $tag"

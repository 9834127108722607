#!/usr/bin/env bash
# Builds the convexstream job image: deploy/docker/build.sh [TAG]
# (default tag: convexstream:<project version>). Needs Maven, Java 17 and a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(mvn -B -q help:evaluate -Dexpression=project.version -DforceStdout)
flink_version=$(mvn -B -q help:evaluate -Dexpression=flink.version -DforceStdout)
tag=${1:-convexstream:${version}}
image=deploy/docker/target/image
rm -rf "$image"
mvn -B -q -DskipTests install
deploy/collect-jars.sh "$image/usrlib" "$image/lib"
docker build --build-arg FLINK_IMAGE="flink:${flink_version}-java17" -t "$tag" -f deploy/docker/Dockerfile deploy/docker
echo "built $tag"

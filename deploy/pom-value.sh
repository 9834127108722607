#!/usr/bin/env bash
# Prints a property of the parent pom: deploy/pom-value.sh project.version
# (Maven 3.8 wraps -DforceStdout output in colour codes even in batch mode, so they are stripped.)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q help:evaluate -Dexpression="$1" -DforceStdout | sed 's/\x1b\[[0-9;]*m//g'

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Runs test suites again and again (after `swift build --build-tests`), to catch a hang or a race
# that shows once in many runs:
#
#   scripts/repeat-tests.sh [RUNS] [FILTER]      (defaults: 20, the network and RPC suites)
#
# Stops at the first failing run and keeps its output in /tmp/repeat-tests.RUN.log; prints how
# many consecutive runs passed and how long each took.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
filter=${2:-'CapnProtoNetworkTests|CapnProtoRPCTests'}
for run in $(seq "$runs"); do
    start=$SECONDS
    if ! swift test --skip-build --filter "$filter" >"/tmp/repeat-tests.$run.log" 2>&1; then
        echo "run $run FAILED after $((SECONDS - start)) s (see /tmp/repeat-tests.$run.log):"
        grep -E "✘|error|time limit" "/tmp/repeat-tests.$run.log" | head -20
        echo "$((run - 1)) consecutive runs passed"
        exit 1
    fi
    echo "run $run passed in $((SECONDS - start)) s ($(grep -Eo "[0-9]+ tests? in [0-9]+ suites? passed" "/tmp/repeat-tests.$run.log" | tail -1))"
    rm -f "/tmp/repeat-tests.$run.log"
done
echo "$runs consecutive runs passed"

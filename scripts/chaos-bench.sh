#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Chaos benchmark (root: the workers run OBuilder jobs in runc): N trivial OBuilder jobs (default 500),
# each from its own `ocluster-client` process (--clients at once, default 8), through a real scheduler and
# --workers real worker processes (default 3) over TLS on 127.0.0.1, while a driver kill -9s a random
# worker every --kill-interval seconds and restarts it, and kill -9s and restarts the scheduler
# --scheduler-kills times (default 2; its clients reattach to their saved tickets).
# First runs the same jobs without faults, for the time overhead (--no-baseline skips it). Prints
# clients whose scheduler was down when they connected (not submitted), jobs submitted, results
# received, jobs lost and jobs with more than one final result (both must be 0, else exit status 1),
# requeues, clients that reattached (and how many of them to a result kept from before a restart),
# clients that submitted again because the connection went before the ticket was saved, kills and
# times.
#
#   scripts/chaos-bench.sh [--jobs N] [--scheduler-kills N] [--no-baseline] [--verbose] ...
set -euo pipefail
cd "$(dirname "$0")/.."
# OCLUSTER_BIN_DIR: use the executables there instead of building (SWIFT_BUILD_FLAGS, default -c release).
bin=${OCLUSTER_BIN_DIR:-}
if [ -z "$bin" ]; then
    read -r -a flags <<<"${SWIFT_BUILD_FLAGS:--c release}"
    for product in ocluster-scheduler ocluster-worker ocluster-client; do
        swift build "${flags[@]}" --product "$product" >&2
    done
    bin=$(swift build "${flags[@]}" --show-bin-path)
fi
exec python3 scripts/chaos-bench.py --bin "$bin" "$@"

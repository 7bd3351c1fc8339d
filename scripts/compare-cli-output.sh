#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Runs ocluster's OCaml ocluster-admin and ocluster-client and ours through the same cases
# (usage errors, cap file errors, every admin command, submits that fail and succeed) against
# fresh schedulers, ocluster's and ours, and prints a table of the cases whose stdout, stderr or
# exit status differ. Exit status 1 when any differs.
#
#   scripts/compare-cli-output.sh OCAML_BIN_DIR [SWIFT_BIN_DIR] [--no-worker] [--verbose] [--record]
#
# OCAML_BIN_DIR holds ocluster's ocluster-{scheduler,admin,client}; SWIFT_BIN_DIR defaults to
# `swift build --show-bin-path` (build first). Cases that need a worker run one Swift worker with
# an OBuilder store (root, runc and busybox-static; skip them with --no-worker). --record writes
# the OCaml CLI's outputs (with ocluster's scheduler) to
# Tests/OClusterIntegrationTests/Fixtures/cli-cases.json, which CLIOutputTests replays against ours.
set -euo pipefail
cd "$(dirname "$0")/.."
ocaml=${1:?usage: compare-cli-output.sh OCAML_BIN_DIR [SWIFT_BIN_DIR] [--no-worker] [--verbose] [--record]}
shift
swift=""
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
    swift=$1
    shift
fi
[ -n "$swift" ] || swift=$(swift build --show-bin-path)
exec python3 scripts/compare-cli-output.py "$ocaml" "$swift" "$@"

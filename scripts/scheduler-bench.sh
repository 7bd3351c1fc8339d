#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Benchmarks the real scheduler daemon as users run it: `ocluster-scheduler` started with its
# usual flags (TLS unless --disable-tls), driven through its .cap files by simulated workers
# (1000 on 100 connections, in 2 processes) and clients (4, each a process of its own) that
# speak ocluster's protocol; the OCaml ocluster-scheduler is measured in the same sitting when
# its binary is found, and the summary gives Swift/OCaml ratios. See
# Benchmarks/Sources/scheduler-bench/Driver.swift for what is measured.
#
#   scripts/scheduler-bench.sh [driver options]        e.g. --runs 3 --queued 1000,100000
#   scripts/scheduler-bench.sh --idle-connections 10000 --queued 1000   connection scale
#   scripts/scheduler-bench.sh --disable-tls
#
# OCAML_SCHEDULER is the OCaml binary (default: ../shared/ocaml-ocluster/bin/ocluster-scheduler
# or /work/ocaml-ref/out/bin/ocluster-scheduler, if either exists; set it empty to skip).
# Builds ocluster-scheduler and scheduler-bench in release mode in the Benchmarks package
# (Benchmarks/.build). Needs a high open-files limit for --idle-connections (the driver raises
# its soft limit to the hard one; the schedulers and the simulated processes inherit it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --package-path Benchmarks --product ocluster-scheduler >&2
swift build -c release --package-path Benchmarks --product scheduler-bench >&2
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)"

if [ -z "${OCAML_SCHEDULER+set}" ]; then
    OCAML_SCHEDULER=""
    for candidate in "$root/../shared/ocaml-ocluster/bin/ocluster-scheduler" \
        /work/ocaml-ref/out/bin/ocluster-scheduler; do
        if [ -x "$candidate" ]; then OCAML_SCHEDULER="$candidate"; break; fi
    done
fi
schedulers=(--scheduler "swift=$bin/ocluster-scheduler")
if [ -n "$OCAML_SCHEDULER" ]; then
    schedulers+=(--scheduler "ocaml=$OCAML_SCHEDULER")
else
    echo "scheduler-bench.sh: no OCaml scheduler found; measuring the Swift one alone" >&2
fi
exec "$bin/scheduler-bench" run "${schedulers[@]}" "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Benchmarks the vat network over loopback through the public Vat API, in one run:
# TLS connections/s (connect + bootstrap + one call + close, sequential) next to plain TCP,
# and calls/s over TLS vs plain TCP on one connection (sequential, 32 in flight, 16 KiB echo),
# with the TLS/plain ratio.
#
#   scripts/net-bench.sh [--seconds S]      S: time per measurement (default 2)
#
# Built in release mode in the Benchmarks package (Benchmarks/.build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --package-path Benchmarks --product capnp-net-bench >&2
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)"
"$bin/capnp-net-bench" "$@"

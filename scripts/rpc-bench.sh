#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Benchmarks the Swift Cap'n Proto RPC engine against the reference C++ one (libcapnp) over
# loopback TCP: sequential `add` round trips/s and 100-deep pipelined increment chains/s for
# C++→C++, C++→Swift, Swift→C++ and Swift→Swift, with ratios to C++→C++.
#
#   scripts/rpc-bench.sh [--seconds S]
#
# Builds the C++ peer (scripts/build-interop.sh) and capnp-rpc-bench in release mode first.
# SCRATCH sets the SwiftPM scratch path (default .build-rpc-release).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scratch="${SCRATCH:-.build-rpc-release}"
peer="$(bash scripts/build-interop.sh)"
swift build -c release --scratch-path "$scratch" --product capnp-rpc-bench >&2
RPC_PEER="$peer" "$scratch/release/capnp-rpc-bench" "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Benchmarks the Swift Cap'n Proto RPC engine against the reference C++ one (libcapnp) over
# loopback TCP, plain and with capnp-rpc's TLS (the default is both): sequential `add` round
# trips/s and 100-deep pipelined increment chains/s for C++→C++, C++→Swift, Swift→C++ and
# Swift→Swift, with ratios to C++→C++ over the same transport.
#
#   scripts/rpc-bench.sh [--seconds S] [--transport tcp|tls|both]
#
# Builds the C++ peer (scripts/build-interop.sh) and capnp-rpc-bench (release mode, in the
# Benchmarks package: Benchmarks/.build) first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
peer="$(bash scripts/build-interop.sh)"
swift build -c release --package-path Benchmarks --product capnp-rpc-bench >&2
bin="$(swift build -c release --package-path Benchmarks --show-bin-path)"
RPC_PEER="$peer" "$bin/capnp-rpc-bench" "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Builds the C++ reference benchmark into .build-cpp/bench/ (git-ignored). The C++ bindings
# for schema/ocluster.capnp and Benchmarks/cpp/bench.capnp are generated there at build time.
# Needs the capnp tool, libcapnp-dev (pkg-config capnp, capnp-rpc) and g++. Prints the binary's path.
#
#   Benchmarks/cpp/build.sh && .build-cpp/bench/bench [SCALE [CASE...]]
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.build-cpp/bench"
gen="$out/gen"
rm -rf "$gen"
mkdir -p "$gen"

# ocluster.capnp declares interfaces, whose generated code needs the RPC library too.
if ! pkg-config --exists capnp capnp-rpc; then
  echo "build.sh: pkg-config cannot find capnp / capnp-rpc (install libcapnp-dev)" >&2
  exit 1
fi

capnp compile "-oc++:$gen" "--src-prefix=$root/schema" "$root/schema/ocluster.capnp"
capnp compile "-oc++:$gen" "--src-prefix=$root/Benchmarks/cpp" "$root/Benchmarks/cpp/bench.capnp"

# shellcheck disable=SC2046
g++ -O2 -std=c++17 -I"$gen" -o "$out/bench" \
  "$root/Benchmarks/cpp/bench.cpp" "$gen/ocluster.capnp.c++" "$gen/bench.capnp.c++" \
  $(pkg-config --cflags --libs capnp-rpc capnp)

echo "$out/bench"

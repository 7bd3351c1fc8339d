#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Builds the reference C++ RPC peer (Tests/Interop/rpc-peer.cpp) that the Swift RPC
# implementation is tested and benchmarked against, and prints the path of the binary.
#
#   scripts/build-interop.sh
#
# Needs the `capnp` compiler, the libcapnp/libkj development files (Debian: libcapnp-dev), OpenSSL's
# (libssl-dev, for the TLS of pinned-tls.h),
# pkg-config and g++. Output goes to .build-cpp/interop/ (gen/ holds the generated C++ code
# for schema/test/rpc-test.capnp). Set CXX or CXXFLAGS to override the compiler or flags.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-cpp/interop"
gen="$out/gen"
mkdir -p "$gen"

for tool in capnp pkg-config "${CXX:-g++}"; do
  command -v "$tool" >/dev/null || { echo "build-interop.sh: $tool not found" >&2; exit 1; }
done

# Compiled from its own directory so the generated files are gen/rpc-test.capnp.{h,c++}.
(cd "$root/schema/test" && capnp compile -oc++:"$gen" rpc-test.capnp)

# shellcheck disable=SC2046
"${CXX:-g++}" ${CXXFLAGS:--O2} -std=c++17 -Wall -Wno-unused-parameter \
  -I"$gen" \
  -o "$out/rpc-peer" \
  -I"$root/Tests/Interop" "$root/Tests/Interop/rpc-peer.cpp" "$gen/rpc-test.capnp.c++" \
  $(pkg-config --cflags --libs capnp-rpc capnp kj-async kj openssl) -pthread

echo "$out/rpc-peer"

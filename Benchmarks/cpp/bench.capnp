# SPDX-License-Identifier: Apache-2.0
# Copyright the swift-ocluster authors.
#
# Messages used only by the serialization benchmarks (Benchmarks/cpp/bench.cpp and the Swift
# capnp-bench), for throughput on large payloads.

@0xb2c15c17a64918d3;

struct BulkData {
  # A large blob plus a large list of words.

  bytes @0 :Data;
  # 1 MiB in the benchmark.

  values @1 :List(UInt64);
  # 131072 elements (1 MiB) in the benchmark.
}

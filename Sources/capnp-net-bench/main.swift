// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

// Placeholder until the benchmark is written.
print("capnp-net-bench: not yet built")

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Where one pool's durable changes stand between the core and the store's writer thread.
///
/// Changes are numbered from the pool's creation: `changes[i]` is change number `base + i`. A write that
/// committed every change before number `end` lets the core drop them, whoever sent it (the batched writes,
/// or an administrator's write, which carries the pending changes ahead of its own so that the database sees
/// them in order). Replaying a change twice leaves the same rows, so overlapping writes are harmless.
struct PoolWrites {
    /// The number of the pool's oldest pending change.
    var base: UInt64 = 0
    /// A batched write is on its way to the store.
    var inFlight = false
    /// More changes came while it was: write again when it is done.
    var again = false
}

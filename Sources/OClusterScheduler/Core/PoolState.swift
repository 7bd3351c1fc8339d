// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI

/// One pool as the scheduler core keeps it: the pure ``Pool`` and what waits on it.
///
/// A class: the core reads its pool's state several times per operation, and a struct of this size would be
/// copied (a retain and release per field) by every read through the dictionary.
final class PoolState {
    var pool: Pool<SchedulerItem, WallClock>
    /// The `Worker` capability of each connected registration.
    var workerCaps: [WorkerID: Worker.Client] = [:]
    var pops: [PopRequestID: PopWaiter] = [:]
    /// Waiting for a worker's running-job count to change (drain, update).
    var runningWaiters: [WorkerID: [PromiseCell<Void>]] = [:]
    /// Waiting for a worker of some name to register (update): resolved with true when it does, false on
    /// timeout.
    var registrationWaiters: [String: [UInt64: PromiseCell<Bool>]] = [:]
    var metrics: PoolMetricsExporter

    init(pool: Pool<SchedulerItem, WallClock>, metrics: PoolMetricsExporter) {
        self.pool = pool
        self.metrics = metrics
    }

    /// Reads the pool where it lies. A plain read of `pool` copies the whole struct (a retain and a release
    /// for each of its tables), where an inout access does not: for reads on every decision.
    func inspect<T>(_ body: (inout Pool<SchedulerItem, WallClock>) -> T) -> T { body(&pool) }
}

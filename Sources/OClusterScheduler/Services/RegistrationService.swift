// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI

/// A pool's `Registration` endpoint (`pool-NAME.cap`): workers register here and get their `Queue`.
///
/// This capability only lets a holder join the pool as a worker; it has no other methods, so a pool `.cap`
/// cannot submit jobs or administer anything.
final class RegistrationService: Registration.Server {
    let scheduler: Scheduler
    let pool: String

    init(scheduler: Scheduler, pool: String) {
        self.scheduler = scheduler
        self.pool = pool
    }

    func register(
        _ params: Registration.RegisterParams.Reader,
        _ results: Registration.RegisterResults.Builder,
        _ call: ServerCall
    ) async throws {
        guard let worker = try params.worker(in: call.params) else {
            throw RPCError(.failed, "Missing worker argument!")
        }
        let name = try params.name
        let id = try await scheduler.register(
            pool: pool,
            worker: name,
            capacity: Int(params.capacity),
            capability: worker
        )
        call.results.setCapability(
            Capability(QueueService(scheduler: scheduler, pool: pool, worker: id)),
            in: results.queue
        )
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Logging
import Metrics
import OClusterAPI

extension SchedulerCore {
    /// A connected worker the liveness check pings.
    struct PingTarget {
        let pool: String
        let worker: WorkerID
        let name: String
        let capability: Worker.Client
    }

    /// Every connected worker, in pool order.
    func pingTargets() -> [PingTarget] {
        poolNames.flatMap { pool in
            (pools[pool]?.workerCaps ?? [:]).compactMap { id, capability in
                guard let name = pools[pool]?.inspect({ $0.name(of: id) }) else { return nil }
                return PingTarget(pool: pool, worker: id, name: name, capability: capability)
            }
        }
    }

    /// The worker did not answer a ping in time: records why it is dropped and returns its connection, which
    /// the caller ends (its jobs then fail over as for any lost worker). Nil if that registration is gone.
    func workerStuck(_ target: PingTarget, reason: String) -> RPCConnection? {
        guard let state = pools[target.pool], state.workerCaps[target.worker] != nil else { return nil }
        retries.dropped[target.pool, default: [:]][target.name] = reason
        Counter(
            label: "ocluster_scheduler_workers_stuck_total",
            dimensions: [("pool", target.pool)],
            factory: metrics.factory
        ).increment()
        logger.warning("Worker \(ocamlQuoted(target.name)) dropped: \(reason)", metadata: ["pool": "\(target.pool)"])
        return target.capability.capability.importConnection
    }
}

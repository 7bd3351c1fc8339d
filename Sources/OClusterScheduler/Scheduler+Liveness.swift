// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI

extension Scheduler {
    /// Pings every connected worker each ``Configuration/workerPingInterval`` until cancelled, and drops one
    /// that does not answer within ``Configuration/workerPingTimeout`` (a worker that hangs while its TCP
    /// connection stays up would otherwise keep its jobs forever, ocluster issue #110).
    ///
    /// The ping is `Worker.metrics(agent)`, which OCaml workers answer too; any answer, an error included,
    /// shows the worker alive.
    public func checkWorkers() async {
        guard let interval = configuration.workerPingInterval else { return }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            for target in core.pingTargets() {
                let key = "\(target.pool)\u{0}\(target.worker.rawValue)"
                guard pinging.insert(key).inserted else { continue }
                Task(executorPreference: home.executor) {
                    await self.ping(target)
                    await self.perform { _ = $0.pinging.remove(key) }
                }
            }
        }
    }

    private nonisolated func ping(_ target: SchedulerCore.PingTarget) async {
        let timeout = configuration.workerPingTimeout
        let answered = PromiseCell<Bool>()
        let capability = target.capability
        let call = Task {
            _ = try? await capability.metrics(source: .agent)
            _ = answered.resolve(true)
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            _ = answered.resolve(false)
        }
        guard await answered.wait() == false else {
            timer.cancel()
            return
        }
        call.cancel()
        let reason = "stuck: no answer to a ping within \(timeout.components.seconds) s"
        guard let connection = await perform({ $0.core.workerStuck(target, reason: reason) }) else { return }
        await connection.abortConnection(RPCError(.disconnected, reason))
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Logging
import OClusterAPI

/// The `Submission` service a ``Connection``'s builds share, dialled again with backoff whenever
/// the connection under it is lost (the OCurrent plugin's `sched`).
actor SubmissionLink {
    private let vat: Vat
    private let ref: SturdyRef
    private let logger: Logger
    private let backoff: ReconnectBackoff.Configuration
    private var current: (service: Submission.Client, generation: Int)?
    private var generation = 0

    init(vat: Vat, ref: SturdyRef, backoff: ReconnectBackoff.Configuration, logger: Logger) {
        self.vat = vat
        self.ref = ref
        self.backoff = backoff
        self.logger = logger
    }

    /// How many times the link has connected.
    var connections: Int { generation }

    /// The service, connecting first if there is no working connection. Retries with backoff
    /// until it connects, the task is cancelled or the vat is shut down; builds that wait at the
    /// same time share one dial, as the vat shares one connection per server key.
    ///
    /// - Returns: the service and the generation to pass to ``lost(_:reason:)`` if it fails.
    func service() async throws -> (service: Submission.Client, generation: Int) {
        // Each caller backs off on its own, so many waiting builds do not multiply the delay.
        var attempts = ReconnectBackoff(configuration: backoff)
        while true {
            if let current { return current }
            try Task.checkCancellation()
            do {
                let capability = try await vat.connect(ref)
                if let current { return current }
                generation += 1
                let connected = (service: Submission.Client(capability), generation: generation)
                current = connected
                return connected
            } catch let error as NetworkError where error.code == .connectionClosed {
                throw error
            } catch {
                let delay = attempts.failed(uptime: .zero, randomFraction: Double.random(in: 0..<1))
                let reason = Connection.describe(error, connecting: ref.address)
                logger.warning("Error connecting to build cluster (will retry in \(delay)): \(reason)")
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Restores a service of the same scheduler (a saved ticket) by its ID, over the connection
    /// ``service()`` uses: the ID comes from the scheduler, the address and key from our ref.
    func restore(_ id: ServiceID) async throws -> Capability {
        try await vat.connect(SturdyRef(address: ref.address, authentication: ref.authentication, serviceID: id))
    }

    /// Records that the connection of `generation` was lost, so the next ``service()`` dials
    /// again. A later generation is left alone (another build noticed first and reconnected).
    func lost(_ generation: Int, reason: String) async {
        guard current?.generation == generation else { return }
        logger.warning("Lost the connection to the build cluster (will reconnect): \(reason)")
        // The vat may not have noticed yet that the connection ended; make sure the next dial
        // is a new connection rather than the dead one.
        await vat.disconnect(from: ref)
        if current?.generation == generation { current = nil }
    }
}

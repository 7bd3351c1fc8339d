// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import OClusterAPI

/// `scheduler-bench idle`: a process holding many idle connections to the scheduler, for the
/// connection-scale figures. Even-numbered connections are workers that register (as ocluster's
/// worker does) and then pause themselves with `Queue.setActive(false)` (as a worker short of disk
/// does), so they hold a worker's state but take no jobs (each connection has a P-256 key of its
/// own, see ``ClientKeys``); odd-numbered ones are clients holding
/// their submission service (restored with one harmless `Persistent.save` call). It makes their keys and reports `ready`; on `connect` it opens them, `concurrency` handshakes at a time, and
/// reports `connected SECONDS FAILURES`; it holds them until its standard input ends.
struct IdleConnections {
    var pool: String
    var submission: String
    var connections: Int
    var first: Int
    var concurrency: Int

    func run() async throws {
        FileLimit.raiseToMaximum()
        let poolRef = try CapFile.resolve(pool)
        let submissionRef = try CapFile.resolve(submission)
        let commands = DriverCommands.start()
        // Keys first, so that the handshake rate is not the key generation rate.
        // A handshake may wait long in the scheduler's accept queue while thousands arrive at once.
        let networks = try (0..<connections).map { _ in
            VatNetwork(clientKey: try ClientKeys.p256(), handshakeTimeout: .seconds(600))
        }
        DriverCommands.report("ready")
        let hold = PromiseCell<Void>()
        let failures = Tally()
        let (connections, first, concurrency) = (connections, first, max(1, concurrency))
        await withTaskGroup(of: Void.self) { group in
            guard await commands.next() == "connect" else { exit(0) }
            let start = MonotonicClock.nanoseconds()
            for wave in stride(from: 0, to: connections, by: concurrency) {
                let count = min(concurrency, connections - wave)
                let established = Countdown(count)
                for index in wave..<(wave + count) {
                    let number = first + index
                    let network = networks[index]
                    group.addTask {
                        do {
                            try await Self.hold(
                                number: number,
                                network: network,
                                poolRef: poolRef,
                                submissionRef: submissionRef,
                                established: established,
                                hold: hold
                            )
                        } catch {
                            FileHandle.standardError.write(Data("connection \(number): \(error)\n".utf8))
                            failures.add()
                            established.done()
                        }
                    }
                }
                await established.wait()
            }
            let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
            DriverCommands.report("connected \(seconds) \(failures.value)")
            while await commands.next() != nil {}
            exit(0)
        }
    }

    /// Opens connection `number` and holds it until `hold` resolves.
    private static func hold(
        number: Int,
        network: VatNetwork,
        poolRef: SturdyRef,
        submissionRef: SturdyRef,
        established: Countdown,
        hold: PromiseCell<Void>
    ) async throws {
        if number % 2 == 0 {
            try await RPCSession.with(network, poolRef) { capability in
                let registration = Registration.Client(capability)
                let call = await registration.register { params, payload in
                    params.name = "idle-\(number)"
                    payload.setCapability(
                        Worker.client(SimulatedWorkerService()).capability,
                        in: params.worker
                    )
                    params.capacity = 1
                }
                let queue = Queue.Client(call.pipeline(0))
                _ = try await queue.setActive(active: false)
                established.done()
                await hold.wait()
            }
        } else {
            try await RPCSession.with(network, submissionRef) { capability in
                // A harmless call (Persistent.save), so that the service is surely restored.
                _ = try await capability.call(interfaceId: 0xc8cb_212f_cd9f_5691, methodId: 0) {
                    _ = $0.content.initStruct(dataWords: 0, pointerCount: 1)
                }
                established.done()
                await hold.wait()
            }
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import OClusterAPI
import Synchronization

/// `scheduler-bench workers`: a process of simulated workers, speaking to the scheduler as
/// ocluster's worker does (`worker/cluster_worker.ml`), each connection with a key of its own
/// (``ClientKeys``): each worker registers under its name with a
/// `Worker` object and capacity 1, gets its `Queue` (pipelined on the registration), and loops:
/// `pop` with a fresh `Job` object, run the job (instantly here), and pop again once it is over.
/// The scheduler calls the job's `result` itself, and clients call its `log` and `result`
/// through the scheduler.
///
/// Reports on standard output: `ready` once every worker has registered; on `mark`, a line
/// `mark ASSIGNMENTS HISTOGRAM`: jobs taken so far and the submit→start latencies since the last
/// mark (the client stamps each job with its submit time; the latency is read when `pop` returns).
/// On `pause` and `resume`, every worker calls `Queue.setActive(false)` or `(true)` (as a worker
/// short of disk does; its `pop` stays pending), then the process reports `paused` or `resumed`:
/// the driver fills a deep queue while no worker takes jobs.
struct SimulatedWorkers {
    var pool: String
    var connections: Int
    var workers: Int
    var first: Int
    /// A directory where connection keys are kept between runs, if any.
    var keys: String?
    var capacity: Int32 = 1

    /// Counts and latencies shared by the process's workers.
    final class Stats: Sendable {
        private let state = Mutex<(taken: Int, latencies: LatencyHistogram)>((0, LatencyHistogram()))

        func taken(_ descr: JobDescr.Reader, at now: UInt64) {
            let submitted = (try? descr.repository).flatMap(JobStamp.submitted(repository:))
            state.withLock { state in
                state.taken += 1
                if let submitted, now > submitted { state.latencies.record(nanoseconds: now - submitted) }
            }
        }

        /// Jobs taken so far, and the latencies since the last call.
        func mark() -> (Int, LatencyHistogram) {
            state.withLock { state in
                defer { state.latencies = LatencyHistogram() }
                return (state.taken, state.latencies)
            }
        }
    }

    /// The registered workers' queues, for `pause` and `resume`.
    final class Queues: Sendable {
        private let queues = Mutex<[Queue.Client]>([])

        func add(_ queue: Queue.Client) { queues.withLock { $0.append(queue) } }

        var all: [Queue.Client] { queues.withLock { $0 } }
    }

    func run() async throws {
        FileLimit.raiseToMaximum()
        let ref = try CapFile.resolve(pool)
        let stats = Stats()
        let registered = Countdown(workers)
        let commands = DriverCommands.start()
        let names = (first..<(first + workers)).map { "worker-\($0)" }
        let capacity = capacity
        let connections = max(1, min(connections, workers))
        let keys = keys
        let queues = Queues()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in 0..<connections {
                let mine = stride(from: connection, to: names.count, by: connections).map { names[$0] }
                group.addTask {
                    let cache = keys.map { "\($0)/worker-\(first)-\(connection).pem" }
                    let network = VatNetwork.singleThreaded(clientKey: try ClientKeys.rsa(cache: cache))
                    try await RPCSession.with(network, ref) { capability in
                        let registration = Registration.Client(capability)
                        try await withThrowingTaskGroup(of: Void.self) { loops in
                            for name in mine {
                                let call = await registration.register { params, payload in
                                    params.name = name
                                    payload.setCapability(
                                        Worker.client(SimulatedWorkerService()).capability,
                                        in: params.worker
                                    )
                                    params.capacity = capacity
                                }
                                let queue = Queue.Client(call.pipeline(0))
                                loops.addTask {
                                    _ = try await call.response()
                                    queues.add(queue)
                                    registered.done()
                                    try await Self.work(name: name, queue: queue, stats: stats)
                                }
                            }
                            try await loops.waitForAll()
                        }
                    }
                }
            }
            group.addTask {
                await registered.wait()
                DriverCommands.report("ready")
                while let command = await commands.next() {
                    switch command {
                    case "mark":
                        let (taken, latencies) = stats.mark()
                        DriverCommands.report("mark \(taken) \(latencies.encoded)")
                    case "pause", "resume":
                        let active = command == "resume"
                        try await withThrowingTaskGroup(of: Void.self) { calls in
                            for queue in queues.all {
                                calls.addTask { _ = try await queue.setActive(active: active) }
                            }
                            try await calls.waitForAll()
                        }
                        DriverCommands.report(active ? "resumed" : "paused")
                    default:
                        continue
                    }
                }
                // The driver is done with us: end at once, connections and all.
                exit(0)
            }
            try await group.waitForAll()
        }
    }

    /// One worker's loop (capacity 1: one job at a time, as `Cluster_worker.loop` with capacity 1).
    private static func work(name: String, queue: Queue.Client, stats: Stats) async throws {
        while true {
            let job = SimulatedJob(worker: name)
            let response = try await queue.pop(job: Job.client(job))
            stats.taken(try response.results.descr, at: MonotonicClock.nanoseconds())
            job.finish()
        }
    }
}

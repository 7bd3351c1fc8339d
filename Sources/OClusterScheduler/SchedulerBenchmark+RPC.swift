// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import OClusterAPI
import Synchronization

extension SchedulerBenchmark {
    /// The whole scheduler over loopback TCP (plain, no TLS): `workers` simulated workers on `connections`
    /// connections pop jobs whose `Job.result` returns at once; one client keeps `queued` jobs queued by
    /// submitting a new job for each one assigned. The RSS includes the client and workers (same process).
    public static func rpc(
        workers: Int,
        queued: Int,
        hints: Int,
        connections: Int,
        assignments: Int
    ) async throws
        -> Result
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocluster-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SchedulerStore(stateDirectory: directory)
        let scheduler = try Scheduler(pools: ["bench"], store: store)
        let key = try SecretKey.generate()
        let services = SchedulerServices(scheduler: scheduler, hashedSecret: key.hashedSecret)
        let server = Vat(secretKey: key, listenAddress: .tcp(host: "127.0.0.1", port: 0), serveTLS: false)
        server.setFallbackRestorer { services.restore($0.bytes) }
        try await server.start()
        services.setSturdyRefMaker { try? server.sturdyRef(for: $0) }
        let client = Vat()
        let counter = BenchCounter(target: assignments)
        let clientID = try await scheduler.addClient("bench")
        let submission = Submission.Client(
            try await client.connect(try server.sturdyRef(for: ServiceID(bytes: clientID)))
        )
        let submitter = BenchSubmitter(submission: submission, hints: hints)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            for _ in 0..<queued { await submitter.submit() }
            try await submitter.flush()
            let poolRef = try server.sturdyRef(for: services.poolIDs["bench"]!)
            var queues: [Queue.Client] = []
            for connection in 0..<connections {
                let registration = Registration.Client(try await client.connect(poolRef))
                for index in stride(from: connection, to: workers, by: connections) {
                    let response = try await registration.register(
                        name: "worker-\(index)",
                        worker: Worker.client(BenchWorker()),
                        capacity: 1
                    )
                    queues.append(Queue.Client(try response.capability(response.results.queue)))
                }
            }
            await counter.start()
            for queue in queues {
                group.addTask {
                    while !counter.finished {
                        do {
                            _ = try await queue.pop(job: Job.client(BenchJob()))
                        } catch {
                            return
                        }
                        counter.add()
                        await submitter.submit()
                    }
                }
            }
            await counter.wait()
            await client.shutdown()
            await server.shutdown()
            group.cancelAll()
            while let next = await group.nextResult() { _ = next }
        }
        return Result(
            name: "rpc",
            workers: workers,
            queued: queued,
            assignments: counter.done,
            seconds: counter.seconds,
            residentMiB: residentMiB()
        )
    }
}

/// Counts assignments and times the measured ones.
final class BenchCounter: Sendable {
    private let state = Mutex<(count: Int, start: UInt64, end: UInt64)>((0, 0, 0))
    private let reached = OneShot<Void>()
    let target: Int

    init(target: Int) { self.target = target }

    func start() async { state.withLock { $0.start = DispatchTime.now().uptimeNanoseconds } }

    func add() {
        let hit = state.withLock { state in
            state.count += 1
            if state.count == target { state.end = DispatchTime.now().uptimeNanoseconds }
            return state.count == target
        }
        if hit { reached.set(()) }
    }

    var finished: Bool { state.withLock { $0.count >= target } }
    var done: Int { state.withLock { min($0.count, target) } }
    var seconds: Double { state.withLock { Double($0.end - $0.start) / 1e9 } }

    func wait() async { await reached.wait() }
}

/// Submits jobs and keeps their tickets (a released ticket would cancel its job).
actor BenchSubmitter {
    let submission: Submission.Client
    let hints: Int
    var tickets: [Ticket.Client] = []
    var last: RPCCall?
    var next = 0

    init(submission: Submission.Client, hints: Int) {
        self.submission = submission
        self.hints = hints
    }

    func submit() async {
        next += 1
        let hint = "hint-\(next % hints)"
        let call = await submission.submit { params, _ in
            params.pool = "bench"
            params.initDescr().cacheHint = hint
        }
        tickets.append(Ticket.Client(call.pipeline(0)))
        last = call.call
    }

    /// Waits until every submission so far has been answered (calls on one capability return in order).
    func flush() async throws {
        _ = try await last?.response()
    }
}

/// A worker object that is never asked for anything in the benchmark.
struct BenchWorker: Worker.Server {}

/// A job that finishes at once.
struct BenchJob: Job.Server {
    func result(
        _ params: Job.ResultParams.Reader,
        _ results: Job.ResultResults.Builder,
        _ call: ServerCall
    ) async throws {
        results.output = ""
    }
}

extension SchedulerBenchmark {
    /// The scheduler's own memory: `workers` registered workers and `queued` queued jobs (each with its
    /// received descr message and ticket promise), without any connection. Returns the RSS growth in MiB.
    public static func memory(workers: Int, queued: Int, hints: Int) async throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocluster-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SchedulerStore(stateDirectory: directory)
        let scheduler = try Scheduler(pools: ["bench"], store: store)
        let before = residentMiB()
        for index in 0..<workers {
            _ = try await scheduler.register(
                pool: "bench",
                worker: "worker-\(index)",
                capacity: 1,
                capability: Worker.client(BenchWorker())
            )
        }
        var kept: [Scheduler.Submitted] = []
        kept.reserveCapacity(queued)
        for index in 0..<queued {
            let descr = JobDescr.descr(hint: "hint-\(index % hints)")
            kept.append(
                try await scheduler.submit(client: "client-\(index % 10)", pool: "bench", descr: descr, urgent: false)
            )
        }
        let grown = residentMiB() - before
        withExtendedLifetime(kept) {}
        return grown
    }
}

extension JobDescr {
    /// A small Docker job description with `hint`, in its own message (as a received one would be).
    static func descr(hint: String) -> JobDescr.Reader {
        let message = MessageBuilder(firstSegmentWords: 32)
        let builder = message.initRoot(JobDescr.Builder.self)
        builder.cacheHint = hint
        builder.repository = "https://github.com/ocurrent/ocluster.git"
        builder.setCommits(["0123456789abcdef0123456789abcdef01234567"])
        builder.action.initDockerBuild().dockerfile.contents = "FROM debian:12\nRUN make\n"
        return (try? message.reader().root(as: JobDescr.Reader.self)) ?? JobDescr.Reader(.empty)
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import Foundation
import OClusterAPI
import Synchronization

extension SchedulerBenchmark {
    /// The serving half of ``rpc(workers:queued:hints:connections:assignments:serverCommand:)``, run in a child
    /// process so that its RSS is the scheduler's alone: a scheduler with pool `bench` and client `bench` on
    /// loopback TCP (plain, no TLS). Prints `submission URI` and `pool URI` lines, then serves until standard
    /// input closes.
    public static func serve() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocluster-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SchedulerStore(stateDirectory: directory)
        let key = try SecretKey.generate()
        let network = VatNetwork.singleThreaded(clientKey: key)
        let scheduler = try Scheduler(pools: ["bench"], store: store, executor: network.makeExecutor())
        let services = SchedulerServices(scheduler: scheduler, hashedSecret: key.hashedSecret)
        let server = Vat(
            secretKey: key,
            listenAddress: .tcp(host: "127.0.0.1", port: 0),
            serveTLS: false,
            network: network
        )
        server.setFallbackRestorer { services.restore($0.bytes) }
        try await server.start()
        services.setSturdyRefMaker { try? server.sturdyRef(for: $0) }
        let clientID = try await scheduler.addClient("bench")
        guard let poolID = services.poolIDs["bench"] else { throw BenchmarkError("the bench pool has no service id") }
        print("submission \(try server.sturdyRef(for: ServiceID(bytes: clientID)).uri)")
        print("pool \(try server.sturdyRef(for: poolID).uri)")
        fflush(nil)
        let serving = Task { try await server.run() }
        // The parent closes our standard input when it is done (or dies); the process then ends with its state
        // as it is, so that a heap profiler reports what was live.
        // A thread of its own blocks on the read, not one of the cooperative pool's few.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                while FileHandle.standardInput.availableData.count > 0 {}
                done.resume()
            }
        }
        withExtendedLifetime((serving, store)) {}
        exit(0)
    }

    /// The whole scheduler over loopback TCP (plain, no TLS): `serverCommand` starts ``serve()`` in a child
    /// process; `workers` simulated workers on `connections` connections pop jobs whose `Job.result` returns at
    /// once; one client keeps `queued` jobs queued by submitting a new job for each one assigned. The RSS is the
    /// child's: the scheduler process alone.
    ///
    /// The simulated workers and the client share one event loop thread, their calls made on it as a C++ or
    /// OCaml client makes them (see ``NIORPCTransport/onEventLoop(_:)``): they stand for many machines, and
    /// should take as little as they can of the CPU the scheduler is measured on.
    public static func rpc(
        workers: Int,
        queued: Int,
        hints: Int,
        connections: Int,
        assignments: Int,
        serverCommand: [String]
    ) async throws
        -> Result
    {
        let child = try BenchChild(command: serverCommand)
        defer { child.stop() }
        let submissionRef = try SturdyRef(parsing: try child.value(after: "submission"))
        let poolRef = try SturdyRef(parsing: try child.value(after: "pool"))
        let network = VatNetwork.singleThreaded()
        let counter = BenchCounter(target: assignments)
        let registered = BenchCounter(target: workers)
        var resident = 0.0
        var anonymous = 0.0
        try await Self.session(network, submissionRef) { capability in
            let submitter = BenchSubmitter(submission: Submission.Client(capability), hints: hints)
            // Submitted as many clients would, a window at a time, not all 100k calls in flight at once.
            for index in 0..<queued {
                await submitter.submit()
                if index % 1000 == 999 { try await submitter.flush() }
            }
            try await submitter.flush()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in 0..<connections {
                    group.addTask {
                        try await Self.session(network, poolRef) { capability in
                            let registration = Registration.Client(capability)
                            var queues: [Queue.Client] = []
                            for index in stride(from: connection, to: workers, by: connections) {
                                let response = try await registration.register(
                                    name: "worker-\(index)",
                                    worker: Worker.client(BenchWorker()),
                                    capacity: 1
                                )
                                queues.append(Queue.Client(try response.capability(response.results.queue)))
                                registered.add()
                            }
                            await registered.wait()
                            await withTaskGroup(of: Void.self) { workerGroup in
                                for queue in queues {
                                    workerGroup.addTask {
                                        do {
                                            while !counter.finished {
                                                let response = try await queue.pop(job: Job.client(BenchJob()))
                                                submitter.taken(try response.results.descr)
                                                counter.add()
                                                await submitter.submit()
                                            }
                                        } catch {
                                            // The scheduler is gone (stopped once the figures were taken).
                                        }
                                    }
                                }
                                await counter.wait()
                                workerGroup.cancelAll()
                            }
                        }
                    }
                }
                await registered.wait()
                await counter.start()
                await counter.wait()
                try await submitter.flush()
                resident = child.residentMiB()
                anonymous = child.residentMiB(field: "RssAnon")
                // The scheduler exits at once, with its state as measured (for a heap profiler's leak report).
                child.stop()
                group.cancelAll()
                while let next = await group.nextResult() { _ = next }
            }
        }
        return Result(
            name: "rpc",
            workers: workers,
            queued: queued,
            assignments: counter.done,
            seconds: counter.seconds,
            residentMiB: resident,
            anonymousMiB: anonymous
        )
    }

    /// Connects to `ref` and runs `body` with its service, all on the connection's event loop.
    private static func session(
        _ network: VatNetwork,
        _ ref: SturdyRef,
        _ body: (Capability) async throws -> Void
    ) async throws {
        try await network.connect(to: ref) { transport, serviceID in
            try await transport.onEventLoop { transport in
                let connection = RPCConnection(transport: transport)
                await connection.start()
                try await body(await connection.bootstrap(serviceId: serviceID.bytes))
                await connection.close()
            }
        }
    }
}

/// A benchmark set-up failure.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The scheduler process of an RPC benchmark run: started with a pipe on each of standard input and output.
final class BenchChild: Sendable {
    private let process: Process
    private let input: Pipe
    private let lines: LineReader

    init(command: [String]) throws {
        guard let executable = command.first else { throw BenchmarkError("no command to start the scheduler") }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        lines = LineReader(output.fileHandleForReading)
    }

    /// The rest of the first output line that starts with `key` and a space.
    func value(after key: String) throws -> String {
        while let line = lines.next() {
            if line.hasPrefix(key + " ") { return String(line.dropFirst(key.count + 1)) }
        }
        throw BenchmarkError("the scheduler process ended without printing its \(key) sturdy ref")
    }

    /// The child's resident set size in MiB (`VmRSS`).
    func residentMiB(field: String = "VmRSS") -> Double {
        SchedulerBenchmark.residentMiB(statusFile: "/proc/\(process.processIdentifier)/status", field: field)
    }

    /// Closes the child's standard input (it then shuts down) and waits for it.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// Reads a pipe line by line (only from the benchmark's own task, so unchecked).
final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(_ handle: FileHandle) { self.handle = handle }

    func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let chunk = handle.availableData
            guard !chunk.isEmpty else { return nil }
            buffer.append(contentsOf: chunk)
        }
    }
}

/// Counts assignments and times the measured ones.
final class BenchCounter: Sendable {
    private let state = Mutex<(count: Int, start: UInt64, end: UInt64)>((0, 0, 0))
    private let reached = PromiseCell<Void>()
    let target: Int

    init(target: Int) { self.target = target }

    func start() async { state.withLock { $0.start = DispatchTime.now().uptimeNanoseconds } }

    func add() {
        let hit = state.withLock { state in
            state.count += 1
            if state.count == target { state.end = DispatchTime.now().uptimeNanoseconds }
            return state.count == target
        }
        if hit { reached.resolve(()) }
    }

    var finished: Bool { state.withLock { $0.count >= target } }
    var done: Int { state.withLock { min($0.count, target) } }
    var seconds: Double { state.withLock { Double($0.end - $0.start) / 1e9 } }

    func wait() async { await reached.wait() }
}

/// Submits jobs and keeps the ticket of each until a worker has taken its job (as a client keeps a ticket while
/// its job runs; releasing it earlier would cancel the job).
final class BenchSubmitter: Sendable {
    static let repositoryPrefix = "https://example.org/bench/"

    private struct State {
        var tickets: [Int: Ticket.Client] = [:]
        var last: RPCCall?
        var next = 0
    }

    let submission: Submission.Client
    let hints: Int
    private let state = Mutex(State())

    init(submission: Submission.Client, hints: Int) {
        self.submission = submission
        self.hints = hints
    }

    func submit() async {
        let index = state.withLock { state in
            state.next += 1
            return state.next
        }
        let hint = "hint-\(index % hints)"
        let call = await submission.submit { params, _ in
            params.pool = "bench"
            let descr = params.initDescr()
            descr.cacheHint = hint
            // The job's index, so the worker that takes it can have its ticket released.
            descr.repository = "\(Self.repositoryPrefix)\(index).git"
            descr.setCommits(["0123456789abcdef0123456789abcdef01234567"])
            descr.action.initDockerBuild().dockerfile.path = "Dockerfile"
        }
        state.withLock { state in
            state.tickets[index] = Ticket.Client(call.pipeline(0))
            state.last = call.call
        }
    }

    /// Drops the ticket of the job a worker took (its `repository` names it).
    func taken(_ descr: JobDescr.Reader) {
        guard let repository = try? descr.repository, repository.hasPrefix(Self.repositoryPrefix),
            let index = Int(repository.dropFirst(Self.repositoryPrefix.count).dropLast(4))
        else { return }
        // Released outside the lock: the ticket's release runs engine code.
        let ticket = state.withLock { $0.tickets.removeValue(forKey: index) }
        _ = ticket
    }

    /// Waits until every submission so far has been answered (calls on one capability return in order).
    func flush() async throws {
        _ = try await state.withLock { $0.last }?.response()
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
            let hint = "hint-\(index % hints)"
            let descr = try StoredJobDescr(copying: JobDescr.descr(hint: hint))
            kept.append(
                try await scheduler.submit(
                    client: "client-\(index % 10)",
                    pool: "bench",
                    descr: descr,
                    cacheHint: hint,
                    urgent: false
                )
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

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import CapnProtoRPC
import CapnProtoTestSupport
import Foundation
import OClusterAPI
import OClusterScheduler
import Synchronization

/// Where the scheduler actor runs: the cooperative pool, or an event loop as the daemon places it (its callers
/// here being on other threads, every call is a real hop, and any await inside it a point where other work runs).
enum SchedulerPlacement: String, CaseIterable, Sendable {
    case pool
    case eventLoop
}

/// A scheduler on a fresh state directory, reached over in-memory RPC connections (one per "vat").
final class ServiceHarness: Sendable {
    let directory: String
    let scheduler: Scheduler
    let services: SchedulerServices
    private let connections = Mutex<[(RPCConnection, RPCConnection, InMemoryTransport)]>([])

    init(
        pools: [String] = ["pool"],
        configuration: Scheduler.Configuration = Scheduler.Configuration(),
        placement: SchedulerPlacement = .pool,
        reusing previous: String? = nil
    ) throws {
        // `reusing` another harness's directory is that scheduler's restart (after kill -9: the old one is
        // simply no longer used).
        directory =
            previous
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("scheduler-services-\(UUID().uuidString)")
            .path
        if previous == nil {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        }
        let store = try SchedulerStore(stateDirectory: directory + "/state")
        var costs = configuration
        costs.cost = PoolCost(cached: 2, nonCached: 10)
        scheduler = try Scheduler(
            pools: pools,
            store: store,
            configuration: costs,
            executor: placement == .eventLoop ? VatNetwork.singleThreaded().makeExecutor() : nil
        )
        services = SchedulerServices(scheduler: scheduler, hashedSecret: Array(repeating: 7, count: 32))
        services.setSturdyRefMaker { id in
            SturdyRef(address: .tcp(host: "scheduler.test", port: 7000), authentication: .insecure, serviceID: id)
        }
    }

    /// Opens a new connection (as a new client process would) and restores `serviceID` over it.
    func connect(_ serviceID: [UInt8]) async -> (capability: Capability, link: InMemoryTransport) {
        let (near, far) = InMemoryTransport.pair()
        let services = services
        let server = RPCConnection(transport: far, services: { services.restore($0) })
        let client = RPCConnection(transport: near)
        await server.start()
        await client.start()
        connections.withLock { $0.append((server, client, near)) }
        return (await client.bootstrap(serviceId: serviceID), near)
    }

    /// The admin service, on its own connection.
    func admin() async -> Admin.Client { Admin.Client(await connect(services.adminServiceID).capability) }

    /// A new client endpoint, via `Admin.addClient` on its own connection.
    func submission(client: String) async throws -> Submission.Client {
        let admin = await admin()
        let response = try await admin.addClient(id: client)
        return Submission.Client(try response.capability(response.results.cap))
    }

    func close() async {
        for (server, client, _) in connections.withLock({ $0 }) {
            await client.close()
            await server.close()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Submits a job with `hint` and returns its ticket and (pipelined) job.
func submit(
    _ submission: Submission.Client,
    pool: String = "pool",
    hint: String,
    urgent: Bool = false
) async -> (
    ticket: Ticket.Client, job: Job.Client
) {
    let ticket = Ticket.Client(
        await submission.submit { params, _ in
            params.pool = pool
            params.urgent = urgent
            params.initDescr().cacheHint = hint
        }.pipeline(0)
    )
    let job = Job.Client(await ticket.job { _, _ in }.pipeline(0))
    return (ticket, job)
}

/// A worker's `Job` for one popped job: a fixed log, then a result the test chooses (every `result` caller,
/// the scheduler's watch included, gets it).
final class FakeJob: Job.Server {
    let log: [UInt8]
    private let state = Mutex<
        (outcome: Result<String, RPCError>?, waiters: [CheckedContinuation<Result<String, RPCError>, Never>])
    >((nil, []))
    let cancelled = Mutex(false)

    init(log: String) { self.log = Array(log.utf8) }

    func finish(_ result: Result<String, RPCError>) {
        let waiters = state.withLock { state in
            guard state.outcome == nil else { return [CheckedContinuation<Result<String, RPCError>, Never>]() }
            state.outcome = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    func log(_ params: Job.LogParams.Reader, _ results: Job.LogResults.Builder, _ call: ServerCall) async throws {
        let start = Int(max(0, min(params.start, Int64(log.count))))
        results.log = Array(log[start...])
        results.next = Int64(log.count)
    }

    func result(
        _ params: Job.ResultParams.Reader,
        _ results: Job.ResultResults.Builder,
        _ call: ServerCall
    ) async throws {
        let outcome = await withCheckedContinuation { continuation in
            let ready: Result<String, RPCError>? = state.withLock { state in
                if let outcome = state.outcome { return outcome }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        results.output = try outcome.get()
    }

    func cancel(
        _ params: Job.CancelParams.Reader,
        _ results: Job.CancelResults.Builder,
        _ call: ServerCall
    ) async throws {
        cancelled.withLock { $0 = true }
        finish(.failure(RPCError(.failed, "Build cancelled")))
    }
}

/// A worker's `Worker` object: counts self-update requests.
final class FakeWorker: Worker.PartialServer {
    let updates = Mutex(0)

    func metrics(
        _ params: Worker.MetricsParams.Reader,
        _ results: Worker.MetricsResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        results.contentType = "text/plain; version=0.0.4; charset=utf-8"
        results.data = "ocluster_worker_running_jobs 0\n"
    }

    func selfUpdate(
        _ params: Worker.SelfUpdateParams.Reader,
        _ results: Worker.SelfUpdateResults.Builder,
        _ call: ServerCall
    ) async throws {
        updates.withLock { $0 += 1 }
        throw RPCError(.disconnected, "restarting")
    }
}

/// A simulated worker: registers on its own connection and pops jobs.
struct SimulatedWorker {
    let queue: Queue.Client
    let link: InMemoryTransport

    static func register(
        _ harness: ServiceHarness,
        name: String,
        pool: String = "pool",
        capacity: Int32 = 1
    )
        async throws -> SimulatedWorker
    {
        let (registration, link) = await harness.connect(harness.services.poolServiceID(pool)!)
        let response = try await Registration.Client(registration).register(
            name: name,
            worker: Worker.client(FakeWorker()),
            capacity: capacity
        )
        return SimulatedWorker(queue: Queue.Client(try response.capability(response.results.queue)), link: link)
    }

    /// Starts a pop with a new FakeJob; the pop answers when a job is assigned.
    func pop(log: String = "") async -> (job: FakeJob, call: PendingCall<Queue.PopResults.Reader>) {
        let job = FakeJob(log: log)
        let call = await queue.pop { params, payload in
            payload.setCapability(Job.client(job).capability, in: params.job)
        }
        return (job, call)
    }
}

/// The cache hint of a popped job.
func hint(of call: PendingCall<Queue.PopResults.Reader>) async throws -> String {
    try await call.response().results.descr.cacheHint
}

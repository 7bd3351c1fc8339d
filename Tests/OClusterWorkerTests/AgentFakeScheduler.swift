// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import CapnProtoTestSupport
import OClusterAPI
import OClusterWorker
import Synchronization

/// A tiny scheduler for agent tests: one pool, jobs handed out first come first served,
/// written with the generated `Registration.Server`/`Queue.Server`.
final class FakeScheduler: Sendable {
    typealias Fill = @Sendable (JobDescr.Builder) -> Void
    struct Pending: Sendable {
        let fill: Fill
        let deliver: @Sendable (Job.Client) -> Void
    }

    struct State {
        var pending: [Pending] = []
        var pops: [Int: CheckedContinuation<Pending?, Never>] = [:]
        var nextPop = 0
        var registrations: [(name: String, capacity: Int32, worker: Worker.Client)] = []
        var active: [Bool] = []
    }

    let state = Mutex(State())

    var registrationCount: Int { state.withLock { $0.registrations.count } }
    var lastWorker: Worker.Client? { state.withLock { $0.registrations.last?.worker } }
    var waitingPops: Int { state.withLock { $0.pops.count } }

    /// Queues a job; returns the worker's `Job` once a worker pops it.
    func submit(_ fill: @escaping Fill) async -> Job.Client {
        await withCheckedContinuation { (continuation: CheckedContinuation<Job.Client, Never>) in
            let pending = Pending(fill: fill) { continuation.resume(returning: $0) }
            let pop: CheckedContinuation<Pending?, Never>? = state.withLock { state in
                if let (id, waiter) = state.pops.min(by: { $0.key < $1.key }) {
                    state.pops[id] = nil
                    return waiter
                }
                state.pending.append(pending)
                return nil
            }
            pop?.resume(returning: pending)
        }
    }

    /// Waits for the next job (nil if the caller is cancelled: the worker went away).
    fileprivate func next() async -> Pending? {
        let id = state.withLock { state in
            defer { state.nextPop += 1 }
            return state.nextPop
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Pending?, Never>) in
                let ready: Pending?? = state.withLock { state in
                    if !state.pending.isEmpty { return .some(state.pending.removeFirst()) }
                    if Task.isCancelled { return .some(nil) }
                    state.pops[id] = continuation
                    return .none
                }
                if case .some(let value) = ready { continuation.resume(returning: value) }
            }
        } onCancel: {
            state.withLock { $0.pops.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }

    var registration: Capability { Capability(RegistrationServer(scheduler: self)) }
}

private struct RegistrationServer: Registration.Server {
    let scheduler: FakeScheduler

    func register(
        _ params: Registration.RegisterParams.Reader,
        _ results: Registration.RegisterResults.Builder,
        _ call: ServerCall
    ) async throws {
        let worker = Worker.Client(try call.params.capability(params.worker))
        let name = try params.name
        scheduler.state.withLock { $0.registrations.append((name, params.capacity, worker)) }
        call.results.setCapability(Capability(QueueServer(scheduler: scheduler)), in: results.queue)
    }
}

private struct QueueServer: Queue.Server {
    let scheduler: FakeScheduler

    func pop(_ params: Queue.PopParams.Reader, _ results: Queue.PopResults.Builder, _ call: ServerCall) async throws {
        let job = Job.Client(try call.params.capability(params.job))
        guard let pending = await scheduler.next() else { throw RPCError(.disconnected, "Worker disconnected") }
        pending.fill(results.initDescr())
        pending.deliver(job)
    }

    func setActive(
        _ params: Queue.SetActiveParams.Reader,
        _ results: Queue.SetActiveResults.Builder,
        _ call: ServerCall
    ) async throws {
        scheduler.state.withLock { $0.active.append(params.active) }
    }
}

/// Connects agents to a ``FakeScheduler`` over in-memory links that tests can break.
final class InMemoryConnector: SchedulerConnector {
    let scheduler: FakeScheduler
    private let links = Mutex<[InMemoryTransport]>([])

    init(scheduler: FakeScheduler) {
        self.scheduler = scheduler
    }

    func withSession<R: Sendable>(_ body: (SchedulerSession) async throws -> R) async throws -> R {
        let (workerEnd, schedulerEnd) = InMemoryTransport.pair()
        links.withLock { $0.append(workerEnd) }
        let schedulerSide = RPCConnection(transport: schedulerEnd, bootstrap: scheduler.registration)
        await schedulerSide.start()
        let workerSide = RPCConnection(transport: workerEnd)
        await workerSide.start()
        let registration = Registration.Client(await workerSide.bootstrap())
        let session = SchedulerSession(registration: registration) { await workerSide.closedReason() }
        do {
            let result = try await body(session)
            await workerSide.close()
            await schedulerSide.close()
            return result
        } catch {
            await workerSide.close()
            await schedulerSide.close()
            throw error
        }
    }

    /// Breaks the current link, as a network failure would.
    func breakLink() {
        links.withLock { $0.last }?.breakLink()
    }
}

/// A builder for agent tests: logs a line, then waits until released, cancelled or failed.
final class ScriptedBuilder: JobBuilder {
    enum Ending: Sendable {
        case output(String)
        case failure(WorkerError)
    }

    private let state = Mutex<(started: Int, endings: [Int: Ending], waiters: [Int: CheckedContinuation<Void, Never>])>(
        (0, [:], [:])
    )
    /// When set, jobs end at once with this.
    let immediate: Ending?

    init(immediate: Ending? = nil) {
        self.immediate = immediate
    }

    var started: Int { state.withLock { $0.started } }

    /// Ends job number `index` (0-based, in start order).
    func end(_ index: Int, _ ending: Ending) {
        let waiter = state.withLock { state in
            state.endings[index] = ending
            return state.waiters.removeValue(forKey: index)
        }
        waiter?.resume()
    }

    func build(_ request: JobSpec, in directory: String, log: LogData, cancel: CancelSwitch) async throws -> String {
        let index = state.withLock { state in
            defer { state.started += 1 }
            return state.started
        }
        log.info("scripted job \(index) hint=\(request.cacheHint)")
        var ending = immediate
        if ending == nil {
            let wake: @Sendable () -> Void = { [self] in
                let waiter = state.withLock { $0.waiters.removeValue(forKey: index) }
                waiter?.resume()
            }
            let hook = cancel.onTurnOff(wake)
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.endings[index] != nil || !cancel.isOn { return true }
                    state.waiters[index] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
            cancel.remove(hook)
            ending = state.withLock { $0.endings[index] }
        }
        try cancel.check()
        switch ending {
        case .output(let output): return output
        case .failure(let error): throw error
        case nil: throw WorkerError(.cancelled, "cancelled")
        }
    }
}

extension Job.Client {
    /// Reads the whole log from offset 0 until the end-of-log answer, as ocluster-client does.
    func wholeLog() async throws -> String {
        var text: [UInt8] = []
        var offset: Int64 = 0
        while true {
            let response = try await log(start: offset)
            let bytes = try response.results.log
            if bytes.isEmpty { return String(decoding: text, as: UTF8.self) }
            text += bytes
            offset = response.results.next
        }
    }
}

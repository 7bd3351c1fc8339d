// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import OClusterAPI

/// The `Job` capability a worker hands to `Queue.pop`: clients (through the scheduler) read
/// the log, wait for the result and cancel through it.
public final class JobService: Job.Server {
    /// The job this capability controls.
    public let job: RunningJob

    public init(job: RunningJob) {
        self.job = job
    }

    deinit {
        job.cancel.turnOff()
    }

    /// The scheduler released the job (or its connection dropped): nobody can read the result any
    /// more, so the build stops, even while `result` and `log` calls on it are still pending, as
    /// ocluster's `release` does.
    public func released() {
        job.cancel.turnOff()
    }

    public func log(_ params: Job.LogParams.Reader, _ results: Job.LogResults.Builder, _ call: ServerCall) async throws
    {
        do {
            let (bytes, next) = try await job.log.read(from: params.start)
            results.log = bytes
            results.next = next
        } catch let error as WorkerError {
            throw RPCError(.failed, error.message)
        }
    }

    public func result(
        _ params: Job.ResultParams.Reader,
        _ results: Job.ResultResults.Builder,
        _ call: ServerCall
    ) async throws {
        switch await job.waitForOutcome() {
        case .succeeded(let output): results.output = output
        case .failed(let error): throw error
        }
    }

    public func cancel(
        _ params: Job.CancelParams.Reader,
        _ results: Job.CancelResults.Builder,
        _ call: ServerCall
    ) async throws {
        job.cancel.turnOff()
    }
}

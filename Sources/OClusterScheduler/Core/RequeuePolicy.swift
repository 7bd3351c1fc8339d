// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterAPI

/// Which jobs the scheduler runs again when their worker is lost mid-job, and how many times.
///
/// A job may have side effects a second run repeats. OBuilder jobs and Docker builds without a push only
/// write to the worker's own caches, so they are retried by default; a pushing Docker build, a custom job
/// (whose effects the scheduler cannot know) or a description it cannot read are retried only when
/// ``requeueJobsWithSideEffects`` is set.
public struct RequeuePolicy: Sendable, Hashable {
    /// How many times a job may be started, for pools not in ``maxAttemptsByPool`` (1 fails a job whose
    /// worker is lost, as ocluster does).
    public var maxAttempts: Int
    /// Per-pool overrides of ``maxAttempts``.
    public var maxAttemptsByPool: [String: Int]
    /// Whether jobs with side effects beyond the worker (a push) are retried too.
    public var requeueJobsWithSideEffects: Bool

    /// The defaults: 3 attempts, side-effecting jobs not retried.
    public init(maxAttempts: Int = 3, maxAttemptsByPool: [String: Int] = [:], requeueJobsWithSideEffects: Bool = false)
    {
        self.maxAttempts = maxAttempts
        self.maxAttemptsByPool = maxAttemptsByPool
        self.requeueJobsWithSideEffects = requeueJobsWithSideEffects
    }

    /// ocluster's behaviour: a job whose worker is lost fails.
    public static let never = RequeuePolicy(maxAttempts: 1)

    /// The attempt limit of `pool` (at least 1).
    public func maxAttempts(pool: String) -> Int {
        max(1, maxAttemptsByPool[pool] ?? maxAttempts)
    }

    /// Whether the job may run again after a lost attempt.
    func allowsRetry(of descr: StoredJobDescr) -> Bool {
        requeueJobsWithSideEffects || !Self.hasSideEffects(descr)
    }

    /// Whether the job may change anything outside the worker: a Docker build with a push target, a custom
    /// job, or one that cannot be read.
    static func hasSideEffects(_ descr: StoredJobDescr) -> Bool {
        guard let action = try? descr.reader.action.which else { return true }
        switch action {
        case .obuilder:
            return false
        case .dockerBuild(let build):
            return (try? build.pushTarget.isEmpty) != true
        case .custom, ._unknown:
            return true
        }
    }
}

extension RequeuePolicy {
    /// Reads `--max-attempts`: a number for every pool, `POOL=N` entries for some, or both, comma-separated
    /// (e.g. `3,linux-arm32=1`).
    ///
    /// - Throws: ``SchedulerError`` `.invalidArgument` naming the bad entry.
    public mutating func setMaxAttempts(_ spec: String) throws(SchedulerError) {
        for entry in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let count = Int(parts[parts.count - 1]), count >= 1,
                parts.count == 1 || !parts[0].isEmpty
            else {
                throw SchedulerError(
                    .invalidArgument,
                    "--max-attempts: \(ocamlQuoted(String(entry))) is not N or POOL=N with N >= 1"
                )
            }
            if parts.count == 1 {
                maxAttempts = count
            } else {
                maxAttemptsByPool[String(parts[0])] = count
            }
        }
    }
}

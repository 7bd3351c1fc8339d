// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Where a ``Build`` is in its life.
public enum BuildState: Sendable, Hashable {
    /// Waiting for a connection to the scheduler.
    case connecting
    /// Waiting for a slot under ``Connection/maxPipeline``.
    case rateLimited
    /// Submitted; the scheduler has not answered yet.
    case submitted
    /// Queued at the scheduler, waiting for a worker.
    case queued
    /// A worker is running it (its log is arriving).
    case running
    /// Finished: the result is known.
    case finished
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProtoRPC
import OClusterAPI

/// A worker's pending `Queue.pop`, registered in the same synchronous step that found the queue empty, so
/// that a job submitted before the worker first awaits still reaches it.
struct PopWaiter {
    /// Settled once: with the answer, or with `.cancelled` when the worker gave up first.
    let answer: PromiseCell<PopAnswer>
    let job: Capability
    let worker: WorkerID
}

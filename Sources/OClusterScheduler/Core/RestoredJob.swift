// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC

/// A job queued again after a restart and held until its client reattaches, or the result kept of one that
/// finished before the restart.
struct RestoredJob: Sendable {
    let item: SchedulerItem
    /// The client that submitted it: only that client may reattach.
    let client: String
    /// The result, if the job finished (it is then in no queue).
    var result: Result<String, RPCError>? = nil
}

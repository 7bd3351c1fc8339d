// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A job queued again after a restart and held until its client reattaches.
struct RestoredJob: Sendable {
    let item: SchedulerItem
    /// The client that submitted it: only that client may reattach.
    let client: String
}

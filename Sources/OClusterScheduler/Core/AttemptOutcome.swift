// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC

/// What became of a job when one of its attempts ended, and so of its row in the saved queue.
enum AttemptOutcome: Sendable {
    /// Queued again for another attempt: the row stays.
    case requeued
    /// Finished, and its client still holds it: the row keeps the result until the client lets go.
    case finished(Result<String, RPCError>)
    /// Nobody waits for it any more (or its worker was lost and it is not retried): the row goes.
    case gone
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What a worker's pending `Queue.pop` is answered with.
enum PopAnswer: Sendable {
    case job(StoredJobDescr)
    case disconnected
    case cancelled
}

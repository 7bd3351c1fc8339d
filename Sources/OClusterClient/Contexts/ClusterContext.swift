// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoNetwork

/// A named cluster to talk to (as docker's and envd's contexts): a copy of a `.cap` file and,
/// optionally, the pool to submit to by default.
public struct ClusterContext: Sendable, Hashable {
    /// The context's name.
    public var name: String
    /// Where the copy of the capability is.
    public var capFile: String
    /// The pool `--pool` defaults to, if any.
    public var pool: String?
}

extension ClusterContext {
    /// The address the capability names (`tcp:HOST:PORT`), or `nil` if the copy is unreadable.
    public var address: String? { (try? Connection.load(capFile))?.address.description }
}

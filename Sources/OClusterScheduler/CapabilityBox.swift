// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import Synchronization

/// Holds a capability until it is taken once, so that a task can use it without keeping it alive.
final class CapabilityBox: Sendable {
    private let value: Mutex<Capability?>

    init(_ capability: Capability) { value = Mutex(capability) }

    func take() -> Capability? { value.withLock { $0.take() } }
}

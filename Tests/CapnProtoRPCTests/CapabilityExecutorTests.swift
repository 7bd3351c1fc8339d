// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoTestSupport
import Testing

@testable import CapnProtoRPC

/// A local capability's call executor is made on first use and is then always the same one,
/// from any number of threads at once (E-order depends on it).
@Suite struct CapabilityExecutorTests {
    @Test func aLocalCapabilityHasOneExecutorMadeOnDemand() async {
        let capability = Capability(CounterServer(start: 0, live: LiveCount()))
        let seen = await withTaskGroup(of: ObjectIdentifier?.self) { group in
            for _ in 0..<64 { group.addTask { capability.executor.map(ObjectIdentifier.init) } }
            var seen: Set<ObjectIdentifier?> = []
            for await identity in group { seen.insert(identity) }
            return seen
        }
        #expect(seen.count == 1)
        #expect(seen.first.map { $0 != nil } == true)
        #expect(capability.executor.map(ObjectIdentifier.init) == seen.first ?? nil)
    }

    @Test func otherCapabilitiesHaveNone() {
        #expect(Capability.broken(RPCError(.failed, "gone")).executor == nil)
    }
}

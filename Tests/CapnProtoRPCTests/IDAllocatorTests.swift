// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Testing

@testable import CapnProtoRPC

@Suite("ID allocator")
struct IDAllocatorTests {
    @Test("hands out the smallest free id, like C++ capnp")
    func smallestFirst() {
        var ids = IDAllocator()
        let first = (0..<6).map { _ in ids.allocate() }
        #expect(first == [0, 1, 2, 3, 4, 5])
        for id: UInt32 in [4, 1, 3] { ids.release(id) }
        #expect(ids.inUse == 3)
        #expect([ids.allocate(), ids.allocate(), ids.allocate(), ids.allocate()] == [1, 3, 4, 6])
    }

    @Test("many releases in any order come back sorted")
    func manyReleases() {
        var ids = IDAllocator()
        let count = 50_000
        for _ in 0..<count { _ = ids.allocate() }
        // A fixed permutation (multiplier coprime to the count) so the order is scrambled.
        for index in 0..<count { ids.release(UInt32((index * 7919) % count)) }
        #expect(ids.inUse == 0)
        let again = (0..<count).map { _ in ids.allocate() }
        #expect(again == (0..<count).map { UInt32($0) })
        #expect(ids.allocate() == UInt32(count))
    }
}

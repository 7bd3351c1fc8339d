// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoCodeGen
import Testing

@Suite struct MalformedRequestTests {
    /// Bytes that are not a framed message at all are rejected with an error, not a crash.
    @Test(
        arguments: [
            [],
            [0x00],
            [0xFF, 0xFF, 0xFF, 0xFF],
            Array("this is not a capnp message".utf8),
            [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00],
            [0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        ] as [[UInt8]]
    )
    func garbageThrows(bytes: [UInt8]) {
        #expect(throws: (any Error).self) { try RequestDecoder.decode(frame: bytes) }
    }

    /// Every truncation of a real request fails cleanly.
    @Test func truncatedRequestsThrow() throws {
        let frame = try Golden.all[1].requestBytes()
        for length in stride(from: 0, to: frame.count, by: 97) {
            #expect(throws: (any Error).self) { try RequestDecoder.decode(frame: Array(frame.prefix(length))) }
        }
    }

    /// Random corruption of a real request never crashes the decoder or the generator: each
    /// either throws or produces some output.
    @Test func corruptedRequestsDoNotCrash() throws {
        let frame = try Golden.all[0].requestBytes()
        var generator = SplitMix64(seed: 0x5EED)
        var failures = 0
        for _ in 0..<300 {
            var bytes = frame
            for _ in 0..<4 {
                let at = 8 + Int(generator.next() % UInt64(bytes.count - 8))
                bytes[at] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
            do {
                let request = try RequestDecoder.decode(frame: bytes)
                _ = try SwiftGenerator(request: request).generate()
            } catch {
                failures += 1
                #expect(!String(describing: error).isEmpty)
            }
        }
        #expect(failures > 0)
    }

    /// A type tag no schema has is reported as a malformed request.
    @Test func unknownTypeTag() throws {
        let message = MessageBuilder()
        let request = message.initRoot(CodeGeneratorRequest.Builder.self)
        let node = request.initNodes(count: 1)[0]
        node.id = 0x1234
        node.displayName = "x.capnp:Bad"
        let fields = node.initStruct().initFields(count: 1)
        fields[0].name = "field"
        fields[0].initSlot().initType()._builder.write(UInt16(99), at: 0)
        let error = try #require(throws: CodeGenError.self) {
            try RequestDecoder.decode(frame: message.serialize())
        }
        #expect(error.code == .malformedRequest)
        #expect(error.description == "capnpc-swift: unknown type tag 99")
    }

    /// A requested file missing from the nodes, or a field whose type is missing, is an error
    /// naming the id.
    @Test func danglingReferences() throws {
        let message = MessageBuilder()
        let request = message.initRoot(CodeGeneratorRequest.Builder.self)
        let nodes = request.initNodes(count: 2)
        nodes[0].id = 0xAAAA
        nodes[0].displayName = "x.capnp"
        nodes[0].setFile()
        let nested = nodes[0].initNestedNodes(count: 1)
        nested[0].name = "S"
        nested[0].id = 0xBBBB
        nodes[1].id = 0xBBBB
        nodes[1].displayName = "x.capnp:S"
        nodes[1].displayNamePrefixLength = 8
        nodes[1].scopeId = 0xAAAA
        let info = nodes[1].initStruct()
        info.dataWordCount = 0
        info.pointerCount = 1
        let fields = info.initFields(count: 1)
        fields[0].name = "other"
        fields[0].discriminantValue = 0xFFFF
        fields[0].initSlot().initType().initStruct().typeId = 0xCCCC
        let files = request.initRequestedFiles(count: 1)
        files[0].id = 0xAAAA
        files[0].filename = "x.capnp"

        let decoded = try RequestDecoder.decode(frame: message.serialize())
        #expect(decoded.nodes.count == 2)
        let error = try #require(throws: CodeGenError.self) {
            try SwiftGenerator(request: decoded).generate()
        }
        #expect(error.code == .unknownNode)
        #expect(error.description.contains("0xcccc"))
    }

    /// An empty request (a valid message with nothing in it) generates nothing.
    @Test func emptyRequest() throws {
        let message = MessageBuilder()
        _ = message.initRoot(CodeGeneratorRequest.Builder.self)
        let request = try RequestDecoder.decode(frame: message.serialize())
        #expect(request.nodes.isEmpty && request.requestedFiles.isEmpty)
        #expect(try SwiftGenerator(request: request).generate().isEmpty)
    }
}

/// A small deterministic generator, so corrupted inputs are the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

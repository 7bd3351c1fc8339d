// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoCodeGen
import Foundation
import Testing

/// The repository root: this file is `Tests/CapnProtoCodeGenTests/GoldenTests.swift`.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A committed CodeGeneratorRequest (made by scripts/make-codegen-fixtures.sh) and the committed
/// file scripts/generate.sh made from the same schema.
struct Golden: Sendable, CustomTestStringConvertible {
    let request: String
    let generated: String
    var testDescription: String { request }

    static let all = [
        Golden(request: "test", generated: "Tests/CapnProtoConformanceTests/Generated/test.capnp.swift"),
        Golden(request: "ocluster", generated: "Sources/OClusterAPI/Generated/ocluster.capnp.swift"),
        Golden(request: "capnp-schema", generated: "Sources/CapnProtoCodeGen/Generated/capnp-schema.capnp.swift"),
    ]

    func requestBytes() throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(request).request", withExtension: "bin"))
        return [UInt8](try Data(contentsOf: url))
    }

    func expected() throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent(generated), encoding: .utf8)
    }
}

@Suite struct GoldenTests {
    /// The generator's output is byte for byte the committed file.
    @Test(arguments: Golden.all)
    func generatesCommittedFile(_ golden: Golden) throws {
        let request = try RequestDecoder.decode(frame: golden.requestBytes())
        let files = try SwiftGenerator(request: request).generate()
        #expect(files.count == 1)
        let file = try #require(files.first)
        #expect(file.name == URL(fileURLWithPath: golden.generated).lastPathComponent)
        let expected = try golden.expected()
        #expect(file.contents == expected)
        if file.contents != expected {
            let produced = file.contents.split(separator: "\n", omittingEmptySubsequences: false)
            let committed = expected.split(separator: "\n", omittingEmptySubsequences: false)
            if let line = zip(produced, committed).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("first difference at line \(line + 1):\n- \(committed[line])\n+ \(produced[line])")
            }
        }
    }

    /// The fixtures describe the schemas as they are today (so they cannot silently go stale):
    /// a fresh `capnp compile` request generates the same Swift as the fixture. (The bytes
    /// themselves also record the capnp version, so they are not compared.)
    @Test(arguments: Golden.all)
    func fixtureIsCurrent(_ golden: Golden) throws {
        let schema = golden.request == "test" ? "schema/test/test.capnp" : "schema/\(golden.request).capnp"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["capnp", "compile", "-I", "schema", "-o-", schema]
        process.currentDirectoryURL = repositoryRoot
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("codegen-\(UUID().uuidString)")
        try Data().write(to: output)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        #expect(process.terminationStatus == 0)
        let fresh = try RequestDecoder.decode(frame: [UInt8](try Data(contentsOf: output)))
        let committed = try RequestDecoder.decode(frame: golden.requestBytes())
        let freshFiles = try SwiftGenerator(request: fresh).generate()
        let committedFiles = try SwiftGenerator(request: committed).generate()
        #expect(freshFiles.map(\.name) == committedFiles.map(\.name))
        #expect(freshFiles.map(\.contents) == committedFiles.map(\.contents), "run scripts/make-codegen-fixtures.sh")
    }

    /// The decoded model holds what the schema declares.
    @Test func decodedModel() throws {
        let request = try RequestDecoder.decode(frame: Golden.all[0].requestBytes())
        #expect(request.requestedFiles.map(\.filename) == ["schema/test/test.capnp"])
        let file = try #require(request.nodes[request.requestedFiles[0].id])
        #expect(file.nestedNodes.map(\.name).prefix(4) == ["testNote", "TestEnum", "TestSmall", "TestEmpty"])
        let small = try #require(request.nodes[0x83a5_5e39_15b9_a2f6])
        #expect(small.shortName == "TestSmall")
        guard case .structure(let info) = small.kind else {
            Issue.record("TestSmall is not a struct")
            return
        }
        #expect(info.dataWordCount == 1 && info.pointerCount == 2 && !info.isGroup)
        #expect(info.fields.map(\.name) == ["a", "b", "c"])
        #expect(request.docs[small.id]?.comment.hasPrefix("A small struct") == true)
    }
}

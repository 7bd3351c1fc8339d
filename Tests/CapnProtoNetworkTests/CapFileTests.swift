// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import Foundation
import TestSupport
import Testing

@Suite struct CapFileTests {
    static let ref = SturdyRef(
        address: .tcp(host: "127.0.0.1", port: 9000),
        authentication: .insecure,
        serviceID: ServiceID(public: "main")
    )

    @Test func savedFileIsTheURIAndOneNewlineWithMode0600() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/admin.cap"
            try CapFile.save(Self.ref, to: path)
            let content = try String(contentsOfFile: path, encoding: .utf8)
            #expect(content == "capnp://insecure@127.0.0.1:9000/bWFpbg\n")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try CapFile.load(from: path) == Self.ref)
        }
    }

    @Test func saveTruncatesAndTightensAnExistingFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/pool-linux.cap"
            try String(repeating: "x", count: 500).write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try CapFile.save(Self.ref, to: path)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.ref.uri + "\n")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }

    @Test func loadTrimsWhitespaceLikeOCaml() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/hand.cap"
            try "  \(Self.ref.uri)\r\n\n".write(toFile: path, atomically: false, encoding: .utf8)
            #expect(try CapFile.load(from: path) == Self.ref)
        }
    }

    @Test func missingOrBadFilesGiveClearErrors() async throws {
        try await withTemporaryDirectory { directory in
            #expect(throws: NetworkError(.fileSystem, "")) { try CapFile.load(from: directory + "/missing.cap") }
            let path = directory + "/bad.cap"
            try "http://example.com\n".write(toFile: path, atomically: false, encoding: .utf8)
            let error = #expect(throws: NetworkError.self) { try CapFile.load(from: path) }
            #expect(error?.code == .invalidSturdyRef)
            #expect(error?.message.contains(path) == true)
        }
    }

    @Test func resolveTakesAURIOrAPath() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/submission.cap"
            try CapFile.save(Self.ref, to: path)
            #expect(try CapFile.resolve(path) == Self.ref)
            #expect(try CapFile.resolve(Self.ref.uri) == Self.ref)
            #expect(throws: NetworkError(.invalidSturdyRef, "")) { try CapFile.resolve(directory + "/nope.cap") }
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoCodeGen
import Foundation
import Testing

/// A generated `Server` has no default methods, so an implementation that misspells or forgets one
/// does not compile; only one that adopts `PartialServer` gets the defaults that answer
/// `unimplemented`. Checked on the generated text: the defaults exist, and only in the opt-in.
@Suite struct ServerProtocolTests {
    /// The generated Swift for the test schema (interfaces with inheritance and capability parameters).
    static func generated(_ request: String) throws -> String {
        let golden = try #require(Golden.all.first { $0.request == request })
        let decoded = try RequestDecoder.decode(frame: golden.requestBytes())
        return try #require(try SwiftGenerator(request: decoded).generate().first).contents
    }

    /// The body of the file-scope `header { … }` block, or nil when there is none.
    static func block(_ header: String, in source: String) -> String? {
        guard let start = source.range(of: "\n" + header + " {\n") else { return nil }
        guard let end = source[start.upperBound...].range(of: "\n}\n") else { return nil }
        return String(source[start.upperBound..<end.lowerBound])
    }

    @Test func serverMethodsHaveNoDefault() throws {
        let source = try Self.generated("test")
        let server = try #require(Self.block("extension TestInterface.Server", in: source))
        // Only the routing is provided for every server; no schema method is.
        #expect(server.contains("public func dispatch(_ call: ServerCall)"))
        for method in ["foo", "bar", "getSmall", "echo", "noted"] {
            #expect(!server.contains("public func \(method)("), "\(method) has a default outside PartialServer")
        }
        let partial = try #require(Self.block("extension TestInterface.PartialServer", in: source))
        for method in ["foo", "bar", "getSmall", "echo", "noted"] {
            #expect(partial.contains("public func \(method)("))
        }
        #expect(partial.components(separatedBy: "throw call.unimplemented()").count == 6)
    }

    /// A partial server of a derived interface gets the defaults of the inherited methods too.
    @Test func partialServerInheritsTheOptIn() throws {
        let source = try Self.generated("test")
        #expect(source.contains("public protocol PartialServer: Server, TestInterface.PartialServer {}"))
        #expect(source.contains("public protocol Server: TestInterface.Server {"))
        let partial = try #require(Self.block("extension TestExtended.PartialServer", in: source))
        #expect(partial.contains("public func baz("))
        #expect(!partial.contains("public func foo("))
    }

    /// A capability field has a typed accessor that looks it up in the payload's table.
    @Test func capabilityFieldsHaveTypedAccessors() throws {
        let source = try Self.generated("test")
        #expect(
            source.contains(
                "public func cap(in payload: RPCPayload) throws -> TestInterface.Client? { try payload.optionalCapability(cap).map(TestInterface.Client.init) }"
            )
        )
        let ocluster = try Self.generated("ocluster")
        #expect(ocluster.contains("public func job(in payload: RPCPayload) throws -> Job.Client?"))
        #expect(ocluster.contains("public func worker(in payload: RPCPayload) throws -> Worker.Client?"))
    }
}

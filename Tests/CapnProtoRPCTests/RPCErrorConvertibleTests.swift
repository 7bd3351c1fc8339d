// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import CapnProtoTestSupport
import Testing

/// An error that picks its own exception kind.
private struct BusyError: Error, RPCErrorConvertible {
    var rpcError: RPCError { RPCError(.overloaded, "busy, try later") }
}

/// The codes of a coded error that takes the default: `failed` with its message.
private enum RefusedCode: RPCErrorCode {
    case refused

    static func describe(_ error: CodedError<Self>) -> String { "RefusedError: \(error.message)" }
}

private typealias RefusedError = CodedError<RefusedCode>

/// The codes of a coded error whose domain chooses another exception than `failed`.
private enum SaturatedCode: RPCErrorCode {
    case saturated

    static func rpcError(for error: CodedError<Self>) -> RPCError { RPCError(.overloaded, error.message) }
}

/// A plain error: `failed` with its description.
private struct PlainError: Error, CustomStringConvertible {
    var description: String { "plain failure" }
}

/// Throws, from `fail`, the error its message names.
private final class ThrowingService: TestService.PartialServer {
    func fail(
        _ params: TestService.FailParams.Reader,
        _ results: TestService.FailResults.Builder,
        _ call: ServerCall
    )
        async throws
    {
        switch try params.message {
        case "busy": throw BusyError()
        case "refused": throw RefusedError(.refused, "No such pool")
        default: throw PlainError()
        }
    }
}

/// A thrown error becomes an exception in one place, the engine's, as the error chooses.
@Suite struct RPCErrorConvertibleTests {
    @Test(arguments: [
        ("busy", RPCError(.overloaded, "busy, try later")),
        ("refused", RPCError(.failed, "No such pool")),
        ("plain", RPCError(.failed, "plain failure")),
    ])
    func serverErrorReachesThePeerAsItChooses(message: String, expected: RPCError) async throws {
        let (left, right) = InMemoryTransport.pair()
        let server = RPCConnection(transport: right, bootstrap: Capability(ThrowingService()))
        let client = RPCConnection(transport: left)
        await server.start()
        await client.start()
        let service = TestService.Client(await client.bootstrap())
        await #expect(throws: expected) { try await service.fail(message: message) }
        // In-process calls take the same path.
        let local = TestService.client(ThrowingService())
        await #expect(throws: expected) { try await local.fail(message: message) }
        await client.close()
        await server.close()
    }

    @Test func conversionIsTheEnginesOne() {
        #expect(RPCError.from(BusyError()) == RPCError(.overloaded, "busy, try later"))
        #expect(RPCError.from(RefusedError(.refused, "No such pool")) == RPCError(.failed, "No such pool"))
        #expect(
            RPCError.from(CodedError<SaturatedCode>(.saturated, "queue full")) == RPCError(.overloaded, "queue full")
        )
        #expect(RPCError.from(RPCError(.disconnected, "gone")) == RPCError(.disconnected, "gone"))
        #expect(RPCError.from(PlainError()) == RPCError(.failed, "plain failure"))
    }
}

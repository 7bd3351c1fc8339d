// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A typed call in flight, as generated client methods return it.
public struct PendingCall<Results: StructReaderView>: Sendable {
    /// The untyped call.
    public let call: RPCCall

    public init(_ call: RPCCall) { self.call = call }

    /// Waits for the results.
    nonisolated(nonsending) public func response() async throws -> Response<Results> {
        let payload = try await call.response()
        return Response(results: try payload.content(as: Results.self), payload: payload)
    }

    /// Waits for the results, or throws `CancellationError` once the waiting task is cancelled (see
    /// ``RPCCall/responseUnlessCancelled()``).
    nonisolated(nonsending) public func responseUnlessCancelled() async throws -> Response<Results> {
        let payload = try await call.responseUnlessCancelled()
        return Response(results: try payload.content(as: Results.self), payload: payload)
    }

    /// A capability in the results, by pointer-field path, usable before they arrive.
    public func pipeline(_ path: UInt16...) -> Capability { call.pipeline(path) }
}

/// Typed results together with the capabilities they carry.
public struct Response<Results: StructReaderView>: Sendable {
    /// The result struct.
    public let results: Results
    /// The whole payload, capability table included.
    public let payload: RPCPayload

    /// The capability a result field holds.
    public func capability(_ pointer: AnyPointerReader) throws -> Capability { try payload.capability(pointer) }
}

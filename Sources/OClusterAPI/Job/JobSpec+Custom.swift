// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

extension JobSpec {
    /// A custom job: a kind, and a payload of any Cap'n Proto type that only workers of that kind
    /// understand.
    public struct Custom: Sendable, Hashable {
        /// Which kind of custom job this is.
        public var kind: String
        /// The payload, kept as a message of its own; `nil` when there is none.
        public var payload: Payload?

        /// A custom job.
        public init(kind: String, payload: Payload? = nil) {
            self.kind = kind
            self.payload = payload
        }
    }

    /// A custom job's payload: a copy of whatever the pointer held, as one framed message whose
    /// root is the payload. Two payloads are equal when their copies are byte for byte the same.
    public struct Payload: Sendable, Hashable {
        /// The framed message.
        public let frame: [UInt8]

        /// Copies what `pointer` points to (a struct, list or text; capabilities cannot be kept).
        ///
        /// - Throws: `CapnProtoError` when the payload is malformed.
        public init(copying pointer: AnyPointerReader) throws {
            let message = MessageBuilder()
            try message.rootPointer.set(pointer)
            frame = message.serialize()
        }

        /// Builds a payload with `build`, which fills in the root pointer.
        public init(building build: (AnyPointerBuilder) throws -> Void) rethrows {
            let message = MessageBuilder()
            try build(message.rootPointer)
            frame = message.serialize()
        }

        /// The payload, read in place.
        ///
        /// - Throws: `CapnProtoError` if the frame is not a message (it always is when made here).
        public func reader() throws -> AnyPointerReader {
            try Framing.decode(frame).rootPointer()
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The one error type of the serialization core.
///
/// Every malformed message, hostile pointer or exhausted limit surfaces as a `CapnProtoError`
/// with a stable ``CapnProtoErrorCode`` (for programs) and a message (for people). Equality looks at the code
/// only, so tests can match on the kind of failure without pinning its wording.
public typealias CapnProtoError = CodedError<CapnProtoErrorCode>

/// A kind of ``CapnProtoError``. A struct over a private enum so new kinds are not a breaking change.
public struct CapnProtoErrorCode: ErrorCode, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
        case truncatedFrame
        case tooManySegments
        case segmentTooLarge
        case pointerOutOfBounds
        case unexpectedPointerType
        case traversalLimitExceeded
        case nestingLimitExceeded
        case invalidText
        case invalidList
        case invalidFarPointer
        case invalidPacking
        case messageTooLarge
        case invalidSchema
    }
    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// The segment table or a segment ends before the input does.
    public static let truncatedFrame = Self(.truncatedFrame)
    /// The segment table declares more segments than the reader allows.
    public static let tooManySegments = Self(.tooManySegments)
    /// A segment (or the whole message) is larger than the reader allows.
    public static let segmentTooLarge = Self(.segmentTooLarge)
    /// A pointer's target lies outside its segment.
    public static let pointerOutOfBounds = Self(.pointerOutOfBounds)
    /// A pointer is of another kind than the schema expects (e.g. a list where a struct is due).
    public static let unexpectedPointerType = Self(.unexpectedPointerType)
    /// The message asks to read more words than the traversal limit permits.
    public static let traversalLimitExceeded = Self(.traversalLimitExceeded)
    /// Pointers nest deeper than the nesting limit permits.
    public static let nestingLimitExceeded = Self(.nestingLimitExceeded)
    /// A text blob is not NUL-terminated.
    public static let invalidText = Self(.invalidText)
    /// A list's element size or tag does not fit what is read from it.
    public static let invalidList = Self(.invalidList)
    /// A far pointer names a missing segment or a malformed landing pad.
    public static let invalidFarPointer = Self(.invalidFarPointer)
    /// Packed input ends in the middle of a word or run.
    public static let invalidPacking = Self(.invalidPacking)
    /// A value to be written does not fit the encoding (e.g. a list over 2^29 elements).
    public static let messageTooLarge = Self(.messageTooLarge)
    /// A schema (e.g. a CodeGeneratorRequest) is inconsistent.
    public static let invalidSchema = Self(.invalidSchema)

    public var description: String { "\(wrapped)" }

    /// `CapnProtoError.CODE: MESSAGE`: the kind named, as these errors surface far from the reader.
    public static func describe(_ error: CapnProtoError) -> String { "CapnProtoError.\(error.code): \(error.message)" }
}

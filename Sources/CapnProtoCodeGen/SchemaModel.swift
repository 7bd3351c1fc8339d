// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// The parts of a CodeGeneratorRequest the generator uses, decoded into plain Swift values so
/// generation is independent of how the request was read.
public struct SchemaRequest: Sendable {
    public var nodes: [UInt64: SchemaNode]
    public var requestedFiles: [RequestedFile]
    /// Doc comments by node id: the node's own, then one per member (field, enumerant, method).
    public var docs: [UInt64: NodeDocs]

    public struct RequestedFile: Sendable {
        public var id: UInt64
        public var filename: String
    }

    public struct NodeDocs: Sendable {
        public var comment: String
        public var members: [String]
    }
}

/// One declaration: a file, struct, group, enum, interface, constant or annotation.
public struct SchemaNode: Sendable {
    public var id: UInt64
    public var displayName: String
    public var displayNamePrefixLength: Int
    public var scopeId: UInt64
    public var nestedNodes: [(name: String, id: UInt64)]
    public var kind: Kind

    /// The node's own name (the part of the display name after its scope).
    public var shortName: String { String(displayName.utf8.dropFirst(displayNamePrefixLength)) ?? displayName }

    public enum Kind: Sendable {
        case file
        case structure(StructInfo)
        case enumeration([SchemaEnumerant])
        case interface([SchemaMethod], superclasses: [UInt64])
        case constant(SchemaType, SchemaValue)
        case annotation
    }
}

public struct StructInfo: Sendable {
    public var dataWordCount: Int
    public var pointerCount: Int
    public var isGroup: Bool
    public var discriminantCount: Int
    /// In units of 16 bits.
    public var discriminantOffset: Int
    public var fields: [SchemaField]
}

public struct SchemaField: Sendable {
    public var name: String
    public var codeOrder: Int
    /// 0xFFFF when the field is not a union member.
    public var discriminantValue: UInt16
    public var kind: Kind
    /// Index in the struct's field list (matches the doc comment list).
    public var index: Int

    public enum Kind: Sendable {
        /// Stored at `offset` (in units of the type's size; pointers count pointers).
        case slot(offset: Int, type: SchemaType, defaultValue: SchemaValue)
        case group(typeId: UInt64)
    }

    public static let noDiscriminant: UInt16 = 0xFFFF
    public var isUnionMember: Bool { discriminantValue != Self.noDiscriminant }
}

public struct SchemaEnumerant: Sendable {
    public var name: String
    public var codeOrder: Int
    public var index: Int
}

public struct SchemaMethod: Sendable {
    public var name: String
    public var codeOrder: Int
    public var index: Int
    public var paramStructType: UInt64
    public var resultStructType: UInt64
}

/// A field or constant type.
public indirect enum SchemaType: Sendable {
    case void, bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64
    case text, data
    case list(SchemaType)
    case enumeration(UInt64)
    case structure(UInt64)
    case interface(UInt64)
    case anyPointer

    public var isPointer: Bool {
        switch self {
        case .text, .data, .list, .structure, .interface, .anyPointer: true
        default: false
        }
    }
}

/// A default value or constant.
public enum SchemaValue: Sendable {
    case none
    case bool(Bool)
    /// Integers and floats as their raw little-endian bit pattern.
    case bits(UInt64)
    case enumerant(UInt16)
    case text(String)
    case data([UInt8])
    /// A struct, list or AnyPointer value, as a message of its own.
    case pointer(segments: [[UInt64]])
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// Visits everything reachable from a pointer, the way a generic consumer (a pretty-printer,
/// a deep copy) would, and stops at the first error.
enum MessageWalker {
    /// Walks `pointer` and returns how many objects it visited.
    @discardableResult
    static func walk(_ pointer: AnyPointerReader) throws -> Int {
        switch pointer.kind {
        case .null:
            return 0
        case .capability:
            _ = try pointer.readCapability()
            return 1
        case .structure:
            return try walk(try pointer.readStruct()) + 1
        case .list:
            let list = try pointer.readList(expecting: .void)
            var visited = 1
            switch list.elementSize {
            case .pointer, .composite:
                for index in 0..<list.count { visited += try walk(list.structElement(index)) }
            case .bit:
                for index in 0..<list.count { _ = list.readBool(at: index) }
            default:
                for index in 0..<list.count { _ = list.read(UInt8.self, at: index) }
            }
            return visited
        case .other:
            // A pointer that does not resolve, or of the reserved kind: let readStruct say why.
            _ = try pointer.readStruct()
            return 1
        }
    }

    /// Walks every pointer of `reader`.
    static func walk(_ reader: StructReader) throws -> Int {
        var visited = 0
        for index in 0..<reader.pointerSectionCount { visited += try walk(reader.pointer(index)) }
        return visited
    }
}

extension MessageWalker {
    /// A canonical description of everything reachable from `pointer`, to compare a copy with
    /// its source.
    static func digest(_ pointer: AnyPointerReader) throws -> String {
        switch pointer.kind {
        case .null:
            return "null"
        case .capability:
            return "cap(\(try pointer.readCapability() ?? 0))"
        case .structure:
            return try digest(try pointer.readStruct())
        case .list:
            let list = try pointer.readList(expecting: .void)
            let elements: [String] = try (0..<list.count).map { index in
                switch list.elementSize {
                case .void: "void"
                case .bit: list.readBool(at: index) ? "1" : "0"
                case .byte: "\(list.read(UInt8.self, at: index))"
                case .twoBytes: "\(list.read(UInt16.self, at: index))"
                case .fourBytes: "\(list.read(UInt32.self, at: index))"
                case .eightBytes: "\(list.read(UInt64.self, at: index))"
                case .pointer, .composite: try digest(list.structElement(index))
                }
            }
            return "\(list.elementSize)[\(elements.joined(separator: ","))]"
        case .other:
            _ = try pointer.readStruct()
            return "other"
        }
    }

    static func digest(_ reader: StructReader) throws -> String {
        let data = (0..<reader.dataWordCount).map { String(reader.read(UInt64.self, at: $0), radix: 16) }
        let pointers = try (0..<reader.pointerSectionCount).map { try digest(reader.pointer($0)) }
        return "(\(data.joined(separator: " ")); \(pointers.joined(separator: ", ")))"
    }
}

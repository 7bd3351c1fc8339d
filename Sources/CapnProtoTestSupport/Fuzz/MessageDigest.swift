// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A canonical byte string for everything reachable from a pointer: the decoder fuzzer's oracle
/// that a deep copy holds exactly what its source held.
enum MessageDigest {
    static func digest(_ pointer: AnyPointerReader, into out: inout [UInt8]) throws {
        switch pointer.kind {
        case .null:
            out.append(0)
        case .capability:
            out.append(1)
            append(UInt64(try pointer.readCapability() ?? 0), to: &out)
        case .structure:
            out.append(2)
            try digest(try pointer.readStruct(), into: &out)
        case .list:
            let list = try pointer.readList(expecting: .void)
            out.append(3)
            out.append(list.elementSize.rawValue)
            append(UInt64(list.count), to: &out)
            for index in 0..<list.count {
                switch list.elementSize {
                case .void: ()
                case .bit: out.append(list.readBool(at: index) ? 1 : 0)
                case .byte: out.append(list.read(UInt8.self, at: index))
                case .twoBytes: append(UInt64(list.read(UInt16.self, at: index)), to: &out)
                case .fourBytes: append(UInt64(list.read(UInt32.self, at: index)), to: &out)
                case .eightBytes: append(list.read(UInt64.self, at: index), to: &out)
                case .pointer, .composite: try digest(list.structElement(index), into: &out)
                }
            }
        case .other:
            _ = try pointer.readStruct()
            out.append(4)
        }
    }

    static func digest(_ reader: StructReader, into out: inout [UInt8]) throws {
        append(UInt64(reader.dataWordCount), to: &out)
        for index in 0..<reader.dataWordCount { append(reader.read(UInt64.self, at: index), to: &out) }
        append(UInt64(reader.pointerSectionCount), to: &out)
        for index in 0..<reader.pointerSectionCount { try digest(reader.pointer(index), into: &out) }
    }

    static func append(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}

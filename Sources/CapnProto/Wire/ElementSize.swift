// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The element size code carried in a list pointer (bits 32–34).
public enum ElementSize: UInt8, Sendable, CaseIterable {
    case void = 0
    case bit = 1
    case byte = 2
    case twoBytes = 3
    case fourBytes = 4
    case eightBytes = 5
    case pointer = 6
    case composite = 7

    /// Bits one element takes in the list body (composite lists are measured from their tag).
    @inlinable
    public var bitsPerElement: Int {
        switch self {
        case .void: 0
        case .bit: 1
        case .byte: 8
        case .twoBytes: 16
        case .fourBytes: 32
        case .eightBytes, .pointer: 64
        case .composite: 0
        }
    }

    /// The size code for a primitive of `bytes` bytes.
    @inlinable
    public static func forBytes(_ bytes: Int) -> ElementSize {
        switch bytes {
        case 0: .void
        case 1: .byte
        case 2: .twoBytes
        case 4: .fourBytes
        default: .eightBytes
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Cuts a byte stream into lines as it arrives.
///
/// Lines are handed on without their newline. A line longer than ``maximumLineLength`` bytes is
/// handed on in pieces of that length, so a child that never writes a newline cannot grow the
/// buffer without bound.
public struct LineSplitter: Sendable {
    public static let maximumLineLength = 65536

    private var pending: [UInt8] = []

    public init() {}

    /// Adds `bytes`, calling `emit` for each line they complete.
    public mutating func append(_ bytes: some Sequence<UInt8>, _ emit: (String) -> Void) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                emit(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count >= Self.maximumLineLength {
                    emit(String(decoding: pending, as: UTF8.self))
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    /// Hands on a last line that had no newline, if there is one.
    public mutating func finish(_ emit: (String) -> Void) {
        guard !pending.isEmpty else { return }
        emit(String(decoding: pending, as: UTF8.self))
        pending.removeAll()
    }
}

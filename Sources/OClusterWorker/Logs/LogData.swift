// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import Synchronization

/// The log of one job: an append-only byte buffer that any number of readers follow, from any
/// offset, while the job writes to it.
///
/// This is what `Job.log(start)` serves, with ocluster's `Log_data` semantics:
/// - a read returns at most ``maximumChunk`` bytes from `start`, and `next = start + count`;
/// - a negative `start` counts back from the current end (clamped at 0);
/// - a read at the end of an open log waits until something is written or the log is closed;
/// - a read at the end of a closed log returns no bytes and `next = start`, which is how
///   clients know the log is complete;
/// - a `start` past the end is an error.
///
/// Writes are synchronous, so lines written one after another by one task appear in that order.
public final class LogData: Sendable {
    /// The most bytes one read returns (ocluster's `max_chunk_size`).
    public static let maximumChunk: Int64 = 10240

    private struct State {
        var bytes: [UInt8] = []
        var closed = false
        var waitingReaders = 0
    }

    private enum Step {
        case ready(bytes: [UInt8], next: Int64)
        case wait
    }

    private let state = Mutex(State())
    /// Notified after each write that adds bytes, and on close.
    private let changes = ChangeSignal()

    /// Creates an empty, open log.
    public init() {}

    /// Appends `bytes` and wakes waiting readers. Writes after ``close()`` are dropped: a
    /// subprocess may still flush output after its job ended, and that must not fail anything.
    public func write(_ bytes: some Sequence<UInt8>) {
        let grew: Bool = state.withLock { state in
            guard !state.closed else { return false }
            let before = state.bytes.count
            state.bytes.append(contentsOf: bytes)
            return state.bytes.count != before
        }
        if grew { changes.notify() }
    }

    /// Appends `text` as UTF-8.
    public func write(_ text: String) { write(Array(text.utf8)) }

    /// Appends `line` and a newline (ocluster's `Log_data.info`).
    public func info(_ line: String) { write(line + "\n") }

    /// Marks the end of the log; readers at the end get the end-of-log answer. Idempotent.
    public func close() {
        let closedNow: Bool = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if closedNow { changes.notify() }
    }

    /// How many ``read(from:)`` calls are waiting for more data now (tests await a waiting reader
    /// instead of guessing when it started waiting).
    public var waitingReaders: Int { state.withLock { $0.waitingReaders } }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Everything written so far.
    public var contents: [UInt8] { state.withLock { $0.bytes } }

    /// Everything written so far, decoded as UTF-8 (invalid bytes replaced).
    public var text: String { String(decoding: contents, as: UTF8.self) }

    /// Reads from `start`, waiting while the log is open and has nothing new.
    ///
    /// - Parameter start: the byte offset; negative counts back from the end.
    /// - Returns: up to ``maximumChunk`` bytes and the offset of the next read; no bytes (and
    ///   `next == start`) once the log is closed and fully read.
    /// - Throws: ``WorkerErrorCode/logOutOfRange`` when `start` is past the end, and
    ///   `CancellationError` when the calling task is cancelled while waiting.
    public func read(from start: Int64) async throws -> (bytes: [UInt8], next: Int64) {
        while true {
            try Task.checkCancellation()
            // Read before the state: a write after this moves it, so the wait below cannot miss it.
            let seen = changes.version
            let step: Step = try state.withLock { state in
                let length = Int64(state.bytes.count)
                let from = start < 0 ? max(0, length + start) : start
                let available = length - from
                guard available >= 0 else {
                    throw WorkerError(.logOutOfRange, "Start value out of range!")
                }
                if available == 0 {
                    if state.closed { return .ready(bytes: [], next: from) }
                    state.waitingReaders += 1
                    return .wait
                }
                let count = min(available, Self.maximumChunk)
                let slice = state.bytes[Int(from)..<Int(from + count)]
                return .ready(bytes: Array(slice), next: from + count)
            }
            switch step {
            case .ready(let bytes, let next): return (bytes, next)
            case .wait:
                await changes.wait(after: seen)
                state.withLock { $0.waitingReaders -= 1 }
            }
        }
    }
}

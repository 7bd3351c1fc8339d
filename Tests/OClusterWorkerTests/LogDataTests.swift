// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import OClusterWorker
import TestSupport
import Testing

@Suite("LogData: the buffer behind Job.log")
struct LogDataTests {
    @Test("Reads return what was written, from any offset, in chunks of at most 10240 bytes")
    func offsetsAndChunks() async throws {
        let log = LogData()
        log.write("hello ")
        log.info("world")
        #expect(try await log.read(from: 0) == (Array("hello world\n".utf8), 12))
        #expect(try await log.read(from: 6) == (Array("world\n".utf8), 12))
        #expect(try await log.read(from: -6) == (Array("world\n".utf8), 12))
        #expect(try await log.read(from: -100) == (Array("hello world\n".utf8), 12), "clamped at 0")
        let big = LogData()
        big.write([UInt8](repeating: 65, count: 25000))
        let first = try await big.read(from: 0)
        #expect(first.bytes.count == 10240 && first.next == 10240)
        let third = try await big.read(from: 20480)
        #expect(third.bytes.count == 4520 && third.next == 25000)
    }

    @Test("A read past the end is an error")
    func outOfRange() async throws {
        let log = LogData()
        log.write("abc")
        let error = await #expect(throws: WorkerError(.logOutOfRange, "")) { try await log.read(from: 4) }
        #expect(error?.message == "Start value out of range!")
    }

    @Test("A read at the end waits for more data, and gets EOF (empty, next = start) once closed")
    func waitsThenEOF() async throws {
        let log = LogData()
        log.write("first\n")
        async let waiting = log.read(from: 6)
        try await waitUntil("the reader waits") { log.waitingReaders == 1 }
        log.write("second\n")
        #expect(try await waiting == (Array("second\n".utf8), 13))

        async let atEnd = log.read(from: 13)
        try await waitUntil("the reader waits at the end") { log.waitingReaders == 1 }
        log.close()
        #expect(try await atEnd == ([], 13))
        #expect(try await log.read(from: 13) == ([], 13))
        #expect(try await log.read(from: 0) == (Array("first\nsecond\n".utf8), 13), "still readable after close")
        log.write("ignored")
        #expect(log.text == "first\nsecond\n", "writes after close are dropped")
    }

    @Test("A waiting reader is released when its task is cancelled")
    func cancelledReader() async throws {
        let log = LogData()
        let reader = Task { try await log.read(from: 0) }
        try await waitUntil("the reader waits") { log.waitingReaders == 1 }
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        #expect(log.waitingReaders == 0)
    }

    @Test("Many readers following the log see every byte in order")
    func followers() async throws {
        let log = LogData()
        let expected = (0..<200).map { "line \($0)\n" }.joined()
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var text = [UInt8]()
                    var offset: Int64 = 0
                    while true {
                        let (bytes, next) = try await log.read(from: offset)
                        if bytes.isEmpty { break }
                        text += bytes
                        offset = next
                    }
                    return String(decoding: text, as: UTF8.self)
                }
            }
            for line in 0..<200 {
                log.write("line \(line)\n")
                // Let the followers catch up and wait at the end now and then, so that both reading
                // paths (data ready, waiting for more) are exercised.
                if line % 50 == 0 { try await waitUntil("the followers wait") { log.waitingReaders == 4 } }
            }
            log.close()
            for try await text in group { #expect(text == expected) }
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The loop that serves one child from a thread of its own: feeds its input, copies its
/// outputs, notices its exit, then reaps it. Blocks in `poll`.
struct Pump: Sendable {
    let child: ChildProcess
    let readers: [(fd: Int32, sink: DescriptorPlan.Sink, isError: Bool)]
    let input: (fd: Int32, bytes: [UInt8])?

    private struct Reader {
        let fd: Int32
        let sink: DescriptorPlan.Sink
        let isError: Bool
        var lines = LineSplitter()
        var collected: [UInt8] = []
    }

    func run() {
        var open = readers.map { Reader(fd: $0.fd, sink: $0.sink, isError: $0.isError) }
        var done: [Reader] = []
        var input = self.input
        var inputOffset = 0
        var watchingExit = child.pidfd >= 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty || input != nil {
            var polls = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if let input { polls.append(pollfd(fd: input.fd, events: Int16(POLLOUT), revents: 0)) }
            if watchingExit { polls.append(pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0)) }
            if poll(&polls, nfds_t(polls.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in polls where entry.revents != 0 {
                if watchingExit, entry.fd == child.pidfd {
                    watchingExit = false
                    child.markExited()
                } else if let feeding = input, entry.fd == feeding.fd {
                    if feed(feeding, offset: &inputOffset) {
                        close(feeding.fd)
                        input = nil
                    }
                } else if let index = open.firstIndex(where: { $0.fd == entry.fd }) {
                    if !drain(&open[index], buffer: &buffer) {
                        close(open[index].fd)
                        finish(&open[index])
                        done.append(open.remove(at: index))
                    }
                }
            }
        }
        for index in open.indices {
            close(open[index].fd)
            finish(&open[index])
        }
        if let input { close(input.fd) }
        let all = done + open
        child.reap(
            output: all.first { !$0.isError }?.collected ?? [],
            error: all.first { $0.isError }?.collected ?? []
        )
    }

    /// Writes what it can of the input without blocking; returns whether it is finished (all
    /// written, or the child no longer reads).
    private func feed(_ input: (fd: Int32, bytes: [UInt8]), offset: inout Int) -> Bool {
        while offset < input.bytes.count {
            let sent = input.bytes.withUnsafeBytes {
                send(input.fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EINTR {
                continue
            } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return false
            } else {
                return true
            }
        }
        return true
    }

    /// Reads one chunk; returns false at end-of-file (or on an error, which ends the stream too).
    private func drain(_ reader: inout Reader, buffer: inout [UInt8]) -> Bool {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(reader.fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN { return true }
            guard count > 0 else { return false }
            let chunk = buffer[0..<count]
            switch reader.sink {
            case .collect: reader.collected.append(contentsOf: chunk)
            case .chunks(let body): body(Array(chunk))
            case .lines(let body): reader.lines.append(chunk, body)
            }
            return true
        }
    }

    private func finish(_ reader: inout Reader) {
        if case .lines(let body) = reader.sink { reader.lines.finish(body) }
    }
}

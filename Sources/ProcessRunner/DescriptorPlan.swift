// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The descriptors one child is started with: what becomes its 0, 1 and 2, which ends the
/// parent keeps, and which it must close once the child has its copies.
///
/// Every descriptor the child is given is first duplicated (close-on-exec) to a number of 3 or
/// more, so that setting up one of 0, 1 and 2 can never overwrite the source of another.
struct DescriptorPlan {
    enum Source {
        /// Leave this process's descriptor as it is.
        case keep
        /// Open a path in the child.
        case open(String, Int32)
        /// Duplicate this (parent) descriptor.
        case descriptor(Int32)
        /// Duplicate the child's own descriptor (`2>&1`).
        case sameAs(Int32)
    }

    /// What the pump does with the bytes read from one of the child's outputs.
    enum Sink: Sendable {
        case collect
        case chunks(@Sendable ([UInt8]) -> Void)
        case lines(@Sendable (String) -> Void)
    }

    private(set) var sources: [(Int32, Source)] = []
    /// Read ends of the child's output pipes, and whether each is standard error.
    private(set) var readers: [(fd: Int32, sink: Sink, isError: Bool)] = []
    /// Our end of the child's input socket and the bytes to feed it.
    private(set) var inputBytes: (fd: Int32, bytes: [UInt8])?
    /// Our end of the child's input socket and the function that writes to it.
    private(set) var writer: (Int32, @Sendable (Int32) -> Void)?
    private var childEnds: [Int32] = []

    mutating func input(_ input: Command.Input) throws(ProcessError) {
        switch input {
        case .none:
            sources.append((0, .open("/dev/null", O_RDONLY)))
        case .inherit:
            sources.append((0, .keep))
        case .file(let path):
            sources.append((0, .open(path, O_RDONLY)))
        case .fileDescriptor(let fd):
            sources.append((0, .descriptor(try childCopy(of: fd))))
        case .bytes(let bytes):
            let (ours, theirs) = try SystemCalls.socketPair()
            childEnds.append(theirs)
            sources.append((0, .descriptor(theirs)))
            if bytes.isEmpty {
                close(ours)
            } else {
                SystemCalls.setNonBlocking(ours)
                inputBytes = (ours, bytes)
            }
        case .writer(let body):
            let (ours, theirs) = try SystemCalls.socketPair()
            childEnds.append(theirs)
            sources.append((0, .descriptor(theirs)))
            writer = (ours, body)
        }
    }

    mutating func output(_ output: ChildProcess.Output, to target: Int32) throws(ProcessError) {
        switch output {
        case .discard:
            sources.append((target, .open("/dev/null", O_WRONLY)))
        case .inherit:
            sources.append((target, .keep))
        case .fileDescriptor(let fd):
            sources.append((target, .descriptor(try childCopy(of: fd))))
        case .sameAsStandardOutput:
            sources.append((target, .sameAs(1)))
        case .collect:
            try pipe(to: target, sink: .collect)
        case .chunks(let body):
            try pipe(to: target, sink: .chunks(body))
        case .lines(let body):
            try pipe(to: target, sink: .lines(body))
        }
    }

    private mutating func pipe(to target: Int32, sink: Sink) throws(ProcessError) {
        let (read, write) = try SystemCalls.pipe()
        readers.append((read, sink, target == 2))
        childEnds.append(write)
        sources.append((target, .descriptor(write)))
    }

    /// A copy of a caller's descriptor numbered 3 or more (our own pipes and sockets already are,
    /// unless this process runs with 0, 1 or 2 closed; they are copied too if so).
    private mutating func childCopy(of fd: Int32) throws(ProcessError) -> Int32 {
        let copy = try SystemCalls.duplicate(fd, atLeast: 3)
        childEnds.append(copy)
        return copy
    }

    /// Makes sure no descriptor the child is given is below 3.
    mutating func raiseLowDescriptors() throws(ProcessError) {
        for index in sources.indices {
            guard case .descriptor(let fd) = sources[index].1, fd < 3 else { continue }
            let copy = try SystemCalls.duplicate(fd, atLeast: 3)
            childEnds.append(copy)
            sources[index].1 = .descriptor(copy)
        }
    }

    /// Closes the child's ends in this process (after the spawn, or after a failure).
    mutating func closeChildEnds() {
        for fd in childEnds { close(fd) }
        childEnds = []
    }

    /// Closes the ends this process would have kept (after a failure).
    mutating func closeParentEnds() {
        for reader in readers { close(reader.fd) }
        readers = []
        if let input = inputBytes { close(input.fd) }
        inputBytes = nil
        if let (fd, _) = writer { close(fd) }
        writer = nil
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The system calls the runner needs beyond what the C library module imports.
///
/// Glibc declares `pipe2`, `posix_spawn_file_actions_addchdir_np` (2.29),
/// `posix_spawn_file_actions_addclosefrom_np` (2.34) and `pidfd_open` (2.36) only under
/// `_GNU_SOURCE`, so Swift does not see them. The two newest are looked up at run time, so a
/// binary built here still starts on an older C library (it then does without them).
enum SystemCalls {
    static func errorText(_ number: Int32 = errno) -> String {
        guard let text = strerror(number) else { return "error \(number)" }
        return String(cString: text)
    }

    /// A pipe whose two ends are close-on-exec from the start: set later, a child spawned by
    /// another thread in between would inherit them (and keep the pipe open).
    static func pipe() throws(ProcessError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard systemPipe2(&fds, O_CLOEXEC) == 0 else {
            let number = errno
            throw ProcessError(.systemCall, "pipe2: \(errorText(number))", errorNumber: number)
        }
        return (fds[0], fds[1])
    }

    /// A connected pair of close-on-exec Unix stream sockets: (ours, the child's).
    static func socketPair() throws(ProcessError) -> (ours: Int32, theirs: Int32) {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else {
            let number = errno
            throw ProcessError(.systemCall, "socketpair: \(errorText(number))", errorNumber: number)
        }
        return (fds[0], fds[1])
    }

    /// A close-on-exec copy of `fd` numbered at least `minimum`.
    static func duplicate(_ fd: Int32, atLeast minimum: Int32) throws(ProcessError) -> Int32 {
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, minimum)
        guard copy >= 0 else {
            let number = errno
            throw ProcessError(
                .systemCall,
                "cannot duplicate descriptor \(fd): \(errorText(number))",
                errorNumber: number
            )
        }
        return copy
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np`, if the C library has it.
    static let addCloseFrom: AddCloseFrom? = lookUp("posix_spawn_file_actions_addclosefrom_np")
    /// `pidfd_open`, if the C library has it (the kernel may still refuse it: check for -1).
    static let pidfdOpen: PidfdOpen? = lookUp("pidfd_open")

    private static func lookUp<F>(_ name: String) -> F? {
        // RTLD_DEFAULT is the null handle on Linux.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: F.self)
    }
}

@_silgen_name("pipe2")
private func systemPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

@_silgen_name("posix_spawn_file_actions_addchdir_np")
func systemSpawnAddChdir(
    _ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>,
    _ path: UnsafePointer<CChar>
) -> Int32

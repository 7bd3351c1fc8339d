// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation

extension AdminSession {
    /// `exec POOL CMD…`: runs CMD once per known worker, all at once, with every argument that is
    /// exactly `{}` replaced by the worker's name; fails if any run fails.
    ///
    /// The command is looked up on `PATH` and gets this process's standard output and error. A
    /// command that cannot be run counts as exit code 127, as with a shell or ocluster's `execvp`,
    /// with nothing printed for it.
    ///
    /// - Throws: ``OClusterClientError/Code/command`` with ocluster's message
    ///   (`Sub-process failed with exit code 1`).
    public func exec(pool: String, command: [String]) async throws(OClusterClientError) {
        let poolAdmin = await self.pool(pool)
        let names = try await workers(of: poolAdmin).map(\.name)
        try await forEach(names) { (name: String) async throws(OClusterClientError) in
            let arguments = command.map { $0 == "{}" ? name : $0 }
            try await CommandRunner.run(arguments).check()
        }
    }
}

/// How a command run by `exec` ended.
enum CommandStatus: Equatable {
    case exited(Int32)
    case signalled(Int32)

    /// ocluster's `check_exit_status`: fine for exit 0, else the failure it prints. Signal
    /// numbers are OCaml's own (negative for the signals OCaml knows).
    func check() throws(OClusterClientError) {
        switch self {
        case .exited(0): return
        case .exited(let code):
            throw OClusterClientError(.command, "Sub-process failed with exit code \(code)")
        case .signalled(let signal):
            throw OClusterClientError(.command, "Sub-process failed with signal \(OCamlSignal.number(signal))")
        }
    }
}

/// Runs a command found on `PATH` and waits for it.
enum CommandRunner {
    static func run(_ arguments: [String]) async -> CommandStatus {
        guard let program = arguments.first, let executable = lookUp(program) else { return .exited(127) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { process in
                continuation.resume(
                    returning: process.terminationReason == .uncaughtSignal
                        ? .signalled(process.terminationStatus) : .exited(process.terminationStatus)
                )
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(returning: .exited(127))
            }
        }
    }

    /// `execvp`'s search: a name with a `/` as is, else the first executable file on `PATH`.
    static func lookUp(_ program: String) -> String? {
        let isExecutable = { (path: String) in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && FileManager.default.isExecutableFile(atPath: path)
        }
        if program.contains("/") { return isExecutable(program) ? program : nil }
        guard !program.isEmpty else { return nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }
}

/// OCaml's numbering of signals (`Sys.sigkill` is -7), as `Unix.WSIGNALED` reports them.
enum OCamlSignal {
    /// OCaml's number for the system signal `signal`; signals OCaml has no name for keep theirs.
    static func number(_ signal: Int32) -> Int32 {
        guard let index = known.firstIndex(of: signal) else { return signal }
        return -Int32(index + 1)
    }

    /// In OCaml's order: `Sys.sigabrt` (-1) to `Sys.sigxfsz` (-28).
    private static let known: [Int32] = [
        SIGABRT, SIGALRM, SIGFPE, SIGHUP, SIGILL, SIGINT, SIGKILL, SIGPIPE, SIGQUIT, SIGSEGV, SIGTERM, SIGUSR1,
        SIGUSR2, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGVTALRM, SIGPROF, SIGBUS, SIGPOLL, SIGSYS,
        SIGTRAP, SIGURG, SIGXCPU, SIGXFSZ,
    ]
}

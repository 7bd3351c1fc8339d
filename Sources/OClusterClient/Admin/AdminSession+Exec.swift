// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import ProcessRunner

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AdminSession {
    /// `exec POOL CMD…`: runs CMD once per known worker, all at once, with every argument that is
    /// exactly `{}` replaced by the worker's name; fails if any run fails.
    ///
    /// The command is looked up on `PATH` and gets this process's standard input, output and
    /// error. A command that cannot be run counts as exit code 127, as with ocluster's `execvp`,
    /// with nothing printed for it.
    ///
    /// - Throws: ``OClusterClientErrorCode/command`` with ocluster's message
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

extension Termination {
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

/// Runs a command found on `PATH` and waits for it, on this terminal (its input, output and
/// process group), as ocluster's `Lwt_process.exec` does.
enum CommandRunner {
    static func run(_ arguments: [String]) async -> Termination {
        guard let program = arguments.first, !program.isEmpty else { return .exited(127) }
        let command = Command(
            label: program,
            arguments,
            environment: .inherited(adding: [:]),
            standardInput: .inherit,
            newProcessGroup: false
        )
        do {
            // Like the other workers' runs, this one goes on if a sibling fails.
            let outcome = try await ChildProcess.run(
                command,
                standardOutput: .inherit,
                standardError: .inherit,
                onCancel: .ignore
            )
            return outcome.termination
        } catch {
            // A program that cannot be run ends as a shell or execvp's child does, silently.
            return .exited(127)
        }
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

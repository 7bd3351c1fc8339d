// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension ChildProcess {
    /// Starts `command`.
    ///
    /// - Parameters:
    ///   - command: what to run.
    ///   - standardOutput: where the child's standard output goes.
    ///   - standardError: where its standard error goes (``Output/sameAsStandardOutput`` merges
    ///     the two).
    /// - Throws: ``ProcessError/Code/invalidCommand`` for an empty command line (or
    ///   ``Output/sameAsStandardOutput`` given for standard output),
    ///   ``ProcessError/Code/spawnFailed`` if the program cannot be run, and
    ///   ``ProcessError/Code/systemCall`` if its descriptors cannot be made.
    public static func start(
        _ command: Command,
        standardOutput: Output = .discard,
        standardError: Output = .discard
    ) throws(ProcessError) -> ChildProcess {
        guard let program = command.arguments.first, !program.isEmpty else {
            throw ProcessError(.invalidCommand, "\(command.label): empty command line")
        }
        if case .sameAsStandardOutput = standardOutput {
            throw ProcessError(.invalidCommand, "\(command.label): standard output cannot go to itself")
        }
        var plan = DescriptorPlan()
        defer { plan.closeChildEnds() }
        do throws(ProcessError) {
            try plan.input(command.standardInput)
            try plan.output(standardOutput, to: 1)
            try plan.output(standardError, to: 2)
            try plan.raiseLowDescriptors()
        } catch {
            plan.closeParentEnds()
            throw error
        }
        let pid: pid_t
        do throws(ProcessError) {
            pid = try spawn(command, program: program, plan: plan)
        } catch {
            plan.closeParentEnds()
            throw error
        }
        // pidfd_open's descriptor is close-on-exec. Taken before the child can be reaped, so it
        // cannot name another process.
        let pidfd = SystemCalls.pidfdOpen.map { $0(pid, 0) } ?? -1
        let child = ChildProcess(pid: pid, pidfd: pidfd, command: command)
        if let (socket, writer) = plan.writer {
            BlockingThread.detach {
                writer(socket)
                close(socket)
            }
        }
        let pump = Pump(child: child, readers: plan.readers, input: plan.inputBytes)
        BlockingThread.detach { pump.run() }
        return child
    }

    private static func spawn(_ command: Command, program: String, plan: DescriptorPlan) throws(ProcessError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in plan.sources {
            switch source {
            case .keep:
                break
            case .open(let path, let flags):
                posix_spawn_file_actions_addopen(&actions, target, path, flags, 0)
            case .descriptor(let fd):
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .sameAs(let other):
                posix_spawn_file_actions_adddup2(&actions, other, target)
            }
        }
        if let directory = command.workingDirectory { _ = systemSpawnAddChdir(&actions, directory) }
        // Last, so that it also closes the copies the actions above read from.
        if let addCloseFrom = SystemCalls.addCloseFrom { _ = addCloseFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // Every signal back to its default, whatever this process ignores (SIGPIPE, say).
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if command.newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var pid: pid_t = 0
        let status = withCStrings(command.arguments) { argv in
            withCStrings(environment(command.environment)) { envp in
                if program.contains("/") {
                    posix_spawn(&pid, program, &actions, &attributes, argv, envp)
                } else {
                    posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
                }
            }
        }
        guard status == 0 else {
            throw ProcessError(
                .spawnFailed,
                "cannot run \"\(program)\": \(SystemCalls.errorText(status))",
                errorNumber: status
            )
        }
        return pid
    }

    /// The child's `NAME=VALUE` entries, sorted by name.
    static func environment(_ environment: Command.Environment) -> [String] {
        switch environment {
        case .exactly(let entries):
            return entries
        case .inherited(let added):
            var merged: [String: String] = [:]
            var entry = environ
            while let pointer = entry.pointee {
                let text = String(cString: pointer)
                if let equals = text.firstIndex(of: "=") {
                    let name = String(text[..<equals])
                    if merged[name] == nil { merged[name] = String(text[text.index(after: equals)...]) }
                }
                entry += 1
            }
            merged.merge(added) { _, new in new }
            return merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        }
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

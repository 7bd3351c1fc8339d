// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Runs one command of a build in isolation, on a root file system the store prepared
/// (OBuilder's `SANDBOX`).
///
/// ``RuncSandbox`` runs on a directory any directory-based store prepared; ``DockerSandbox``
/// runs on the images of a ``DockerSnapshotBackend`` store, whose `rootfs` names an image.
/// ``OBuilderBuilder`` works with either.
public protocol Sandbox: Sendable {
    /// Runs `config` with `rootfs` as the root file system.
    ///
    /// - Parameters:
    ///   - config: the command, its user, environment, working directory, network and mounts.
    ///   - rootfs: the root file system; what the command writes there is the step's result.
    ///   - stdin: if given, called on a thread of its own with a socket connected to the
    ///     command's standard input; it should write what it wants and return (the socket is then
    ///     closed).
    ///   - output: called with each line the command writes to standard output or standard
    ///     error (one stream, in the order written), from any thread.
    /// - Returns: the command's exit status (128 + the signal number if a signal killed it).
    /// - Throws: ``OBuilderError/Code/cancelled`` if the task was cancelled (nothing of the
    ///   command is left running), or ``OBuilderError/Code/sandbox`` if it could not be run.
    func run(
        _ config: SandboxConfig,
        rootfs: String,
        stdin: (@Sendable (Int32) -> Void)?,
        output: @escaping @Sendable (String) -> Void
    ) async throws(OBuilderError) -> Int32
}

extension Sandbox {
    /// Runs `config` with nothing on its standard input; see ``run(_:rootfs:stdin:output:)``.
    public func run(
        _ config: SandboxConfig,
        rootfs: String,
        output: @escaping @Sendable (String) -> Void
    ) async throws(OBuilderError) -> Int32 {
        try await run(config, rootfs: rootfs, stdin: nil, output: output)
    }
}

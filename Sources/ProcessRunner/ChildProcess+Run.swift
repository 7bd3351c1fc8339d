// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

extension ChildProcess {
    /// Starts `command` and waits until it has ended (see ``start(_:standardOutput:standardError:)``
    /// and ``finish(onCancel:)``).
    ///
    /// - Returns: how it ended, and what it wrote where that was ``Output/collect``ed.
    /// - Throws: a ``ProcessError`` if it could not be started. Its exit status is not checked.
    public static func run(
        _ command: Command,
        standardOutput: Output = .discard,
        standardError: Output = .discard,
        onCancel: Cancellation = .kill
    ) async throws(ProcessError) -> Outcome {
        let child = try start(command, standardOutput: standardOutput, standardError: standardError)
        return await child.finish(onCancel: onCancel)
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ProcessRunner

/// Runs the registry tools (`skopeo`, `umoci`, `docker`) for a fetch: their output goes to the
/// build log as it comes (the fetch's progress) and its last lines into the error if they fail.
/// The environment is inherited, so `HOME`, `DOCKER_CONFIG`, `REGISTRY_AUTH_FILE` and proxy
/// settings reach them. Cancelling the task kills the tool.
enum FetchCommand {
    struct Result {
        var status: Int32
        /// Standard output, when collected.
        var output: [UInt8]
        /// The last lines of the log output.
        var tail: [String]

        /// The tool's own explanation: the last line, with logrus' `msg="…"` unwrapped.
        var reason: String {
            guard var line = tail.last(where: { !$0.isEmpty }) else { return "exit status \(status)" }
            if let start = line.firstRange(of: "msg=\"") {
                line = String(line[start.upperBound...])
                if line.hasSuffix("\"") { line.removeLast() }
                line = line.split(separator: "\\\"", omittingEmptySubsequences: false).joined(separator: "\"")
            }
            // skopeo words every lookup failure as a parse error of the name, which it is not.
            if line.hasPrefix("Error parsing image name \""), let end = line.firstRange(of: "\": ") {
                line = String(line[end.upperBound...])
            }
            return line
        }
    }

    /// Runs `arguments`, logging standard error (and standard output unless `collectOutput`).
    static func run(
        _ arguments: [String],
        collectOutput: Bool = false,
        onCancel: ChildProcess.Cancellation = .kill,
        environment: [String: String] = [:],
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError) -> Result {
        let tail = LineTail(log: log)
        let command = Command(label: arguments.first ?? "", arguments, environment: .inherited(adding: environment))
        let outcome: ChildProcess.Outcome
        do {
            outcome = try await ChildProcess.run(
                command,
                standardOutput: collectOutput ? .collect : .lines { tail.add($0) },
                standardError: .lines { tail.add($0) },
                onCancel: onCancel
            )
        } catch {
            throw OBuilderError(.imageFetch, "cannot run \(arguments.first ?? ""): \(error.message)", cause: error)
        }
        if Task.isCancelled, onCancel == .kill { throw OBuilderError(.cancelled, "cancelled") }
        return Result(status: outcome.termination.shellStatus, output: outcome.standardOutput, tail: tail.lines)
    }
}

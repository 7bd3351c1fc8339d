// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProtoRPC
import OClusterAPI

extension JobHandle {
    /// What `ocluster-client submit-*` does with a submitted job: prints `Tailing log:`, copies
    /// the log to standard output as it comes, then prints `Result: "…"` for a non-empty output,
    /// or the failure (`Failed: Build failed.`) on standard output.
    ///
    /// - Throws: ``OClusterClientError/Code/log`` (`Error tailing logs: …`) when the log cannot be
    ///   read, ``OClusterClientError/Code/reported`` when the job failed.
    public func follow(printingTo output: CommandOutput) async throws(OClusterClientError) {
        // Asked for before the log, as ocluster does, so the answer is on its way meanwhile.
        async let result = job.result()
        output.out("Tailing log:")
        do {
            for try await chunk in log { output.writeOut(chunk) }
        } catch {
            throw OClusterClientError(
                .log,
                "Error tailing logs: \(RPCError.from(error).ocamlDescription)",
                cause: error
            )
        }
        let text: String
        do {
            text = try await result.results.output
        } catch {
            output.out("\(RPCError.from(error).ocamlDescription).")
            throw .reported(cause: error)
        }
        if !text.isEmpty { output.out("Result: \(ocamlQuoted(text))") }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import CapnProtoNetwork
import CapnProtoRPC
import Dispatch
import Foundation
import OClusterAPI
import OClusterCLISupport

/// Submits the job, streams its log to standard output and exits as ocluster's client does:
/// `Result: "…"` for a non-empty result, the error and status 1 for a failed job.
func submit(_ action: JobRequest.Action, options: SubmitOptions) async throws {
    let request = JobRequest(
        action: action,
        cacheHint: options.cacheHint,
        repository: options.repository,
        commits: options.commits,
        secrets: try options.readSecrets()
    )
    do {
        try request.validate()
    } catch let invalid as JobRequest.Invalid {
        throw ValidationError(invalid.description)
    }
    let capFile = try options.capFile()
    options.logging.bootstrap()

    let vat = Vat()
    let submission = Submission.Client(try await vat.connect(capFile: capFile))
    let submitted = await SubmittedJob.submit(to: submission, pool: options.pool, urgent: options.urgent) {
        request.write(to: $0)
    }
    let interrupt = cancelOnInterrupt(submitted)
    defer { interrupt.cancel() }

    let result = Task { try await submitted.job.result() }
    // Unbuffered, like the log itself, so the two keep their order on a pipe.
    FileHandle.standardOutput.write(Data("Tailing log:\n".utf8))
    do {
        for try await chunk in submitted.job.logChunks() {
            FileHandle.standardOutput.write(Data(chunk))
        }
        let output = try await result.value.results.output
        if !output.isEmpty { FileHandle.standardOutput.write(Data("Result: \(ocamlQuoted(output))\n".utf8)) }
    } catch {
        let message = (error as? RPCError)?.reason ?? "\(error)"
        FileHandle.standardError.write(Data("\(message).\n".utf8))
        throw ExitCode(1)
    }
}

/// On Ctrl-C, asks the cluster to cancel the job (the log then ends with the cancellation).
private func cancelOnInterrupt(_ submitted: SubmittedJob) -> any DispatchSourceSignal {
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT)
    source.setEventHandler {
        FileHandle.standardError.write(Data("Cancelling job...\n".utf8))
        Task {
            _ = try? await submitted.ticket.cancel()
            _ = try? await submitted.job.cancel()
        }
    }
    source.resume()
    return source
}

/// A string as OCaml's `%S` prints it.
func ocamlQuoted(_ text: String) -> String {
    var out = "\""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""): out += "\\\""
        case UInt8(ascii: "\\"): out += "\\\\"
        case UInt8(ascii: "\n"): out += "\\n"
        case UInt8(ascii: "\t"): out += "\\t"
        case UInt8(ascii: "\r"): out += "\\r"
        case 0x08: out += "\\b"
        case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(byte))
        default: out += "\\" + String(format: "%03d", Int(byte))
        }
    }
    return out + "\""
}

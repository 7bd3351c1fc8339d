// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Dispatch
import Foundation
import OClusterAPI
import OClusterCLISupport
import OClusterClient

/// Connects, reads the job's files (after connecting, as ocluster does), submits the job and
/// follows it to the end; Ctrl-C asks the cluster to cancel it.
func submitAndFollow(
    _ options: SubmitOptions,
    _ checked: (capFile: String, pool: String, secrets: [(id: String, path: String)]),
    source: JobSpec.Source?,
    action: () throws -> JobSpec.Action
) async throws {
    options.logging.bootstrap()
    let connection = try Connection(capFile: checked.capFile)
    let progress = ConnectProgress.commandLine(options.logging.effectiveVerbosity)
    try await connection.withService(progress: progress) { service in
        let spec = JobSpec(
            action: try action(),
            cacheHint: options.cacheHint,
            source: source,
            secrets: try checked.secrets.map { JobSpec.Secret(id: $0.id, value: try readWholeFile($0.path)) }
        )
        // Our scheduler keeps queued jobs across a restart and saves tickets: then a lost connection
        // reattaches. ocluster's answers `unimplemented`, and the client fails with the connection, as
        // ocluster's does.
        let (job, saved) = try await connection.submitSaved(
            spec,
            pool: checked.pool,
            urgent: options.urgent,
            through: service
        ) {
            CommandOutput.standard.err(
                "Lost the connection to the build cluster before the job was saved; submitting it again"
            )
        }
        let interrupt = cancelOnInterrupt(job)
        defer { interrupt.cancel() }
        try await job.follow(printingTo: .standard, waiting: progress) {
            guard let saved else { return nil }
            return await connection.reattach(ticket: saved)
        }
    }
}

/// On Ctrl-C, asks the cluster to cancel the job (the log then ends with the cancellation).
private func cancelOnInterrupt(_ job: JobHandle) -> any DispatchSourceSignal {
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT)
    source.setEventHandler {
        CommandOutput.standard.err("Cancelling job...")
        Task { await job.cancel() }
    }
    source.resume()
    return source
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import Logging
import OClusterAPI
import ProcessRunner

extension DockerBuilder {
    /// Tags `imageID` as `target` and pushes it, with a private docker config directory (so
    /// credentials never touch the worker's own), retrying failed pushes.
    ///
    /// - Returns: the pushed image's `repo@sha256:…` (for `docker manifest`).
    /// - Throws: ``WorkerErrorCode/pushRefused`` unless the repository is in
    ///   ``DockerConfiguration/allowPush``; `commandFailed` for a failed login, tag or push.
    public func push(
        _ imageID: String,
        to target: JobSpec.ImageID,
        credentials: JobSpec.Credentials?,
        log: LogData,
        cancel: CancelSwitch
    ) async throws -> String {
        let user = credentials.map { " as user \"\($0.user)\"" } ?? ""
        log.info("Pushing \"\(imageID)\" to \"\(target)\"\(user)")
        Self.logger.info("Pushing \"\(imageID)\" to \"\(target)\"\(user)")
        // `docker push` needs a local tag first, before we know whether the user may push
        // there, so only listed repositories are allowed at all.
        guard configuration.allowPush.contains(target.repository) else {
            throw WorkerError(
                .pushRefused,
                "To allow pushing to this repository, start the worker with --allow-push \"\(target.repository)\""
            )
        }
        return try await Self.pushLock.withLock {
            let configDirectory = try TemporaryFiles.makeDirectory(suffix: "-docker")
            defer { TemporaryFiles.remove(configDirectory) }
            let docker = { (label: String, arguments: [String], stdin: [UInt8]) in
                configuration.command(label, ["--config", configDirectory] + arguments, stdin: stdin)
            }
            if let credentials {
                // ocluster logs in to Docker Hub only; naming the target's registry (when it has
                // one) lets credentials work with other registries too.
                let login = docker(
                    "docker-login",
                    ["login", "--password-stdin", "--username", credentials.user]
                        + (target.registry.map { [$0] } ?? []),
                    Array(credentials.password.utf8)
                )
                guard try await ChildProcess.run(login, log: log, cancel: cancel) == .exited(0) else {
                    throw WorkerError(.commandFailed, "Failed to docker-login as \"\(credentials.user)\"")
                }
            }
            try await ChildProcess.check(
                docker("docker-tag", ["tag", "--", imageID, "\(target)"], []),
                log: log,
                cancel: cancel
            )
            try await pushWithRetries(docker("docker-push", ["push", "--", "\(target)"], []), log: log, cancel: cancel)
            let inspect = configuration.command(
                "docker-inspect",
                ["image", "inspect", "-f", "{{ range index .RepoDigests }}{{ . }} {{ end }}", "--", "\(target)"]
            )
            let digests = try await ChildProcess.output(inspect, log: log, cancel: cancel)
                .split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            guard !digests.isEmpty else {
                throw WorkerError(.docker, "Failed to read RepoDigests for newly-pushed image!")
            }
            guard let repoID = digests.first(where: { $0.hasPrefix(target.repository + "@") }) else {
                throw WorkerError(
                    .docker,
                    "Can't find target repository '\(target.repository)@…' in list \"\(digests.joined(separator: " "))\"!"
                )
            }
            return repoID
        }
    }

    private func pushWithRetries(_ push: Command, log: LogData, cancel: CancelSwitch) async throws {
        let attempts = configuration.pushRetries + 1
        var attempt = 1
        while true {
            do {
                try await ChildProcess.check(push, log: log, cancel: cancel)
                return
            } catch let error as WorkerError where error.code == .commandFailed && attempt < attempts {
                let delay = configuration.pushRetryDelay(attempt)
                log.info(
                    "Push attempt \(attempt)/\(attempts) failed with retryable error \"\(error.message)\". "
                        + "Retrying in \(delay.components.seconds) seconds..."
                )
                try await Task.sleep(for: delay)
                try cancel.check()
                attempt += 1
            } catch let error as WorkerError where error.code == .commandFailed {
                log.info("Push exhausted retries after \(attempt) attempts.")
                throw error
            }
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import AsyncBlocks
import CapnProto
import Foundation
import Logging
import OClusterAPI
import ProcessRunner

/// Runs Docker jobs as ocluster does: `docker build` of the job's context, then optionally
/// `docker tag` + `docker push` to an allowed repository.
public struct DockerBuilder: Sendable {
    public let configuration: DockerConfiguration
    /// Where push times are recorded (`ocluster_worker_docker_push_time_seconds`).
    public let metrics: WorkerMetrics?
    static let logger = Logger(label: "ocluster.worker.docker")
    /// Pushes are serialised across jobs (they share a registry connection and rate limits).
    static let pushLock = AsyncLock()

    public init(configuration: DockerConfiguration, metrics: WorkerMetrics? = nil) {
        self.configuration = configuration
        self.metrics = metrics
    }

    /// Builds, and pushes if the job asks to.
    ///
    /// - Returns: the pushed image's `repo@sha256:…` when pushed, otherwise `""` (ocluster's
    ///   job output). The built image id is written to the log either way.
    public func run(
        _ job: JobSpec.Docker,
        context: String,
        secrets: [JobSpec.Secret],
        log: LogData,
        cancel: CancelSwitch
    ) async throws -> String {
        let imageID = try await build(job, context: context, secrets: secrets, log: log, cancel: cancel)
        guard let push = job.push else { return "" }
        let started = ContinuousClock.now
        let repoID = try await self.push(
            imageID,
            to: push.target,
            credentials: push.credentials,
            log: log,
            cancel: cancel
        )
        let elapsed = started.duration(to: .now)
        metrics?.dockerPushed(
            seconds: elapsed.seconds
        )
        return repoID
    }

    /// Runs `docker build` and returns the image id (`sha256:…`) from the iidfile.
    ///
    /// - Throws: ``WorkerError`` with `invalidRequest` for a bad Dockerfile path,
    ///   `commandFailed` ("docker-build failed with exit-code N"), `cancelled`, or `docker`
    ///   when no image id was written.
    public func build(
        _ job: JobSpec.Docker,
        context: String,
        secrets: [JobSpec.Secret],
        log: LogData,
        cancel: CancelSwitch
    ) async throws -> String {
        let dockerfile: String
        switch job.dockerfile {
        case .contents(let text):
            dockerfile = context + "/Dockerfile"
            guard FileManager.default.createFile(atPath: dockerfile, contents: Data(text.utf8)) else {
                throw WorkerError(.fileSystem, "Cannot write \(dockerfile)")
            }
        case .path(let path):
            dockerfile = try Self.containedPath(path, in: context)
        }
        let iidFile = try TemporaryFiles.makeFile(suffix: ".iid")
        var secretFiles: [(id: String, path: String)] = []
        defer {
            TemporaryFiles.remove(iidFile)
            for file in secretFiles { TemporaryFiles.remove(file.path) }
        }
        for secret in secrets {
            secretFiles.append(
                (secret.id, try TemporaryFiles.makeFile(suffix: ".secret", contents: Array(secret.value.utf8)))
            )
        }
        let arguments = buildArguments(
            job,
            dockerfile: dockerfile,
            context: context,
            secretFiles: secretFiles,
            iidFile: iidFile
        )
        Self.logger.info("docker \(arguments.map { "\"\($0)\"" }.joined(separator: " "))")
        let environment = job.buildkit ? ["DOCKER_BUILDKIT": "1"] : [:]
        try await ChildProcess.check(
            configuration.command("docker-build", arguments, environment: environment),
            log: log,
            cancel: cancel
        )
        let imageID = ((try? String(contentsOfFile: iidFile, encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !imageID.isEmpty else { throw WorkerError(.docker, "docker build did not write an image id") }
        log.info("Built image \(imageID)")
        return imageID
    }

    /// The `docker build` arguments, in ocluster's order (plus `--network` when configured,
    /// and without `--pull` when pulling is turned off).
    public func buildArguments(
        _ job: JobSpec.Docker,
        dockerfile: String,
        context: String,
        secretFiles: [(id: String, path: String)],
        iidFile: String
    ) -> [String] {
        var arguments = ["build"]
        for argument in job.buildArgs { arguments += ["--build-arg", argument] }
        if job.squash { arguments.append("--squash") }
        for file in secretFiles { arguments += ["--secret", "id=\(file.id),src=\(file.path)"] }
        if configuration.pull { arguments.append("--pull") }
        if let network = configuration.network { arguments += ["--network", network] }
        arguments += ["--iidfile", iidFile, "-f", dockerfile, context]
        return arguments
    }

    /// Resolves a Dockerfile path inside the context without following symlinks: it must be
    /// relative, with no `..` left after normalising, every directory a real directory and
    /// the last component a regular file (ocluster's `check_contains`).
    ///
    /// - Throws: ``WorkerErrorCode/invalidRequest`` saying what is wrong with the path.
    public static func containedPath(_ path: String, in context: String) throws -> String {
        if path == "-" { throw WorkerError(.invalidRequest, "Path cannot be '-'!") }
        if path.hasPrefix("/") { throw WorkerError(.invalidRequest, "\(path) is an absolute path!") }
        var segments: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false).map(String.init) {
            switch segment {
            case ".": continue
            case "..":
                if let last = segments.last, last != "..", !last.isEmpty {
                    segments.removeLast()
                } else {
                    segments.append("..")
                }
            default: segments.append(segment)
            }
        }
        guard !segments.isEmpty else { throw WorkerError(.invalidRequest, "Empty path!") }
        if segments.contains("..") { throw WorkerError(.invalidRequest, "Relative segment in \(path)") }
        if segments.contains("") { throw WorkerError(.invalidRequest, "Empty segment in \(path)!") }
        var current = context
        for (index, segment) in segments.enumerated() {
            current += "/" + segment
            var info = stat()
            guard lstat(current, &info) == 0 else {
                throw WorkerError(.invalidRequest, "\"\(segment)\" does not exist (in \(path))")
            }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR, index < segments.count - 1 { continue }
            if kind == S_IFREG, index == segments.count - 1 { return current }
            throw WorkerError(.invalidRequest, "\"\(segment)\" is not a directory (in \(path))")
        }
        throw WorkerError(.invalidRequest, "Empty path!")
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ProcessRunner

/// How the worker talks to Docker.
public struct DockerConfiguration: Sendable {
    /// The `docker` client program (looked up in `PATH`).
    public var executable: String
    /// Extra environment for every docker command, e.g. `DOCKER_HOST` for a private engine.
    public var environment: [String: String]
    /// Pass `--pull` to `docker build`, as ocluster always does. Turn it off where no registry
    /// is reachable and base images are loaded locally (`docker import`/`docker load`).
    public var pull: Bool
    /// `docker build --network NET`, when set. BuildKit with a daemon started with
    /// `--bridge=none` needs `none` or `host`.
    public var network: String?
    /// Repositories (the part of a target before `:TAG`) jobs may push to (`--allow-push`).
    public var allowPush: Set<String>
    /// How long to wait before push retry `n` (1-based); ocluster waits n·2·2ⁿ seconds.
    public var pushRetryDelay: @Sendable (Int) -> Duration
    /// How many times a failed push is retried.
    public var pushRetries: Int

    public init(
        executable: String = "docker",
        environment: [String: String] = [:],
        pull: Bool = true,
        network: String? = nil,
        allowPush: Set<String> = [],
        pushRetries: Int = 5,
        pushRetryDelay: @escaping @Sendable (Int) -> Duration = { n in .seconds(n * 2 << n) }
    ) {
        self.executable = executable
        self.environment = environment
        self.pull = pull
        self.network = network
        self.allowPush = allowPush
        self.pushRetries = pushRetries
        self.pushRetryDelay = pushRetryDelay
    }

    /// A docker command with this configuration's program and environment.
    func command(
        _ label: String,
        _ arguments: [String],
        environment extra: [String: String] = [:],
        stdin: [UInt8] = []
    )
        -> Command
    {
        Command(
            label: label,
            [executable] + arguments,
            environment: environment.merging(extra) { $1 },
            standardInput: stdin
        )
    }
}

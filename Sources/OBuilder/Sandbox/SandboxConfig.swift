// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What one sandboxed command needs: the command, its user, environment and working directory,
/// networking, and the host directories and secret files to mount.
public struct SandboxConfig: Hashable, Sendable {
    /// A host directory bind-mounted into the container (used for caches).
    public struct BindMount: Hashable, Sendable {
        public var source: String
        public var target: String
        public var readOnly: Bool

        public init(source: String, target: String, readOnly: Bool = false) {
            self.source = source
            self.target = target
            self.readOnly = readOnly
        }
    }

    /// A secret value mounted read-only as a file at `target`.
    public struct SecretFile: Hashable, Sendable {
        public var target: String
        public var value: String

        public init(target: String, value: String) {
            self.target = target
            self.value = value
        }
    }

    /// The command and its arguments (`shell + [cmd]` for a `run` step).
    public var arguments: [String]
    /// The working directory inside the container.
    public var workingDirectory: String
    /// `NAME=VALUE` entries.
    public var environment: [String]
    public var uid: UInt32
    public var gid: UInt32
    public var hostname: String
    /// `[]` for a private network namespace with only loopback, `["host"]` for the host's network.
    public var network: [String]
    public var mounts: [BindMount]
    public var secrets: [SecretFile]

    public init(
        arguments: [String],
        workingDirectory: String = "/",
        environment: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        uid: UInt32 = 0,
        gid: UInt32 = 0,
        hostname: String = "builder",
        network: [String] = [],
        mounts: [BindMount] = [],
        secrets: [SecretFile] = []
    ) {
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.uid = uid
        self.gid = gid
        self.hostname = hostname
        self.network = network
        self.mounts = mounts
        self.secrets = secrets
    }
}

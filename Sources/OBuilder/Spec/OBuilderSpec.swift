// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// An OBuilder build specification, as written in OBuilder's S-expression language:
///
/// ```
/// ((build NAME SPEC)…
///  (from IMAGE)
///  OP…)
/// ```
///
/// Parse text with ``parse(_:)``; print it back with ``description`` (one operation per line).
/// The model and the accepted syntax follow ocurrent/obuilder's `Obuilder_spec`.
public struct OBuilderSpec: Hashable, Sendable {
    /// A nested build whose result later `copy (from (build NAME))` operations can read.
    public struct ChildBuild: Hashable, Sendable {
        public var name: String
        public var spec: OBuilderSpec

        public init(name: String, spec: OBuilderSpec) {
            self.name = name
            self.spec = spec
        }
    }

    /// Nested builds, in order; each may use the results of the ones before it.
    public var childBuilds: [ChildBuild]
    /// The base image.
    public var from: String
    /// The operations, in order.
    public var operations: [Operation]

    public init(childBuilds: [ChildBuild] = [], from: String, operations: [Operation]) {
        self.childBuilds = childBuilds
        self.from = from
        self.operations = operations
    }

    /// One operation of a spec.
    public enum Operation: Hashable, Sendable {
        /// `(comment TEXT)`: no effect.
        case comment(String)
        /// `(workdir DIR)`: the directory later `run` and relative `copy` destinations use.
        case workdir(String)
        /// `(shell ARG…)`: the command prefix for later `run` operations.
        case shell([String])
        /// `(run …)`: runs a command, making a new snapshot.
        case run(Run)
        /// `(copy …)`: copies files into the image, making a new snapshot.
        case copy(Copy)
        /// `(user (uid N) (gid N))` or `(user (name N))`.
        case user(User)
        /// `(env NAME VALUE)`.
        case env(name: String, value: String)
    }

    /// `(run (cache …)? (network …)? (secrets …)? (shell CMD))`.
    public struct Run: Hashable, Sendable {
        public var cache: [Mount]
        public var network: [String]
        public var secrets: [Mount]
        public var shell: String

        public init(cache: [Mount] = [], network: [String] = [], secrets: [Mount] = [], shell: String) {
            self.cache = cache
            self.network = network
            self.secrets = secrets
            self.shell = shell
        }
    }

    /// A cache `(NAME (target PATH))` or a secret `(ID (target PATH))`.
    public struct Mount: Hashable, Sendable {
        /// The cache name or secret id.
        public var id: String
        /// Where it is mounted in the container.
        public var target: String
        /// `(buildkit_options (K V)…)`, used only by OBuilder's Docker backend; kept for round trips.
        public var buildkitOptions: [KeyValue]

        public init(id: String, target: String, buildkitOptions: [KeyValue] = []) {
            self.id = id
            self.target = target
            self.buildkitOptions = buildkitOptions
        }
    }

    /// A pair in `buildkit_options`.
    public struct KeyValue: Hashable, Sendable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// `(copy (from …)? (src SRC…) (dst DST) (exclude NAME…)?)`.
    public struct Copy: Hashable, Sendable {
        /// Where the files come from.
        public enum Source: Hashable, Sendable {
            /// The job's source directory (`(from context)`, the default).
            case context
            /// The root of a nested build (`(from (build NAME))`).
            case build(String)
        }

        public var from: Source
        public var src: [String]
        public var dst: String
        /// Base names to leave out at any depth.
        public var exclude: [String]

        public init(from: Source = .context, src: [String], dst: String, exclude: [String] = []) {
            self.from = from
            self.src = src
            self.dst = dst
            self.exclude = exclude
        }
    }

    /// The user later `run` and `copy` operations act as.
    public enum User: Hashable, Sendable {
        /// `(user (uid N) (gid N))`.
        case unix(uid: Int, gid: Int)
        /// `(user (name N))`, used on Windows and FreeBSD.
        case windows(name: String)

        /// OBuilder's default user on Linux.
        public static let root = User.unix(uid: 0, gid: 0)
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What the operations of a spec have set so far (OBuilder's `Build.Context`).
struct BuildContext: Sendable {
    /// The environment, most recently set first.
    var environment: [(name: String, value: String)] = []
    var workdir = "/"
    var user = OBuilderSpec.User.root
    var shell: [String]
    /// Nested builds in scope: name to snapshot id.
    var scope: [String: String] = [:]
    let sourceDirectory: String
    let secrets: [String: String]
    let log: @Sendable (OBuilderLogEvent) -> Void
    /// Keeps every snapshot this build made or used safe from pruning until it ends.
    let lease = SnapshotLease()

    /// `(env NAME VALUE)`: replaces any earlier value.
    mutating func setEnvironment(_ name: String, _ value: String) {
        environment.removeAll { $0.name == name }
        environment.insert((name, value), at: 0)
    }

    /// `(workdir PATH)`: absolute paths replace, relative ones are appended.
    mutating func changeDirectory(_ path: String) {
        workdir = Self.resolve(path, in: workdir)
    }

    static func resolve(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    var environmentStrings: [String] { environment.map { "\($0.name)=\($0.value)" } }

    var userExpression: SExpression {
        switch user {
        case .unix(let uid, let gid):
            .list([.list([.atom("uid"), .atom(String(uid))]), .list([.atom("gid"), .atom(String(gid))])])
        case .windows(let name): .list([.list([.atom("name"), .atom(name)])])
        }
    }

    func unixIDs() throws(OBuilderError) -> (uid: UInt32, gid: UInt32) {
        guard case .unix(let uid, let gid) = user, let u = UInt32(exactly: uid), let g = UInt32(exactly: gid) else {
            throw OBuilderError(
                .invalidSpec,
                "(user (name …)) is not supported by the runc sandbox; use (uid N) (gid N)"
            )
        }
        return (u, g)
    }
}

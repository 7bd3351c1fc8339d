// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A user namespace for steps: container ids 0..<count are host ids start..<start+count, so root
/// in a step is an unprivileged user on the host (a subordinate range from /etc/subuid and
/// /etc/subgid).
///
/// Files the step must reach (its root file system, caches, secrets) must be owned by the mapped
/// ids and the directories above them traversable by them.
public struct UserNamespace: Hashable, Sendable {
    public var uidStart: UInt32
    public var gidStart: UInt32
    public var count: UInt32

    public init(uidStart: UInt32, gidStart: UInt32, count: UInt32) {
        self.uidStart = uidStart
        self.gidStart = gidStart
        self.count = count
    }

    /// The ranges /etc/subuid and /etc/subgid (`NAME:START:COUNT` lines) give `user`: the first
    /// of each; the namespace maps as many ids as both ranges hold.
    public static func subordinate(
        of user: String,
        subuid: String = "/etc/subuid",
        subgid: String = "/etc/subgid"
    ) throws(OBuilderError) -> UserNamespace {
        let uids = try range(of: user, in: subuid)
        let gids = try range(of: user, in: subgid)
        return UserNamespace(uidStart: uids.start, gidStart: gids.start, count: min(uids.count, gids.count))
    }

    private static func range(of user: String, in file: String) throws(OBuilderError) -> (start: UInt32, count: UInt32)
    {
        guard let text = OBuilderFileSystem.readText(file) else {
            throw OBuilderError(.sandbox, "cannot read \(file) for the user namespace of \(user)")
        }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == user else { continue }
            guard let start = UInt32(fields[1]), let count = UInt32(fields[2]), count > 0,
                UInt64(start) + UInt64(count) <= UInt64(UInt32.max)
            else {
                throw OBuilderError(.sandbox, "\(file): malformed entry \"\(line)\"")
            }
            return (start, count)
        }
        throw OBuilderError(.sandbox, "\(file) has no range for \(user)")
    }

    /// `linux.uidMappings` or `linux.gidMappings`.
    func mappings(start: UInt32) -> JSONValue {
        .array([
            .object([
                ("containerID", .number(0)), ("hostID", .number(Int64(start))), ("size", .number(Int64(count))),
            ])
        ])
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What every step run by a ``RuncSandbox`` gets besides its own ``SandboxConfig``: resource
/// limits (through runc's `linux.resources`, which works with cgroup v1 and v2), OBuilder's
/// `--fast-sync` and an optional user namespace.
public struct RuncOptions: Hashable, Sendable {
    /// Turn `fsync`, `fdatasync`, `msync`, `sync`, `syncfs` and `sync_file_range` into no-ops
    /// that succeed (a seccomp filter, as OBuilder's `--fast-sync`): a build's writes need not
    /// survive a crash, since an unfinished step is thrown away.
    public var fastSync: Bool
    /// The step's memory limit in bytes, or nil for none.
    public var memoryLimit: Int64?
    /// How many CPUs' worth of time the step may use (a CFS quota), or nil for no limit.
    public var cpus: Double?
    /// The most processes and threads the step may have at once, or nil for no limit.
    public var pidsLimit: Int64?
    /// Run steps in a user namespace mapping root to an unprivileged host range, or nil.
    public var userNamespace: UserNamespace?

    public init(
        fastSync: Bool = false,
        memoryLimit: Int64? = nil,
        cpus: Double? = nil,
        pidsLimit: Int64? = nil,
        userNamespace: UserNamespace? = nil
    ) {
        self.fastSync = fastSync
        self.memoryLimit = memoryLimit
        self.cpus = cpus
        self.pidsLimit = pidsLimit
        self.userNamespace = userNamespace
    }

    /// The CFS period the CPU quota is a share of, in microseconds.
    static let cpuPeriod: Int64 = 100_000

    /// The system calls `--fast-sync` turns into no-ops.
    static let syncCalls = ["fsync", "fdatasync", "msync", "sync", "syncfs", "sync_file_range"]

    /// `linux.resources`, or nil when there are no limits.
    var resources: JSONValue? {
        var fields: [(String, JSONValue)] = []
        if let memoryLimit {
            fields.append(("memory", .object([("limit", .number(memoryLimit))])))
        }
        if let cpus {
            let quota = max(1000, Int64((cpus * Double(Self.cpuPeriod)).rounded()))
            fields.append(("cpu", .object([("quota", .number(quota)), ("period", .number(Self.cpuPeriod))])))
        }
        if let pidsLimit { fields.append(("pids", .object([("limit", .number(pidsLimit))]))) }
        return fields.isEmpty ? nil : .object(fields)
    }

    /// OBuilder's seccomp policy: allow everything, except the sync calls under `--fast-sync`,
    /// which return success without doing anything.
    func seccomp(architectures: [String]) -> JSONValue {
        var fields: [(String, JSONValue)] = [("defaultAction", .string("SCMP_ACT_ALLOW"))]
        var syscalls: [JSONValue] = []
        if fastSync {
            syscalls.append(
                .object([
                    ("names", .strings(Self.syncCalls)),
                    ("action", .string("SCMP_ACT_ERRNO")),
                    ("errnoRet", .number(0)),
                ])
            )
        }
        fields.append(("syscalls", .array(syscalls)))
        if !architectures.isEmpty { fields.append(("architectures", .strings(architectures))) }
        return .object(fields)
    }

    /// The seccomp architectures of this machine, as OBuilder lists them (from `uname -m`).
    static func architectures(machine: String) -> [String] {
        switch machine {
        case "x86_64": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
        case "aarch64": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
        default: []
        }
    }
}

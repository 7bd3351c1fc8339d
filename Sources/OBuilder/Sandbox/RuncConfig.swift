// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Builds the OCI runtime `config.json` runc runs a step with, following OBuilder's runc sandbox:
/// pid/ipc/uts/mount namespaces plus a network namespace unless the step asks for `(network host)`,
/// Docker's default capability subset without the network ones, a private /dev, read-only /sys,
/// and /etc/hosts (and, with host networking, /etc/resolv.conf) bound read-only; OBuilder's seccomp
/// policy (``RuncOptions/fastSync``) and optional resource limits.
enum RuncConfig {
    /// The capabilities root keeps inside the container (Docker's defaults minus NET_RAW and
    /// NET_BIND_SERVICE, as OBuilder does).
    static let capabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    static func make(
        _ config: SandboxConfig,
        rootfs: String,
        hostsFile: String,
        secretFiles: [String],
        options: RuncOptions = RuncOptions(),
        architectures: [String] = []
    ) throws(OBuilderError) -> JSONValue {
        let hostNetwork: Bool
        switch config.network {
        case []: hostNetwork = false
        case ["host"]: hostNetwork = true
        default:
            throw OBuilderError(
                .sandbox,
                "unsupported network configuration \(config.network): use (network host) or none"
            )
        }
        var namespaces = ["pid", "ipc", "uts", "mount"]
        if !hostNetwork { namespaces.insert("network", at: 0) }
        if options.userNamespace != nil { namespaces.append("user") }

        var mounts: [JSONValue] = [
            mount("/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            mount(
                "/dev",
                type: "tmpfs",
                source: "tmpfs",
                options: ["nosuid", "strictatime", "mode=755", "size=65536k"]
            ),
            mount(
                "/dev/pts",
                type: "devpts",
                source: "devpts",
                options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]
            ),
            mount("/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            mount("/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid", "noexec", "nodev"]),
            mount(
                "/dev/shm",
                type: "tmpfs",
                source: "shm",
                options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]
            ),
            mount("/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            mount("/etc/hosts", type: "bind", source: hostsFile, options: ["ro", "rbind", "rprivate"]),
        ]
        if hostNetwork {
            mounts.append(
                mount(
                    "/etc/resolv.conf",
                    type: "bind",
                    source: "/etc/resolv.conf",
                    options: ["ro", "rbind", "rprivate"]
                )
            )
        }
        for (secret, file) in zip(config.secrets, secretFiles) {
            mounts.append(mount(secret.target, type: "bind", source: file, options: ["rbind", "rprivate", "ro"]))
        }
        for bind in config.mounts {
            let options = (bind.readOnly ? ["ro"] : []) + ["bind", "nosuid", "nodev"]
            mounts.append(mount(bind.target, type: "bind", source: bind.source, options: options))
        }

        let process: JSONValue = .object([
            ("terminal", .bool(false)),
            ("user", .object([("uid", .number(Int64(config.uid))), ("gid", .number(Int64(config.gid)))])),
            ("args", .strings(config.arguments)),
            ("env", .strings(config.environment)),
            ("cwd", .string(config.workingDirectory)),
            (
                "capabilities",
                .object(
                    ["bounding", "effective", "inheritable", "permitted"].map { ($0, .strings(capabilities)) }
                )
            ),
            (
                "rlimits",
                .array([
                    .object([("type", .string("RLIMIT_NOFILE")), ("hard", .number(1024)), ("soft", .number(1024))])
                ])
            ),
            ("noNewPrivileges", .bool(false)),
        ])
        let maskedPaths = [
            "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
        ]
        let readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        var linux: [(String, JSONValue)] = [
            ("namespaces", .array(namespaces.map { .object([("type", .string($0))]) })),
            ("maskedPaths", .strings(maskedPaths)),
            ("readonlyPaths", .strings(readonlyPaths)),
        ]
        if let users = options.userNamespace {
            linux.append(("uidMappings", users.mappings(start: users.uidStart)))
            linux.append(("gidMappings", users.mappings(start: users.gidStart)))
        }
        if let resources = options.resources { linux.append(("resources", resources)) }
        linux.append(("seccomp", options.seccomp(architectures: architectures)))
        return .object([
            ("ociVersion", .string("1.0.2")),
            ("process", process),
            ("root", .object([("path", .string(rootfs)), ("readonly", .bool(false))])),
            ("hostname", .string(config.hostname)),
            ("mounts", .array(mounts)),
            ("linux", .object(linux)),
        ])
    }

    private static func mount(_ destination: String, type: String, source: String, options: [String]) -> JSONValue {
        .object([
            ("destination", .string(destination)),
            ("type", .string(type)),
            ("source", .string(source)),
            ("options", .strings(options)),
        ])
    }
}

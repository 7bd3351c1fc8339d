// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OBuilder

/// The sandbox options of obuilder's back-ends that ocluster-worker takes (`Native_sandbox`,
/// `Docker_sandbox` and `Qemu_sandbox` cmdliner terms), with obuilder's defaults. They parse
/// everywhere, as in ocluster; the Docker ones only matter with a `docker:` store, the QEMU
/// ones with a `qemu:` store. ``unsupported(storeKind:rsyncMode:)`` names what this port cannot do.
struct SandboxOptions: ParsableArguments {
    @Flag(name: .customLong("fast-sync"), help: "Ignore sync syscalls (requires runc >= 1.0.0-rc92).")
    var fastSync = false

    @Option(
        name: .customLong("docker-cpus"),
        help: ArgumentHelp("Number of CPUs to be used by Docker (docker: store).", valueName: "CPUS")
    )
    var dockerCPUs = 2.0

    @Option(
        name: .customLong("docker-isolation"),
        help: ArgumentHelp(
            "Docker isolation, must be one of hyperv, process or default. Only default is available on Linux, "
                + "only process and hyperv are available on Windows (docker: store).",
            valueName: "ISOLATION"
        )
    )
    var dockerIsolation = "default"

    @Option(
        name: .customLong("docker-memory"),
        help: ArgumentHelp(
            "The maximum amount of memory the container can use. A positive integer, followed by a suffix of b, "
                + "k, m, g, to indicate bytes, kilobytes, megabytes, or gigabytes (docker: store).",
            valueName: "MEMORY"
        )
    )
    var dockerMemory: String?

    @Option(
        name: .customLong("docker-network"),
        help: ArgumentHelp("Docker network used for the Docker backend setup (docker: store).", valueName: "NETWORK")
    )
    var dockerNetwork = "host"

    @Option(
        name: .customLong("qemu-cpus"),
        help: ArgumentHelp("Number of CPUs to be used by each QEMU machine (qemu: store).", valueName: "CPUS")
    )
    var qemuCPUs = 2

    @Option(
        name: .customLong("qemu-memory"),
        help: ArgumentHelp("The amount of memory allocated to the VM in gigabytes (qemu: store).", valueName: "MEMORY")
    )
    var qemuMemory = 2

    @Option(
        name: .customLong("qemu-guest-os"),
        help: ArgumentHelp(
            "Set OS used by QEMU guest. GUEST_OS must be one of linux, openbsd or windows (qemu: store).",
            valueName: "GUEST_OS"
        )
    )
    var qemuGuestOS = "linux"

    @Option(
        name: .customLong("qemu-guest-arch"),
        help: ArgumentHelp(
            "Set system architecture used by QEMU guest. GUEST_OS must be one of amd64 or riscv64 (qemu: store).",
            valueName: "GUEST_OS"
        )
    )
    var qemuGuestArch = "amd64"

    @Option(
        name: .customLong("qemu-boot-time"),
        help: ArgumentHelp(
            "The maximum time in seconds to wait for the machine to boot/power off (qemu: store).",
            valueName: "BOOT_TIME"
        )
    )
    var qemuBootTime = 30

    func validate() throws {
        try Self.check("--docker-isolation", dockerIsolation, ["hyperv", "process", "default"])
        try Self.check("--qemu-guest-os", qemuGuestOS, ["linux", "openbsd", "windows"])
        try Self.check("--qemu-guest-arch", qemuGuestArch, ["amd64", "riscv64"])
        if let dockerMemory {
            guard let unit = dockerMemory.last, "bkmgBKMG".contains(unit) || unit.isNumber,
                let amount = Int(unit.isNumber ? dockerMemory : String(dockerMemory.dropLast())), amount > 0
            else {
                throw ValidationError("--docker-memory must be a positive integer with an optional b, k, m or g suffix")
            }
        }
        guard dockerCPUs > 0 else { throw ValidationError("--docker-cpus must be positive") }
        guard qemuCPUs > 0, qemuMemory > 0, qemuBootTime > 0 else {
            throw ValidationError("--qemu-cpus, --qemu-memory and --qemu-boot-time must be positive")
        }
    }

    /// Cmdliner's message for a value outside an enumeration.
    private static func check(_ option: String, _ value: String, _ allowed: [String]) throws {
        guard !allowed.contains(value) else { return }
        let quoted = allowed.map { "'\($0)'" }
        let list = quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "")
        throw ValidationError("option '\(option)': invalid value '\(value)', expected one of \(list)")
    }

    /// The Docker sandbox's options.
    var dockerSandboxOptions: DockerSandboxOptions {
        DockerSandboxOptions(cpus: dockerCPUs, memory: dockerMemory, isolation: dockerIsolation, network: dockerNetwork)
    }

    /// Why these options cannot run on this worker with a store of `storeKind`, or nil.
    ///
    /// The back-ends this port does not have: `qemu:` and `hcs:`. Each refusal happens at
    /// start-up, before the worker registers.
    func unsupported(storeKind: String, rsyncMode: String?) -> String? {
        if storeKind == "qemu" { return "The qemu: store is not supported on this platform" }
        if storeKind == "hcs" { return "The hcs: store is not supported on this platform (Windows only)" }
        if dockerIsolation != "default" {
            return "--docker-isolation \(dockerIsolation) is not available on Linux (only default)"
        }
        return nil
    }
}

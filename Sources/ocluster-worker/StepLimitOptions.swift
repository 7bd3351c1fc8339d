// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OBuilder

/// Per-step limits and isolation for OBuilder's runc sandbox. ocluster has none of these; each is
/// off unless given, so an ocluster command line runs steps exactly as before.
struct StepLimitOptions: ParsableArguments {
    @Option(
        name: .customLong("obuilder-step-memory"),
        help: ArgumentHelp(
            "Memory limit of each OBuilder step: a positive integer with an optional b, k, m or g suffix.",
            valueName: "MEMORY"
        )
    )
    var memory: String?

    @Option(
        name: .customLong("obuilder-step-cpus"),
        help: ArgumentHelp("CPU time each OBuilder step may use, in CPUs (e.g. 1.5).", valueName: "CPUS")
    )
    var cpus: Double?

    @Option(
        name: .customLong("obuilder-step-pids"),
        help: ArgumentHelp("Most processes and threads an OBuilder step may have at once.", valueName: "N")
    )
    var pids: Int64?

    @Option(
        name: .customLong("obuilder-userns"),
        help: ArgumentHelp(
            "Run OBuilder steps in a user namespace: root in a step is the first subordinate id of USER "
                + "(from /etc/subuid and /etc/subgid) on the host.",
            valueName: "USER"
        )
    )
    var userNamespaceOwner: String?

    func validate() throws {
        if let memory, Self.bytes(memory) == nil {
            throw ValidationError(
                "--obuilder-step-memory must be a positive integer with an optional b, k, m or g suffix"
            )
        }
        if let cpus, !(cpus > 0) { throw ValidationError("--obuilder-step-cpus must be positive") }
        if let pids, pids <= 0 { throw ValidationError("--obuilder-step-pids must be positive") }
    }

    /// The sandbox options these flags and `--fast-sync` ask for.
    func runcOptions(fastSync: Bool) throws -> RuncOptions {
        var userNamespace: UserNamespace?
        if let owner = userNamespaceOwner {
            do {
                userNamespace = try UserNamespace.subordinate(of: owner)
            } catch {
                throw ValidationError("--obuilder-userns \(owner): \(error.message)")
            }
        }
        return RuncOptions(
            fastSync: fastSync,
            memoryLimit: memory.flatMap(Self.bytes),
            cpus: cpus,
            pidsLimit: pids,
            userNamespace: userNamespace
        )
    }

    /// `64m`-style sizes, as `--docker-memory` takes them.
    static func bytes(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        guard let last = text.last?.lowercased().first else { return nil }
        let (digits, scale) = last.isNumber ? (Substring(text), Int64(1)) : (text.dropLast(), units[last] ?? 0)
        guard scale > 0, let amount = Int64(digits), amount > 0 else { return nil }
        let (product, overflow) = amount.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }
}

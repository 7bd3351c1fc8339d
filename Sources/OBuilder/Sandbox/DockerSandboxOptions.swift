// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// What every container of the Docker sandbox gets, as OBuilder's `--docker-*` options.
public struct DockerSandboxOptions: Hashable, Sendable {
    /// `--cpus`.
    public var cpus: Double
    /// `--memory`, nil for no limit.
    public var memory: String?
    /// `--isolation` (only `default` is available on Linux).
    public var isolation: String
    /// The network of the backend's own set-up containers. As in OBuilder, steps are not put on
    /// it: a step without `(network …)` gets Docker's default, one with it the networks it names.
    public var network: String

    public init(cpus: Double = 2, memory: String? = nil, isolation: String = "default", network: String = "host") {
        self.cpus = cpus
        self.memory = memory
        self.isolation = isolation
        self.network = network
    }

    /// `--cpus` as OCaml's `%f` prints it (six decimals), as OBuilder passes it.
    var cpusArgument: String {
        let micro = Int((cpus * 1_000_000).rounded())
        let fraction = String(micro % 1_000_000)
        return "\(micro / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// The resource and isolation options of `docker run`.
    var runArguments: [String] {
        ["--cpus", cpusArgument, "--isolation", isolation] + (memory.map { ["--memory", $0] } ?? [])
    }
}

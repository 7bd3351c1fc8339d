// swift-tools-version:6.2
// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import PackageDescription

let package = Package(
    name: "swift-ocluster",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CapnProto", targets: ["CapnProto"]),
        .library(name: "CapnProtoRPC", targets: ["CapnProtoRPC"]),
        .library(name: "CapnProtoNetwork", targets: ["CapnProtoNetwork"]),
        .library(name: "OClusterAPI", targets: ["OClusterAPI"]),
        .library(name: "OClusterClient", targets: ["OClusterClient"]),
        .library(name: "OClusterScheduler", targets: ["OClusterScheduler"]),
        .library(name: "OBuilder", targets: ["OBuilder"]),
        // The C++ reference peer and the RPC test services, for the benchmarks in Benchmarks/.
        .library(name: "CapnProtoTestSupport", targets: ["CapnProtoTestSupport"]),
        // The async building blocks, for the benchmarks in Benchmarks/ (their simulated clients wait on them).
        .library(name: "AsyncBlocks", targets: ["AsyncBlocks"]),
        .executable(name: "capnpc-swift", targets: ["capnpc-swift"]),
        // A product so that Benchmarks/ builds the daemon it measures with the same modules.
        .executable(name: "ocluster-scheduler", targets: ["ocluster-scheduler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Serialization core: no dependencies at all.
        .target(name: "CapnProto"),
        // The project's version, one constant that every executable's --version prints.
        .target(name: "OClusterVersion"),
        // Async building blocks every concurrent module uses: a promise with a cancellable wait, a change
        // signal, an async lock, and "stop waiting on cancel". No dependencies.
        .target(name: "AsyncBlocks"),
        // The CapTP engine (an actor per connection, on its transport's thread when it has one),
        // capabilities, the async API, and ExecutionHome: where an actor runs, and how to get there.
        .target(
            name: "CapnProtoRPC",
            dependencies: ["AsyncBlocks", "CapnProto", .product(name: "Logging", package: "swift-log")]
        ),
        // The vat network: NIO + TLS pinned by key digest, sturdy refs, .cap files, restorer.
        .target(
            name: "CapnProtoNetwork",
            dependencies: [
                "AsyncBlocks",
                "CapnProtoRPC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Helpers several test targets share: the reference `capnp` tool, in-memory transports, the
        // RPC fuzz harness (shared by Fuzz/RPCFuzzer and the corpus regression test).
        .target(
            name: "CapnProtoTestSupport",
            dependencies: ["CapnProto", "CapnProtoRPC", .product(name: "Logging", package: "swift-log")]
        ),
        // What every test target shares: waiting for a condition, temporary directories, the
        // tool-gate trait, a docker registry. Not a product: only this package's tests use it.
        .target(
            name: "TestSupport",
            dependencies: ["ProcessRunner", .product(name: "Logging", package: "swift-log")]
        ),
        // Schema model and Swift code generation for capnpc-swift.
        .target(name: "CapnProtoCodeGen", dependencies: ["CapnProto"]),
        .executableTarget(name: "capnpc-swift", dependencies: ["CapnProtoCodeGen", "OClusterVersion"]),
        // Generated bindings for schema/ocluster.capnp plus hand-written wrappers.
        .target(name: "OClusterAPI", dependencies: ["CapnProto", "CapnProtoRPC"]),
        // What clients and admins do: open a .cap file, submit jobs and follow their logs, the
        // admin commands, with ocluster's CLI output.
        .target(
            name: "OClusterClient",
            dependencies: [
                "OClusterAPI", "CapnProtoNetwork", "CapnProtoRPC", "CapnProto", "ProcessRunner",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Pools and the cache-hint affinity queue (pure state machines), the synchronous scheduler
        // core that makes the decisions, the actor that owns it, its RPC services, SQLite state and
        // metrics.
        .target(
            name: "OClusterScheduler",
            dependencies: [
                "AsyncBlocks", "OClusterAPI", "CapnProtoRPC", "CapnProtoNetwork", "CapnProto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Child processes: posix_spawn with only the descriptors given, process groups, output
        // streamed or collected, kill on cancel. The one way the project runs a program.
        .target(name: "ProcessRunner", dependencies: ["CapnProto"]),
        // OBuilder: the spec language, the builder, the snapshot store and its backends, the runc
        // sandbox. A library of its own (no RPC, no worker), as ocluster keeps obuilder.
        .target(
            name: "OBuilder",
            dependencies: ["ProcessRunner", "CapnProto", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The worker: the agent (register, pull jobs, reconnect), git contexts, Docker builds and
        // the adapter that runs OBuilder jobs.
        .target(
            name: "OClusterWorker",
            dependencies: [
                "AsyncBlocks", "OClusterAPI", "CapnProtoRPC", "CapnProtoNetwork", "CapnProto", "OBuilder",
                "ProcessRunner",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Shared CLI pieces: option groups, logging and metrics bootstrap, the /metrics endpoint.
        .target(
            name: "OClusterCLISupport",
            dependencies: [
                "CapnProtoNetwork", "CapnProtoRPC", "OClusterAPI", "OClusterClient", "OClusterVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ocluster-scheduler",
            dependencies: [
                "OClusterCLISupport", "OClusterScheduler", "OClusterVersion", "CapnProtoNetwork", "CapnProtoRPC",
            ]
        ),
        .executableTarget(
            name: "ocluster-worker",
            dependencies: [
                "OClusterCLISupport", "OClusterWorker", "OBuilder", "OClusterVersion", "CapnProtoNetwork",
                "CapnProtoRPC",
            ]
        ),
        // obuilder's maintenance CLI (build, healthcheck, clean, delete, dockerfile) for a worker's store.
        .executableTarget(
            name: "ocluster-obuilder",
            dependencies: ["OClusterCLISupport", "OClusterWorker", "OBuilder", "OClusterVersion"]
        ),
        .executableTarget(
            name: "ocluster-client",
            dependencies: ["OClusterCLISupport", "OClusterClient", "OClusterAPI", "OClusterVersion"]
        ),
        .executableTarget(
            name: "ocluster-admin",
            dependencies: ["OClusterCLISupport", "OClusterClient", "OClusterVersion"]
        ),
        .testTarget(
            name: "CapnProtoTests",
            dependencies: ["TestSupport", "CapnProto", "CapnProtoTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "CapnProtoCodeGenTests",
            dependencies: ["TestSupport", "CapnProtoCodeGen", "CapnProto"],
            resources: [.copy("Fixtures")]
        ),
        // Generated bindings for schema/test/*.capnp checked against the real `capnp` tool.
        .testTarget(
            name: "CapnProtoConformanceTests",
            dependencies: ["TestSupport", "CapnProto", "CapnProtoRPC", "CapnProtoTestSupport"]
        ),
        .testTarget(
            name: "OClusterAPITests",
            dependencies: ["TestSupport", "OClusterAPI", "CapnProto", "CapnProtoTestSupport"]
        ),
        .testTarget(
            name: "OClusterClientTests",
            dependencies: [
                "TestSupport", "OClusterClient", "OClusterAPI", "CapnProtoRPC", "CapnProto", "CapnProtoTestSupport",
            ]
        ),
        .testTarget(
            name: "OClusterSchedulerTests",
            dependencies: [
                "TestSupport",
                "AsyncBlocks", "OClusterScheduler", "OClusterAPI", "CapnProtoRPC", "CapnProtoNetwork", "CapnProto",
                "CapnProtoTestSupport", "OClusterCLISupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ProcessRunnerTests", dependencies: ["TestSupport", "ProcessRunner"]),
        .testTarget(name: "AsyncBlocksTests", dependencies: ["TestSupport", "AsyncBlocks"]),
        // OBuilder builds in a real runc sandbox (root, runc and busybox-static).
        .testTarget(name: "OBuilderTests", dependencies: ["TestSupport", "OBuilder", "ProcessRunner"]),
        .testTarget(
            name: "OClusterWorkerTests",
            dependencies: [
                "TestSupport",
                "OClusterWorker", "OBuilder", "ProcessRunner", "OClusterAPI", "CapnProtoRPC", "CapnProto",
                "CapnProtoTestSupport",
            ]
        ),
        // Separate processes (scheduler, workers, clients) over real TLS on 127.0.0.1.
        .testTarget(
            name: "OClusterIntegrationTests",
            dependencies: [
                "TestSupport",
                "CapnProtoTestSupport", "CapnProtoNetwork", "OClusterAPI", "OClusterClient", "CapnProtoRPC",
                "CapnProto",
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "CapnProtoRPCTests",
            dependencies: ["TestSupport", "AsyncBlocks", "CapnProtoRPC", "CapnProto", "CapnProtoTestSupport"]
        ),
        .testTarget(
            name: "CapnProtoNetworkTests",
            dependencies: [
                "TestSupport",
                "CapnProtoNetwork", "CapnProtoRPC", "CapnProto", "CapnProtoTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)

// The optimizer's unsafe flags below apply only where this package is built as the root or by path
// (its own builds, Benchmarks/, the images), not when another package checks it out as a
// dependency: SwiftPM has refused packages with unsafe flags as dependencies by version, and a
// dependent should not get exclusivity checks turned off behind its back.
let checkedOutAsDependency = Context.packageDirectory.contains("/checkouts/")

for target in package.targets {
    switch target.type {
    case .regular, .test, .executable:
        var settings = target.swiftSettings ?? []
        settings.append(.swiftLanguageMode(.v6))
        settings.append(.enableUpcomingFeature("MemberImportVisibility"))
        settings.append(.enableUpcomingFeature("ExistentialAny"))
        // Generated readers and builders call small runtime accessors across module boundaries;
        // letting the optimizer inline them halves encode time (see README, Performance).
        if !checkedOutAsDependency {
            settings.append(.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)))
        }
        if target.name == "CapnProto", !checkedOutAsDependency {
            // The builder's segment bookkeeping is class state touched on every allocation;
            // dynamic exclusivity checks on it cost a fifth of encode time. Debug builds and
            // tests keep the checks.
            settings.append(.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)))
        }
        target.swiftSettings = settings
    case .macro, .plugin, .system, .binary:
        ()
    @unknown default:
        ()
    }
}

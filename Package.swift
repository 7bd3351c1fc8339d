// swift-tools-version:6.2
// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import PackageDescription

let package = Package(
    name: "swift-ocluster",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CapnProto", targets: ["CapnProto"]),
        .library(name: "OClusterAPI", targets: ["OClusterAPI"]),
        .library(name: "OClusterScheduler", targets: ["OClusterScheduler"]),
        .executable(name: "capnpc-swift", targets: ["capnpc-swift"]),
        .executable(name: "capnp-bench", targets: ["capnp-bench"]),
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
        // The CapTP engine (a pure state machine), capabilities and the async API.
        .target(
            name: "CapnProtoRPC",
            dependencies: ["CapnProto", .product(name: "Logging", package: "swift-log")]
        ),
        // The vat network: NIO + TLS pinned by key digest, sturdy refs, .cap files, restorer.
        .target(
            name: "CapnProtoNetwork",
            dependencies: [
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
            ]
        ),
        // Helpers several test targets share: the reference `capnp` tool, in-memory transports.
        .target(name: "CapnProtoTestSupport", dependencies: ["CapnProto", "CapnProtoRPC"]),
        // Schema model and Swift code generation for capnpc-swift.
        .target(name: "CapnProtoCodeGen", dependencies: ["CapnProto"]),
        .executableTarget(name: "capnpc-swift", dependencies: ["CapnProtoCodeGen"]),
        // Generated bindings for schema/ocluster.capnp plus hand-written wrappers.
        .target(name: "OClusterAPI", dependencies: ["CapnProto", "CapnProtoRPC"]),
        // Pools and the cache-hint affinity queue (pure), later the RPC services.
        .target(
            name: "OClusterScheduler",
            dependencies: [
                "OClusterAPI", "CapnProtoRPC", "CapnProtoNetwork", "CapnProto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The worker: registration loop, job sources from git, Docker and OBuilder builders.
        .target(
            name: "OClusterWorker",
            dependencies: [
                "OClusterAPI", "CapnProtoRPC", "CapnProtoNetwork", "CapnProto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Shared CLI pieces: option groups, logging and metrics bootstrap, the /metrics endpoint.
        .target(
            name: "OClusterCLISupport",
            dependencies: [
                "CapnProtoNetwork", "CapnProtoRPC", "OClusterAPI", "CapnProto",
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
            dependencies: ["OClusterCLISupport", "OClusterScheduler", "CapnProtoNetwork", "CapnProtoRPC"]
        ),
        .executableTarget(
            name: "ocluster-worker",
            dependencies: ["OClusterCLISupport", "OClusterWorker", "CapnProtoNetwork", "CapnProtoRPC"]
        ),
        .executableTarget(
            name: "ocluster-client",
            dependencies: ["OClusterCLISupport", "OClusterAPI", "CapnProtoNetwork", "CapnProtoRPC", "CapnProto"]
        ),
        .executableTarget(
            name: "ocluster-admin",
            dependencies: ["OClusterCLISupport", "OClusterAPI", "CapnProtoNetwork", "CapnProtoRPC", "CapnProto"]
        ),
        // Release-mode benchmark; compared against Benchmarks/cpp in scripts/bench.sh.
        .executableTarget(name: "capnp-bench", dependencies: ["CapnProto", "OClusterAPI"]),
        // Release-mode RPC benchmark against the C++ peer (scripts/build-interop.sh).
        .executableTarget(
            name: "capnp-rpc-bench",
            dependencies: ["CapnProtoRPC", "CapnProtoNetwork", "CapnProtoTestSupport", "CapnProto"]
        ),
        // Release-mode network benchmark: TLS handshakes/s, calls/s over TLS and plain TCP.
        .executableTarget(
            name: "capnp-net-bench",
            dependencies: ["CapnProtoRPC", "CapnProtoNetwork", "CapnProtoTestSupport", "CapnProto"]
        ),

        // Release-mode OBuilder benchmark: cold vs cached builds (scripts/obuilder-bench.sh).
        .executableTarget(name: "obuilder-bench", dependencies: ["OClusterWorker"]),

        .testTarget(
            name: "CapnProtoTests",
            dependencies: ["CapnProto", "CapnProtoTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "CapnProtoCodeGenTests",
            dependencies: ["CapnProtoCodeGen", "CapnProto"],
            resources: [.copy("Fixtures")]
        ),
        // Generated bindings for schema/test/*.capnp checked against the real `capnp` tool.
        .testTarget(
            name: "CapnProtoConformanceTests",
            dependencies: ["CapnProto", "CapnProtoRPC", "CapnProtoTestSupport"]
        ),
        .testTarget(name: "OClusterAPITests", dependencies: ["OClusterAPI", "CapnProto", "CapnProtoTestSupport"]),
        .testTarget(
            name: "OClusterSchedulerTests",
            dependencies: [
                "OClusterScheduler", "OClusterAPI", "CapnProtoRPC", "CapnProtoNetwork", "CapnProto",
                "CapnProtoTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "OClusterWorkerTests",
            dependencies: ["OClusterWorker", "OClusterAPI", "CapnProtoRPC", "CapnProto", "CapnProtoTestSupport"]
        ),
        // Separate processes (scheduler, workers, clients) over real TLS on 127.0.0.1.
        .testTarget(
            name: "OClusterIntegrationTests",
            dependencies: ["CapnProtoTestSupport", "CapnProtoNetwork", "OClusterAPI", "CapnProtoRPC", "CapnProto"]
        ),
        .testTarget(name: "CapnProtoRPCTests", dependencies: ["CapnProtoRPC", "CapnProto", "CapnProtoTestSupport"]),
        .testTarget(
            name: "CapnProtoNetworkTests",
            dependencies: [
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

for target in package.targets {
    switch target.type {
    case .regular, .test, .executable:
        var settings = target.swiftSettings ?? []
        settings.append(.swiftLanguageMode(.v6))
        settings.append(.enableUpcomingFeature("MemberImportVisibility"))
        settings.append(.enableUpcomingFeature("ExistentialAny"))
        // Generated readers and builders call small runtime accessors across module boundaries;
        // letting the optimizer inline them halves encode time (see README, Performance).
        settings.append(.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)))
        if target.name == "CapnProto" {
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

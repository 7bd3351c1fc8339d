// swift-tools-version:6.1
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
    targets: [
        // Serialization core: no dependencies at all.
        .target(name: "CapnProto"),
        // The RPC protocol (rpc.capnp bindings now; the CapTP engine comes with the RPC issue).
        .target(name: "CapnProtoRPC", dependencies: ["CapnProto"]),
        // Schema model and Swift code generation for capnpc-swift.
        .target(name: "CapnProtoCodeGen", dependencies: ["CapnProto"]),
        .executableTarget(name: "capnpc-swift", dependencies: ["CapnProtoCodeGen"]),
        // Generated bindings for schema/ocluster.capnp plus hand-written wrappers.
        .target(name: "OClusterAPI", dependencies: ["CapnProto"]),
        // Pools and the cache-hint affinity queue (pure), later the RPC services.
        .target(name: "OClusterScheduler"),
        // Release-mode benchmark; compared against Benchmarks/cpp in scripts/bench.sh.
        .executableTarget(name: "capnp-bench", dependencies: ["CapnProto", "OClusterAPI"]),

        .testTarget(name: "CapnProtoTests", dependencies: ["CapnProto"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "CapnProtoCodeGenTests",
            dependencies: ["CapnProtoCodeGen", "CapnProto"],
            resources: [.copy("Fixtures")]
        ),
        // Generated bindings for schema/test/*.capnp checked against the real `capnp` tool.
        .testTarget(name: "CapnProtoConformanceTests", dependencies: ["CapnProto", "CapnProtoRPC"]),
        .testTarget(name: "OClusterAPITests", dependencies: ["OClusterAPI", "CapnProto"]),
        .testTarget(name: "OClusterSchedulerTests", dependencies: ["OClusterScheduler"]),
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
        target.swiftSettings = settings
    case .macro, .plugin, .system, .binary:
        ()
    @unknown default:
        ()
    }
}

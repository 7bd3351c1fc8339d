// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import PackageDescription

// The benchmarks, a package of their own so that no benchmark code is in a product of the main
// package: they use its library products, as any other program would. Build them in release mode
// (the scripts/*bench.sh scripts do); CI builds them in debug so that they cannot rot.
let package = Package(
    name: "swift-ocluster-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-ocluster", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // Serialization, against Benchmarks/cpp (scripts/bench.sh).
        .executableTarget(
            name: "capnp-bench",
            dependencies: [
                .product(name: "CapnProto", package: "swift-ocluster"),
                .product(name: "OClusterAPI", package: "swift-ocluster"),
            ]
        ),
        // RPC against the C++ peer, over plain TCP and TLS (scripts/rpc-bench.sh).
        .executableTarget(
            name: "capnp-rpc-bench",
            dependencies: [
                .product(name: "CapnProto", package: "swift-ocluster"),
                .product(name: "CapnProtoRPC", package: "swift-ocluster"),
                .product(name: "CapnProtoNetwork", package: "swift-ocluster"),
                .product(name: "CapnProtoTestSupport", package: "swift-ocluster"),
            ]
        ),
        // The vat network: TLS handshakes/s, calls/s over TLS and plain TCP (scripts/net-bench.sh).
        .executableTarget(
            name: "capnp-net-bench",
            dependencies: [
                .product(name: "AsyncBlocks", package: "swift-ocluster"),
                .product(name: "CapnProto", package: "swift-ocluster"),
                .product(name: "CapnProtoRPC", package: "swift-ocluster"),
                .product(name: "CapnProtoNetwork", package: "swift-ocluster"),
                .product(name: "CapnProtoTestSupport", package: "swift-ocluster"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // OBuilder builds, cold vs cached (scripts/obuilder-bench.sh).
        .executableTarget(
            name: "obuilder-bench",
            dependencies: [
                .product(name: "OBuilder", package: "swift-ocluster"),
                .product(name: "AsyncBlocks", package: "swift-ocluster"),
            ]
        ),
        // A real scheduler daemon (Swift or OCaml) driven through its .cap files by simulated
        // workers and clients in processes of their own (scripts/scheduler-bench.sh).
        .executableTarget(
            name: "scheduler-bench",
            dependencies: [
                .product(name: "AsyncBlocks", package: "swift-ocluster"),
                .product(name: "CapnProto", package: "swift-ocluster"),
                .product(name: "CapnProtoRPC", package: "swift-ocluster"),
                .product(name: "CapnProtoNetwork", package: "swift-ocluster"),
                .product(name: "OClusterAPI", package: "swift-ocluster"),
                .product(name: "OClusterScheduler", package: "swift-ocluster"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)))
    target.swiftSettings = settings
}

// swift-tools-version:6.1
// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import PackageDescription

// An example program built on the OClusterClient library, as a package of its own that depends on
// this repository by path (another project would depend on it by URL and version instead).
// scripts/example.sh builds it and runs it against the quick start's cluster.
let package = Package(
    name: "swift-ocluster-examples",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-ocluster", path: "..")
    ],
    targets: [
        // Submits an OBuilder job, streams its log, prints its result.
        .executableTarget(
            name: "submit-and-follow",
            dependencies: [.product(name: "OClusterClient", package: "swift-ocluster")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)

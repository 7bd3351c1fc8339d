// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The version of swift-ocluster, which every executable prints for `--version`.
public enum OClusterVersion {
    /// The release this source tree is; bump it when tagging a release.
    public static let current = "0.1.0"
}

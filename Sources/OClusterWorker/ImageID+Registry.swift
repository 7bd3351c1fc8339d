// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import OClusterAPI

extension JobSpec.ImageID {
    /// The registry host the repository names, or `nil` for Docker Hub. As Docker reads image
    /// names: the first `/`-separated component is a registry when it contains `.` or `:`, is
    /// `localhost`, or has upper-case letters.
    public var registry: String? {
        guard let slash = repository.firstIndex(of: "/") else { return nil }
        let first = repository[..<slash]
        let isHost =
            first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first
        return isHost ? String(first) : nil
    }
}

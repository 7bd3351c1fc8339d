// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import ArgumentParser
import OClusterWorker

/// The OBuilder backend for `--obuilder-store`, or `nil` without one (Docker-only worker).
func makeOBuilderBackend(_ options: OBuilderOptions) async throws -> (any OBuilderBackend)? {
    guard let store = options.store else { return nil }
    throw ValidationError("--obuilder-store \(store): OBuilder jobs are not available in this build yet")
}

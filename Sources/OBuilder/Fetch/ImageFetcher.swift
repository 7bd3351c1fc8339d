// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// Gets base images for `(from IMAGE)` from a registry (OBuilder's `FETCHER`).
///
/// Fetching is two steps so that the store can key the image by its digest before anything
/// is downloaded: ``resolve(_:log:)`` finds what a reference names now, ``fetch(_:into:scratch:log:)``
/// extracts that image's root file system. Both report progress as log output.
public protocol ImageFetcher: Sendable {
    /// Finds the image `reference` names: its digest and environment.
    ///
    /// - Throws: ``OBuilderError/Code/unknownBaseImage`` when the registry has no such image or
    ///   tag, ``OBuilderError/Code/imageFetch`` when the registry cannot be reached.
    func resolve(
        _ reference: ImageReference,
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError) -> ResolvedImage

    /// Extracts `image`'s root file system into the existing, empty directory `rootfs`.
    ///
    /// - Parameter scratch: a directory for temporary files, on the same file system as `rootfs`.
    /// - Throws: ``OBuilderError/Code/imageFetch``; the caller removes what was extracted.
    func fetch(
        _ image: ResolvedImage,
        into rootfs: String,
        scratch: String,
        log: @escaping @Sendable (OBuilderLogEvent) -> Void
    ) async throws(OBuilderError)
}

/// An image as a registry or engine resolved it.
public struct ResolvedImage: Hashable, Sendable {
    /// The reference the fetch downloads (pinned to ``digest`` where the fetcher can).
    public var reference: ImageReference
    /// What the image is keyed by in the store: the manifest digest (or the engine's image id).
    public var digest: String
    /// The image's `Config.Env` (`NAME=VALUE`).
    public var environment: [String]

    public init(reference: ImageReference, digest: String, environment: [String]) {
        self.reference = reference
        self.digest = digest
        self.environment = environment
    }
}

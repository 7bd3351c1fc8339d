// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A local directory of base images for `(from NAME)`, as made by `scripts/make-base-image.sh`.
///
/// Each image is `DIRECTORY/NAME/` holding `rootfs/` (the root file system), optionally `env`
/// (`NAME=VALUE` lines, the image's environment) and `id` (a content id; when it changes, builds
/// from the image are no longer served from the cache). A NAME may contain `/` (for example
/// `ocaml/opam`), each component being a plain directory name.
public struct BaseImageStore: Hashable, Sendable {
    /// One base image.
    public struct Image: Hashable, Sendable {
        public var name: String
        public var rootfs: String
        /// `NAME=VALUE` entries.
        public var environment: [String]
        /// The content id from the `id` file, or "" if there is none.
        public var contentID: String
    }

    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// Looks an image up by the name a spec's `(from …)` gives.
    public func image(named name: String) throws(OBuilderError) -> Image {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:@+")
        guard !components.isEmpty,
            components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.allSatisfy(allowed.contains) })
        else {
            throw OBuilderError(.unknownBaseImage, "invalid base image name \"\(name)\"")
        }
        let path = directory + "/" + name
        guard OBuilderFileSystem.isDirectory(path + "/rootfs") else {
            throw OBuilderError(
                .unknownBaseImage,
                "base image \"\(name)\" not found in \(directory) (make it with scripts/make-base-image.sh)"
            )
        }
        let environment =
            OBuilderFileSystem.readText(path + "/env")?.split(separator: "\n").map(String.init).filter {
                $0.contains("=")
            } ?? []
        let contentID = OBuilderFileSystem.readText(path + "/id")?.split(separator: "\n").first.map(String.init) ?? ""
        return Image(name: name, rootfs: path + "/rootfs", environment: environment, contentID: contentID)
    }
}

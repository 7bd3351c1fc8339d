// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// An image as `(from …)` names it, Docker's syntax: `[HOST[:PORT]/]PATH[:TAG][@sha256:HEX]`.
///
/// The first path component is a registry host when it contains `.` or `:` or is `localhost`
/// (Docker's rule); otherwise the image is on Docker Hub.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host (with its port), or nil for Docker Hub.
    public var registry: String?
    /// The repository path inside the registry, e.g. `ocaml/opam` or `busybox`.
    public var repository: String
    public var tag: String?
    /// `sha256:…`, when the reference pins a digest.
    public var digest: String?

    /// Parses `text`, refusing anything that is not a plain image reference (so that a name can
    /// never be taken for a command-line option by the tools it is passed to).
    public init(parsing text: String) throws(OBuilderError) {
        func invalid(_ why: String) -> OBuilderError {
            OBuilderError(.unknownBaseImage, "invalid image reference \"\(text)\": \(why)")
        }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            let hex = digest.dropFirst("sha256:".count)
            guard digest.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy(Self.lowerHex.contains) else {
                throw invalid("a digest must be sha256: followed by 64 lowercase hex digits")
            }
            self.digest = String(digest)
            rest = rest[..<at]
        }
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let tag = rest[rest.index(after: colon)...]
            guard !tag.isEmpty, tag.count <= 128, tag.first != "-", tag.first != ".",
                tag.allSatisfy(Self.tagCharacters.contains)
            else {
                throw invalid("bad tag \"\(tag)\"")
            }
            self.tag = String(tag)
            rest = rest[..<colon]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false)
        if components.count > 1, let first = components.first,
            first.contains(".") || first.contains(":") || first == "localhost"
        {
            guard first.first != "-", first.allSatisfy(Self.hostCharacters.contains) else {
                throw invalid("bad registry \"\(first)\"")
            }
            registry = String(first)
            components.removeFirst()
        }
        guard !components.isEmpty,
            components.allSatisfy({
                guard let head = $0.first, let tail = $0.last else { return false }
                return Self.pathAlphanumerics.contains(head) && Self.pathAlphanumerics.contains(tail)
                    && $0.allSatisfy(Self.pathCharacters.contains)
            })
        else {
            throw invalid("a repository is lowercase letters, digits and . _ - separated by /")
        }
        repository = components.joined(separator: "/")
    }

    private static let lowerHex = Set("0123456789abcdef")
    private static let pathAlphanumerics = Set("abcdefghijklmnopqrstuvwxyz0123456789")
    private static let pathCharacters = pathAlphanumerics.union("._-")
    private static let tagCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
    private static let hostCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:[]")

    /// The reference as written (registry, repository, tag, digest).
    public var description: String {
        var text = registry.map { $0 + "/" } ?? ""
        text += repository
        if let tag { text += ":" + tag }
        if let digest { text += "@" + digest }
        return text
    }

    /// Whether the registry is on Docker Hub (no host given, or `docker.io`).
    public var isDockerHub: Bool {
        registry == nil || registry == "docker.io" || registry == "index.docker.io"
            || registry == "registry-1.docker.io"
    }

    /// The host without its port.
    public var registryHost: String? {
        guard let registry else { return nil }
        if registry.hasPrefix("["), let end = registry.firstIndex(of: "]") {
            return String(registry[registry.index(after: registry.startIndex)..<end])
        }
        return registry.split(separator: ":", maxSplits: 1).first.map(String.init)
    }

    /// Whether the registry is on this machine, which Docker trusts over plain HTTP.
    public var isLoopback: Bool {
        guard let host = registryHost else { return false }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The same image on `mirror` (`HOST[:PORT]`) if it is a Docker Hub image, as Docker's
    /// `registry-mirrors` do: `busybox` becomes `MIRROR/library/busybox`.
    public func onMirror(_ mirror: String) -> ImageReference {
        guard isDockerHub else { return self }
        var copy = self
        copy.registry = mirror
        if !repository.contains("/") { copy.repository = "library/" + repository }
        return copy
    }

    /// The reference pinned to `digest` (the tag kept for people reading logs is dropped, as
    /// registries resolve `NAME@DIGEST` only).
    public func pinned(to digest: String) -> ImageReference {
        var copy = self
        copy.tag = nil
        copy.digest = digest
        return copy
    }
}

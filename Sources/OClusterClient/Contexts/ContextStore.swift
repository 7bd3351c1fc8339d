// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import Foundation
import OClusterAPI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The contexts `ocluster-client context …` manages, shared by `ocluster-admin`: one directory
/// per context under `contexts/` holding `connection.cap` and an optional `pool`, and the name of
/// the current one in `current`. Everything is private to the user (directories 0700, files
/// 0600), since a capability grants access to the cluster.
public struct ContextStore: Sendable {
    /// The directory holding the contexts (`$XDG_CONFIG_HOME/ocluster`).
    public let directory: String

    /// A store in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// The store under the user's configuration directory: `$XDG_CONFIG_HOME/ocluster`, or
    /// `~/.config/ocluster` when that is unset or not absolute (as the XDG base directory
    /// specification says).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            self.init(directory: config + "/ocluster")
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            self.init(directory: home + "/.config/ocluster")
        }
    }

    /// Adds context `name` with a copy of the capability in `capFile` (checked to hold a sturdy
    /// ref first), and makes it current if there was no current context.
    ///
    /// - Throws: ``OClusterClientErrorCode/context`` for a bad or taken name or a write failure,
    ///   ``OClusterClientErrorCode/capFile`` when `capFile` is missing, unreadable or not a
    ///   capability.
    public func add(_ name: String, capFile: String, pool: String? = nil) throws(OClusterClientError) -> ClusterContext
    {
        try Self.check(name)
        let contents = try Self.readCap(capFile)
        if pool?.isEmpty == true { throw OClusterClientError(.context, "The pool name must not be empty") }
        let folder = contextDirectory(name)
        guard !FileManager.default.fileExists(atPath: folder) else {
            throw OClusterClientError(.context, "Context \(ocamlQuoted(name)) already exists")
        }
        try makePrivateDirectory(directory + "/contexts")
        try makePrivateDirectory(folder)
        do {
            try writePrivate(folder + "/connection.cap", contents)
            if let pool { try writePrivate(folder + "/pool", Data((pool + "\n").utf8)) }
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        if currentName() == nil { try use(name) }
        return ClusterContext(name: name, capFile: folder + "/connection.cap", pool: pool)
    }

    /// Makes `name` the current context.
    ///
    /// - Throws: ``OClusterClientErrorCode/context`` when there is no such context.
    public func use(_ name: String) throws(OClusterClientError) {
        _ = try context(name)
        try makePrivateDirectory(directory)
        try writePrivate(directory + "/current", Data((name + "\n").utf8))
    }

    /// Removes context `name` (and forgets it as the current one).
    ///
    /// - Throws: ``OClusterClientErrorCode/context`` when there is no such context.
    public func remove(_ name: String) throws(OClusterClientError) {
        _ = try context(name)
        do {
            try FileManager.default.removeItem(atPath: contextDirectory(name))
        } catch {
            throw OClusterClientError(.context, "Cannot remove context \(ocamlQuoted(name)): \(error)", cause: error)
        }
        if currentName() == name { try? FileManager.default.removeItem(atPath: directory + "/current") }
    }

    /// Every context, by name.
    public func list() -> [ClusterContext] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/contexts")) ?? []
        return names.sorted().compactMap { try? context($0) }
    }

    /// The current context's name, if one is set.
    public func currentName() -> String? {
        guard let data = FileManager.default.contents(atPath: directory + "/current") else { return nil }
        let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }

    /// Context `name`.
    ///
    /// - Throws: ``OClusterClientErrorCode/context`` when there is no such context.
    public func context(_ name: String) throws(OClusterClientError) -> ClusterContext {
        try Self.check(name)
        let folder = contextDirectory(name)
        guard FileManager.default.fileExists(atPath: folder + "/connection.cap") else {
            throw OClusterClientError(.context, "No context named \(ocamlQuoted(name))")
        }
        let pool = FileManager.default.contents(atPath: folder + "/pool").map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return ClusterContext(
            name: name,
            capFile: folder + "/connection.cap",
            pool: pool?.isEmpty == false ? pool : nil
        )
    }

    /// The context a command uses when it is given no `-c`: the one `OCLUSTER_CONTEXT` names,
    /// else the current one, else none.
    ///
    /// - Throws: ``OClusterClientErrorCode/context`` when `OCLUSTER_CONTEXT` or the current
    ///   context names a context that does not exist.
    public func selected(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(OClusterClientError) -> ClusterContext? {
        if let name = environment["OCLUSTER_CONTEXT"], !name.isEmpty {
            do {
                return try context(name)
            } catch {
                throw OClusterClientError(.context, "OCLUSTER_CONTEXT: \(error.message)", cause: error)
            }
        }
        guard let name = currentName() else { return nil }
        return try context(name)
    }

    private func contextDirectory(_ name: String) -> String { directory + "/contexts/" + name }

    /// Names are path components: letters, digits, `.`, `_` and `-`, not starting with `.`.
    static func check(_ name: String) throws(OClusterClientError) {
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0))
        }
        guard !name.isEmpty, name.count <= 64, allowed, !name.hasPrefix(".") else {
            throw OClusterClientError(
                .context,
                "Invalid context name \(ocamlQuoted(name)): use up to 64 letters, digits, '.', '_' or '-', not starting with '.'"
            )
        }
    }

    /// The capability file's bytes, checked to hold a sturdy ref.
    static func readCap(_ path: String) throws(OClusterClientError) -> Data {
        guard FileManager.default.fileExists(atPath: path) else {
            throw OClusterClientError(.capFile, "File \(ocamlQuoted(path)) does not exist")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OClusterClientError(.capFile, "Error loading \(ocamlQuoted(path)): cannot read the file")
        }
        _ = try Connection.load(path)
        return data
    }

    private func makePrivateDirectory(_ path: String) throws(OClusterClientError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw OClusterClientError(.context, "Cannot create \(ocamlQuoted(path)): \(error)", cause: error)
        }
    }

    /// Writes `data` to a new file created with mode 0600 (never readable by others, not even
    /// for a moment), then renames it into place.
    private func writePrivate(_ path: String, _ data: Data) throws(OClusterClientError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw OClusterClientError(
                .context,
                "Cannot write \(ocamlQuoted(path)): \(String(cString: strerror(errno)))"
            )
        }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let closed = close(fd)
        guard written == data.count, closed == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw OClusterClientError(.context, "Cannot write \(ocamlQuoted(path)): \(reason)")
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Moves a tree's owners into a user namespace's host range (uid u becomes start + u), so that
/// a base image imported for a sandbox with a ``UserNamespace`` belongs to the ids its steps run
/// as. Set-id bits, which `chown` clears, are put back.
enum OwnershipShift {
    static func shift(_ path: String, into users: UserNamespace) throws(OBuilderError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw OBuilderError(.fileSystem, "cannot read \(path): \(OBuilderFileSystem.errorText())")
        }
        guard info.st_uid < users.count, info.st_gid < users.count else {
            throw OBuilderError(
                .fileSystem,
                "\(path) belongs to \(info.st_uid):\(info.st_gid), outside the user namespace's \(users.count) ids"
            )
        }
        guard lchown(path, users.uidStart + info.st_uid, users.gidStart + info.st_gid) == 0 else {
            throw OBuilderError(.fileSystem, "cannot change the owner of \(path): \(OBuilderFileSystem.errorText())")
        }
        let type = info.st_mode & S_IFMT
        if type != S_IFLNK, info.st_mode & (S_ISUID | S_ISGID) != 0 { _ = chmod(path, info.st_mode & 0o7777) }
        if type == S_IFDIR {
            for name in try OBuilderFileSystem.listDirectory(path) { try shift(path + "/" + name, into: users) }
        }
    }
}

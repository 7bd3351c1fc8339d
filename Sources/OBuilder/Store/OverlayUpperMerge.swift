// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// Folds an unmounted overlay's upper layer into its (single) lower directory, so the lower
/// directory becomes what the merged view showed: whiteouts delete, opaque directories replace,
/// everything else is renamed over the lower entry. The cost follows what changed, not the size
/// of the lower tree. The upper layer is consumed.
///
/// Assumes the overlay was mounted with `redirect_dir=off` and `metacopy=off`, so every entry in
/// the upper layer is complete.
enum OverlayUpperMerge {
    static func apply(upper: String, onto lower: String) async throws(OBuilderError) {
        for name in try OBuilderFileSystem.listDirectory(upper) {
            let source = upper + "/" + name
            let target = lower + "/" + name
            var info = stat()
            guard lstat(source, &info) == 0 else {
                throw OBuilderError(.fileSystem, "cannot read \(source): \(OBuilderFileSystem.errorText())")
            }
            let type = info.st_mode & S_IFMT
            if type == S_IFCHR, info.st_rdev == 0 {
                try await OBuilderFileSystem.removeTree(target)
            } else if type == S_IFDIR, OBuilderFileSystem.isDirectory(target), !isOpaque(source) {
                try await apply(upper: source, onto: target)
                try copyAttributes(info, to: target)
            } else {
                if OBuilderFileSystem.isDirectory(target) { try await OBuilderFileSystem.removeTree(target) }
                try OBuilderFileSystem.rename(source, to: target)
                if type == S_IFDIR { _ = Extended.remove?(target, opaqueAttribute) }
            }
        }
        var info = stat()
        if lstat(upper, &info) == 0 { try copyAttributes(info, to: lower) }
    }

    static let opaqueAttribute = "trusted.overlay.opaque"

    private static func isOpaque(_ path: String) -> Bool {
        var value: UInt8 = 0
        guard let get = Extended.get else { return false }
        return get(path, opaqueAttribute, &value, 1) == 1 && value == UInt8(ascii: "y")
    }

    /// libc's `lgetxattr` and `lremovexattr`, which the Glibc module does not export, looked up
    /// at run time.
    private enum Extended {
        typealias Get =
            @convention(c) (
                UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int
            ) -> Int
        typealias Remove = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Int32
        static let get: Get? = dlsym(dlopen(nil, RTLD_NOW), "lgetxattr").map { unsafeBitCast($0, to: Get.self) }
        static let remove: Remove? = dlsym(dlopen(nil, RTLD_NOW), "lremovexattr").map {
            unsafeBitCast($0, to: Remove.self)
        }
    }

    /// A directory changed in the upper layer carries its new owner, mode and times.
    private static func copyAttributes(_ info: stat, to path: String) throws(OBuilderError) {
        var times = [info.st_atim, info.st_mtim]
        guard lchown(path, info.st_uid, info.st_gid) == 0, chmod(path, info.st_mode & 0o7777) == 0,
            utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0
        else {
            throw OBuilderError(.fileSystem, "cannot set the attributes of \(path): \(OBuilderFileSystem.errorText())")
        }
    }
}

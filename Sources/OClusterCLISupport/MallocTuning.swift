// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

#if canImport(Glibc)
import Glibc
#endif

/// glibc allocator settings for long-running daemons.
///
/// glibc gives each thread that allocates concurrently its own arena (up to 8 per core), and
/// memory freed in one arena is reused only there: after a burst of work spread over many
/// threads, the scheduler kept tens of MiB resident that its heap no longer used. A couple of
/// arenas is plenty for a process whose work runs on a 2-thread-per-core pool. `mallopt` is not
/// in Swift's Glibc module, so it is looked up at run time; elsewhere this does nothing.
public enum MallocTuning {
    /// Limits the number of malloc arenas (glibc's `M_ARENA_MAX`). Returns whether it was applied.
    @discardableResult
    public static func limitArenas(_ count: Int32) -> Bool {
        #if canImport(Glibc)
        // M_ARENA_MAX in <malloc.h>.
        let arenaMax: Int32 = -8
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        return unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, count) == 1
        #else
        return false
        #endif
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// A status message on a terminal line while something slow happens, as capnp-rpc-unix's
/// `Console.with_msg` shows `[ connecting to … ]`: printed without a newline, and rubbed out
/// (carriage return, spaces, carriage return) when the work is done.
struct ConsoleMessage: Sendable {
    let write: @Sendable (String) -> Void

    /// Runs `body`; if it is still running after `delay`, shows `message` until it ends.
    func showing<T>(
        _ message: String,
        after delay: Duration,
        _ body: () async throws(OClusterClientError) -> T
    ) async throws(OClusterClientError) -> T {
        let result: Result<T, OClusterClientError> = await withTaskGroup(of: Bool.self) { group in
            group.addTask { [write] in
                guard (try? await Task.sleep(for: delay)) != nil, !Task.isCancelled else { return false }
                write(message)
                return true
            }
            let result: Result<T, OClusterClientError>
            do throws(OClusterClientError) {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            group.cancelAll()
            // The timer says whether it showed the message (even one shown just now is rubbed out).
            for await shown in group where shown {
                write("\r" + String(repeating: " ", count: message.utf8.count) + "\r")
            }
            return result
        }
        return try result.get()
    }
}

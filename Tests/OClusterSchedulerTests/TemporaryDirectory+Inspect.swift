// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import Foundation
import GRDB
import TestSupport

extension TemporaryDirectory {
    /// An independent connection to a database file, for checking what the store wrote the way another
    /// program (ocluster, the `sqlite3` shell) would see it.
    static func inspect<T>(_ path: String, _ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.inDatabase(body)
    }
}

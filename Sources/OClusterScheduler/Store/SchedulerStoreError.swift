// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoRPC
import GRDB

/// A failure of the scheduler's SQLite store. Over RPC it is `failed` with its message.
public typealias SchedulerStoreError = CodedError<SchedulerStoreErrorCode>

/// A kind of ``SchedulerStoreError``.
public enum SchedulerStoreErrorCode: String, RPCErrorCode {
    /// The state directory is missing and could not be created, or is not a directory.
    case cannotCreateDirectory
    /// SQLite could not open or create the database file (permissions, missing parent, a directory…).
    case cannotOpen
    /// The file exists but is not an SQLite database (SQLITE_NOTADB).
    case notADatabase
    /// The file is an SQLite database whose pages are damaged (SQLITE_CORRUPT, or a failed integrity check).
    case corrupt
    /// A table the scheduler needs exists with columns or a primary key that do not match ocluster's.
    case incompatibleSchema
    /// `addClient` for an id that already has a submission sturdy ref.
    case clientAlreadyRegistered
    /// `removeClient` for an id that has none.
    case unknownClient
    /// A write did not commit within the scheduler's `--db-write-timeout` (a frozen or very slow disk); it was
    /// rolled back, or dropped before it started.
    case timeout
    /// Any other SQLite error (disk full, I/O error, database locked past the busy timeout…).
    case database
}

extension SchedulerStoreError {
    /// Classifies an error thrown by GRDB; `context` says what the store was doing.
    init(wrapping error: any Error, context: String) {
        if let error = error as? SchedulerStoreError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            self.init(.database, "\(context): \(error)", cause: error)
            return
        }
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_NOTADB:
            self.init(.notADatabase, "\(context): not an SQLite database (\(detail))", cause: error)
        case .SQLITE_CORRUPT:
            self.init(.corrupt, "\(context): database is corrupt (\(detail))", cause: error)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY:
            self.init(.cannotOpen, "\(context): \(detail)", cause: error)
        default:
            self.init(.database, "\(context): \(detail)", cause: error)
        }
    }
}

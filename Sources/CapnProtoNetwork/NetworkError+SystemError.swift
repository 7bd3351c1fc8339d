// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import NIOCore
import NIOPosix

extension NetworkError {
    /// The system error number (`errno`) that made a connection fail, when the cause carries one
    /// (e.g. `ECONNREFUSED`), so callers can word it without knowing NIO's error types.
    public var systemErrorNumber: Int32? {
        Self.systemErrorNumber(in: cause)
    }

    /// Whether a connection failed because its host name did not resolve to any address.
    public var isUnknownHost: Bool {
        guard let failure = cause as? NIOConnectionError else { return false }
        return failure.connectionErrors.isEmpty && (failure.dnsAError != nil || failure.dnsAAAAError != nil)
    }

    private static func systemErrorNumber(in error: (any Error)?) -> Int32? {
        switch error {
        case let error as IOError:
            return error.errnoCode
        case let error as NIOConnectionError:
            return error.connectionErrors.lazy.compactMap { systemErrorNumber(in: $0.error) }.first
        case let error as NetworkError:
            return error.systemErrorNumber
        default:
            return nil
        }
    }
}

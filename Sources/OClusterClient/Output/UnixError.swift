// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto
import CapnProtoNetwork
import OClusterAPI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed `connect` as OCaml prints the exception capnp-rpc-unix reports for it:
/// `Unix.Unix_error(Unix.ECONNREFUSED, "connect", "")`, or `Failure("Unknown host \"h\"")`.
struct UnixError {
    let ocamlDescription: String

    /// The exception text for a connection failure, if `error` says which system error it was.
    init?(describing error: any Error, host: String?) {
        guard let error = error as? NetworkError else { return nil }
        if error.isUnknownHost, let host {
            ocamlDescription = "Failure(\(ocamlQuoted("Unknown host \(ocamlQuoted(host))")))"
            return
        }
        guard let number = error.systemErrorNumber else { return nil }
        let name = Self.names[number].map { "Unix.\($0)" } ?? "Unix.EUNKNOWNERR \(number)"
        ocamlDescription = "Unix.Unix_error(\(name), \"connect\", \"\")"
    }

    /// OCaml's names (`Unix.error` constructors) for the errors a `connect` can end with.
    private static let names: [Int32: String] = [
        ECONNREFUSED: "ECONNREFUSED", ETIMEDOUT: "ETIMEDOUT", EHOSTUNREACH: "EHOSTUNREACH",
        ENETUNREACH: "ENETUNREACH", ECONNRESET: "ECONNRESET", EACCES: "EACCES", EPERM: "EPERM",
        ENOENT: "ENOENT", EADDRNOTAVAIL: "EADDRNOTAVAIL", ENETDOWN: "ENETDOWN", EHOSTDOWN: "EHOSTDOWN",
        ECONNABORTED: "ECONNABORTED", EINTR: "EINTR", EAFNOSUPPORT: "EAFNOSUPPORT", ENOTDIR: "ENOTDIR",
        ENAMETOOLONG: "ENAMETOOLONG", EAGAIN: "EAGAIN",
    ]
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// The generic-URI pieces of a `capnp://` URI (RFC 3986), percent-decoded.
struct URIParts {
    var user: String?
    var password: String?
    var host: String
    var port: Int?
    var path: String

    init(_ uri: String) throws {
        guard let schemeEnd = uri.firstIndex(of: ":") else {
            throw NetworkError(.invalidSturdyRef, "missing scheme in \"\(uri)\" (expected 'capnp://…')")
        }
        let scheme = uri[..<schemeEnd]
        guard scheme.lowercased() == "capnp" else {
            throw NetworkError(.invalidSturdyRef, "unknown scheme \"\(scheme)\" (expected 'capnp://…')")
        }
        var rest = uri[uri.index(after: schemeEnd)...]
        guard rest.hasPrefix("//") else {
            throw NetworkError(.invalidSturdyRef, "missing '//' after the scheme in \"\(uri)\"")
        }
        rest = rest.dropFirst(2)
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        self.path = try Self.percentDecode(rest[authorityEnd...], in: uri)
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                self.user = try Self.percentDecode(userinfo[..<colon], in: uri)
                self.password = try Self.percentDecode(userinfo[userinfo.index(after: colon)...], in: uri)
            } else {
                self.user = try Self.percentDecode(userinfo, in: uri)
            }
        }
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw NetworkError(.invalidSturdyRef, "unclosed '[' in the host of \"\(uri)\"")
            }
            self.host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw NetworkError(.invalidSturdyRef, "junk after the IPv6 host in \"\(uri)\"")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            self.host = try Self.percentDecode(authority[..<colon], in: uri)
            portText = authority[authority.index(after: colon)...]
        } else {
            self.host = try Self.percentDecode(authority, in: uri)
        }
        if let portText, !portText.isEmpty {
            guard let port = VatAddress.parsePort(portText) else {
                throw NetworkError(.invalidSturdyRef, "invalid port \"\(portText)\" in \"\(uri)\"")
            }
            self.port = port
        }
    }

    /// Decodes `%XX` escapes; the result must be UTF-8.
    static func percentDecode(_ text: Substring, in uri: String) throws -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw NetworkError(.invalidSturdyRef, "bad percent escape in \"\(uri)\"")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw NetworkError(.invalidSturdyRef, "percent escapes that are not UTF-8 in \"\(uri)\"")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Escapes every byte outside RFC 3986's unreserved and sub-delims sets and `extra`.
    static func percentEncode(_ text: String, keeping extra: String) -> String {
        let kept = Set("-._~!$&'()*+,;=".utf8).union(extra.utf8)
        var out = ""
        for byte in text.utf8 {
            let isAlphanumeric =
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            if isAlphanumeric || kept.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF")
                out += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])"
            }
        }
        return out
    }
}

// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

import CapnProto

/// `.cap` files: a sturdy ref stored on disk, as capnp-rpc-unix's `Cap_file` writes them.
///
/// The content is the URI plus one LF. Files are created (or truncated) with mode 0600, since
/// whoever can read one can use the service. Loading trims surrounding whitespace before
/// parsing, so files written by hand with CRLF or no final newline load too.
public enum CapFile {
    /// Writes `ref` to `path` as `URI + "\n"`, mode 0600.
    ///
    /// capnp-rpc-unix sets 0600 only when it creates the file; this also tightens an existing
    /// file's mode, so a cap never ends up world-readable.
    ///
    /// - Throws: ``NetworkErrorCode/fileSystem`` when the file cannot be written.
    public static func save(_ ref: SturdyRef, to path: String) throws {
        try FileIO.write(Array((ref.uri + "\n").utf8), to: path, mode: 0o600, exclusive: false)
    }

    /// Reads and parses the sturdy ref in the file at `path`.
    ///
    /// - Throws: ``NetworkErrorCode/fileSystem`` when the file cannot be read and
    ///   ``NetworkErrorCode/invalidSturdyRef`` when its content is not a `capnp://` URI.
    public static func load(from path: String) throws -> SturdyRef {
        let bytes = try FileIO.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw NetworkError(.invalidSturdyRef, "cap file \(path) is not UTF-8 text")
        }
        do {
            return try SturdyRef(parsing: text.trimmingWhitespace)
        } catch var error as NetworkError {
            error.message = "error loading \(path): \(error.message)"
            throw error
        }
    }

    /// Resolves a command-line argument that is either a `capnp://` URI or the path of a cap
    /// file holding one (capnp-rpc-unix's `sturdy_uri` converter).
    ///
    /// - Throws: ``NetworkError`` when it is neither.
    public static func resolve(_ argument: String) throws -> SturdyRef {
        if argument.hasPrefix("capnp://") { return try SturdyRef(parsing: argument) }
        guard FileIO.exists(argument) else {
            throw NetworkError(
                .invalidSturdyRef,
                "expected a URI starting with \"capnp://\" or the path to a file containing such a URI, "
                    + "but got \"\(argument)\""
            )
        }
        return try load(from: argument)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CRs, LFs and form feeds (OCaml's
    /// `String.trim`).
    var trimmingWhitespace: String {
        let isSpace: (Unicode.Scalar) -> Bool = { [" ", "\t", "\n", "\r", "\u{0C}"].contains($0) }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[first...last])
        return String(out)
    }
}

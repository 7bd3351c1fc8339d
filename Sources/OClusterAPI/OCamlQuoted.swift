// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// `text` as OCaml's `%S` prints it (`String.escaped` between double quotes), which is how ocluster
/// quotes names in its messages, logs and CLI output.
///
/// Byte by byte: `"` and `\` get a backslash; newline, tab, carriage return and backspace become
/// `\n`, `\t`, `\r`, `\b`; the other printable ASCII bytes stay; every other byte (other control
/// characters, DEL, and each byte of a non-ASCII character) becomes `\` and three decimal digits.
public func ocamlQuoted(_ text: String) -> String {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    out.reserveCapacity(text.utf8.count + 2)
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
        case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
        case 0x20...0x7E: out.append(byte)
        default:
            out += [
                UInt8(ascii: "\\"), UInt8(ascii: "0") + byte / 100, UInt8(ascii: "0") + byte / 10 % 10,
                UInt8(ascii: "0") + byte % 10,
            ]
        }
    }
    out.append(UInt8(ascii: "\""))
    return String(decoding: out, as: UTF8.self)
}

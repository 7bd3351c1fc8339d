// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// The few `printf` float conversions the pool's dump uses, with C's exact output.
enum OCamlFloatFormat {
    /// `%.0f`: round half to even on the exact binary value, keep the sign of negative values that round
    /// to zero ("-0"), and print every digit of large values.
    static func fixed0(_ value: Double) -> String {
        if value.isNaN { return value.sign == .minus ? "-nan" : "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let sign = value.sign == .minus ? "-" : ""
        let magnitude = value.magnitude.rounded(.toNearestOrEven)
        if magnitude < 9.0e18 {
            return sign + String(UInt64(magnitude))
        }
        return sign + integerDigits(magnitude)
    }

    /// `%.0fs` for durations under two minutes, else whole minutes as `%.0fm` (ocluster's rough duration).
    static func roughDuration(_ seconds: Double) -> String {
        if seconds < 120 { return fixed0(seconds) + "s" }
        return fixed0(seconds / 60) + "m"
    }

    /// Decimal digits of a large integral double (significand × 2^exponent), by repeated doubling.
    private static func integerDigits(_ value: Double) -> String {
        var digits: [UInt8] = []  // least significant first
        var significand = (UInt64(1) << 52) | value.significandBitPattern
        while significand > 0 {
            digits.append(UInt8(significand % 10))
            significand /= 10
        }
        let shifts = Int(value.exponent) - 52
        if shifts > 0 {
            for _ in 0..<shifts {
                var carry: UInt8 = 0
                for index in digits.indices {
                    let doubled = digits[index] * 2 + carry
                    digits[index] = doubled % 10
                    carry = doubled / 10
                }
                if carry > 0 { digits.append(carry) }
            }
        }
        return String(digits.reversed().map { Character(Unicode.Scalar($0 + 48)) })
    }
}

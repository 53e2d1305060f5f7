/// Formats a finite double as Python's `repr` does: the shortest digits that read back to
/// the same value, in fixed notation for decimal exponents from -4 to 15 and scientific
/// notation (at least two exponent digits) otherwise: `0.1`, `1e-05`, `1e+16`, `2.0`.
public enum PythonFloatFormat {
    public static func repr(_ value: Double) -> String {
        precondition(value.isFinite)
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, exponent) = shortestDigits(value.magnitude)
        let sign = value < 0 ? "-" : ""
        // `exponent` is the power of ten of the first digit.
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
            }
            let integerCount = exponent + 1
            if digits.count <= integerCount {
                return sign + digits + String(repeating: "0", count: integerCount - digits.count) + ".0"
            }
            let split = digits.index(digits.startIndex, offsetBy: integerCount)
            return sign + digits[..<split] + "." + digits[split...]
        }
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        let power = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (power.count < 2 ? "0" : "") + power
    }

    /// The shortest round-trip decimal digits (no leading or trailing zeros) and the decimal
    /// exponent of the first digit, taken from Swift's own shortest representation.
    private static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = value.description     // e.g. "0.001", "1.5e-07", "12345.678", "1e+16"
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponentPart = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerPart = String(pieces[0])
        let fractionPart = pieces.count > 1 ? String(pieces[1]) : ""
        var allDigits = integerPart + fractionPart
        // Position of the decimal point within allDigits.
        var pointPosition = integerPart.count + exponentPart
        let leadingZeros = allDigits.prefix { $0 == "0" }.count
        allDigits.removeFirst(leadingZeros)
        pointPosition -= leadingZeros
        while allDigits.last == "0" { allDigits.removeLast() }
        return (allDigits.isEmpty ? "0" : allDigits, pointPosition - 1)
    }
}

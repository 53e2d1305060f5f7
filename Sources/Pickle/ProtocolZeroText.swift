/// Parsers for the text arguments of protocol 0: INT, LONG, FLOAT, STRING and UNICODE lines.
///
/// They accept what CPython's picklers write, with the values CPython's C unpickler gives,
/// and refuse anything else with a reason; the laxities of CPython's readers that no
/// pickler produces (hexadecimal, octal, leading zeros, underscores, surrounding whitespace,
/// a NUL ending the number early) are refused on purpose.
enum ProtocolZeroText {
    typealias ErrorMaker = (PickleError.Kind) -> PickleError

    /// INT: an optional sign and decimal digits without leading zeros, of any size. As in
    /// CPython, a two-character line that reads 0 or 1 is a bool: "00" and "01" are how
    /// Python 2.3+ wrote False and True ("+1" and "-0" read the same way). CPython reads
    /// other leading zeros as octal ("010" is 8), which no pickler writes.
    static func parseInt(_ line: ByteSlice, error: ErrorMaker) throws -> OpcodeArgument {
        let text = line.array
        let value = BigInteger(decimal: text)
        let small = value?.int64
        let isBool = text.count == 2 && (small == 0 || small == 1)
        guard let value, isBool || !hasLeadingZero(text) else {
            throw error(.badArgument("\(quoted(line)) is not a decimal integer as picklers write it (no leading zeros)"))
        }
        if isBool { return .bool(small == 1) }
        if let small { return .int(small) }
        return .bigInteger(value)
    }

    /// LONG: an optional sign and decimal digits (without the "L" suffix), no leading zeros
    /// unless every digit is zero, as Python's `int(text, 0)` reads them.
    static func parseLong(_ digits: [UInt8], error: ErrorMaker) throws -> BigInteger {
        let isAllZeros = digits.drop(while: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") })
            .allSatisfy { $0 == UInt8(ascii: "0") }
        guard let value = BigInteger(decimal: digits), isAllZeros || !hasLeadingZero(digits) else {
            throw error(.badArgument("\(quoted(ByteSlice(copying: digits))) is not a decimal integer as picklers write it (no leading zeros)"))
        }
        return value
    }

    /// Whether the digits after an optional sign start with a zero and go on.
    private static func hasLeadingZero(_ text: [UInt8]) -> Bool {
        let digits = text.drop(while: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") })
        return digits.count > 1 && digits.first == UInt8(ascii: "0")
    }

    /// FLOAT: a Python float literal (`repr` of a float), including inf and nan.
    static func parseFloat(_ line: ByteSlice) -> Double? {
        guard let text = line.utf8String, isFloatLiteral(text) else { return nil }
        guard let value = Double(text) else { return nil }
        let lower = text.lowercased()
        // "1e999" parses to infinity in Swift; Python refuses it as out of range.
        if value.isInfinite && !lower.hasSuffix("inf") && !lower.hasSuffix("infinity") { return nil }
        return value
    }

    private static func isFloatLiteral(_ text: String) -> Bool {
        var rest = Substring(text.lowercased())
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        if rest == "inf" || rest == "infinity" || rest == "nan" { return true }
        let digits: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        let mantissa = rest.prefix { $0 != "e" }
        let exponent = rest.dropFirst(mantissa.count)
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.allSatisfy({ $0.allSatisfy(digits) }), parts.contains(where: { !$0.isEmpty }) else { return false }
        guard !exponent.isEmpty else { return true }
        var power = exponent.dropFirst()
        if power.first == "+" || power.first == "-" { power = power.dropFirst() }
        return !power.isEmpty && power.allSatisfy(digits)
    }

    /// STRING: a quoted Python 2 string literal, as `repr` writes it: quotes removed and
    /// backslash escapes decoded (`\n`, `\x41`, `\101`, …), giving the raw bytes.
    static func unquoteString(_ line: ByteSlice, error: ErrorMaker) throws -> ByteSlice {
        let text = line.array
        guard text.count >= 2, let quote = text.first, quote == text.last,
              quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw error(.badArgument("the STRING argument \(quoted(line)) must be enclosed in matching quotes"))
        }
        let body = text[1..<(text.count - 1)]
        var result: [UInt8] = []
        result.reserveCapacity(body.count)
        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                result.append(byte)
                continue
            }
            guard index < body.endIndex else {
                throw error(.badArgument("the STRING argument ends with a lone backslash"))
            }
            let escape = body[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\n"): break                              // line continuation
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): result.append(escape)
            case UInt8(ascii: "a"): result.append(0x07)
            case UInt8(ascii: "b"): result.append(0x08)
            case UInt8(ascii: "f"): result.append(0x0C)
            case UInt8(ascii: "n"): result.append(0x0A)
            case UInt8(ascii: "r"): result.append(0x0D)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "v"): result.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                // Up to three octal digits; values above 0o377 wrap as in CPython.
                var value = Int(escape - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, index < body.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(body[index]) {
                    value = value * 8 + Int(body[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                result.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x"):
                guard index + 1 < body.endIndex, let high = hexValue(body[index]), let low = hexValue(body[index + 1]) else {
                    throw error(.badArgument("invalid \\x escape at position \(index - 2 - body.startIndex) of the STRING argument"))
                }
                result.append(high << 4 | low)
                index += 2
            default:
                // Unknown escapes keep the backslash, as Python 2 did.
                result.append(UInt8(ascii: "\\"))
                result.append(escape)
            }
        }
        return ByteSlice(copying: result)
    }

    /// UNICODE: raw-unicode-escape text. Bytes are Latin-1 code points, except that
    /// `\uXXXX` and `\UXXXXXXXX` after an odd number of backslashes are code points.
    static func decodeRawUnicodeEscape(_ line: ByteSlice, error: ErrorMaker) throws -> String {
        let bytes = line.array
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\") else {
                scalars.append(Unicode.Scalar(bytes[index]))
                index += 1
                continue
            }
            // Count the run of backslashes; all but possibly the last are literal.
            var run = 0
            while index < bytes.count, bytes[index] == UInt8(ascii: "\\") {
                run += 1
                index += 1
            }
            let escapes = run % 2 == 1 && index < bytes.count
                && (bytes[index] == UInt8(ascii: "u") || bytes[index] == UInt8(ascii: "U"))
            for _ in 0..<(escapes ? run - 1 : run) { scalars.append("\\") }
            guard escapes else { continue }
            let width = bytes[index] == UInt8(ascii: "u") ? 4 : 8
            let start = index + 1
            guard start + width <= bytes.count else {
                throw error(.badArgument("truncated \\\(width == 4 ? "u" : "U") escape at position \(index - 1) of the UNICODE argument"))
            }
            var value: UInt32 = 0
            for digit in bytes[start..<(start + width)] {
                guard let nibble = hexValue(digit) else {
                    throw error(.badArgument("invalid hexadecimal digit in the escape at position \(index - 1) of the UNICODE argument"))
                }
                value = value << 4 | UInt32(nibble)
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error(.badArgument(value > 0x10FFFF
                    ? "escape at position \(index - 1) is beyond U+10FFFF"
                    : "escape at position \(index - 1) is a lone surrogate, which this reader cannot hold"))
            }
            scalars.append(scalar)
            index = start + width
        }
        return String(scalars)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

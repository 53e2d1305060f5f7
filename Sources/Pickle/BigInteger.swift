/// An integer of any size, as Python's `int` (pickled by LONG, LONG1, LONG4 or a long INT).
///
/// Stored as a sign and a magnitude in 32-bit limbs, least significant first, without
/// leading zero limbs. Only what reading and printing pickles needs is implemented.
public struct BigInteger: Hashable, Sendable, CustomStringConvertible {
    public let isNegative: Bool
    /// Magnitude limbs, least significant first; empty for zero.
    public let limbs: [UInt32]

    init(isNegative: Bool, limbs: [UInt32]) {
        var trimmed = limbs
        while trimmed.last == 0 { trimmed.removeLast() }
        self.limbs = trimmed
        self.isNegative = isNegative && !trimmed.isEmpty
    }

    public init(_ value: Int64) {
        let magnitude = value.magnitude
        self.init(isNegative: value < 0, limbs: [UInt32(truncatingIfNeeded: magnitude), UInt32(truncatingIfNeeded: magnitude >> 32)])
    }

    /// Reads two's-complement little-endian bytes (LONG1/LONG4); empty bytes are zero.
    public init(twosComplementLittleEndian bytes: UnsafeRawBufferPointer) {
        guard let last = bytes.last else {
            self.init(isNegative: false, limbs: [])
            return
        }
        let negative = last & 0x80 != 0
        var limbs = [UInt32](repeating: 0, count: (bytes.count + 3) / 4)
        for (index, byte) in bytes.enumerated() {
            // Negative numbers: take the one's complement now, add one below.
            let value = negative ? ~byte : byte
            limbs[index / 4] |= UInt32(value) << (8 * UInt32(index % 4))
        }
        if negative {
            var carry: UInt64 = 1
            for index in limbs.indices where carry != 0 {
                let sum = UInt64(limbs[index]) + carry
                limbs[index] = UInt32(truncatingIfNeeded: sum)
                carry = sum >> 32
            }
            if carry != 0 { limbs.append(UInt32(carry)) }
        }
        self.init(isNegative: negative, limbs: limbs)
    }

    /// Parses an optional sign followed by decimal digits; nil for anything else.
    public init?<Digits: Collection>(decimal text: Digits) where Digits.Element == UInt8 {
        var rest = Array(text)[...]
        var negative = false
        if let first = rest.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty, rest.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var limbs: [UInt32] = []
        for digit in rest {
            // limbs = limbs * 10 + digit
            var carry = UInt64(digit - 0x30)
            for index in limbs.indices {
                let product = UInt64(limbs[index]) * 10 + carry
                limbs[index] = UInt32(truncatingIfNeeded: product)
                carry = product >> 32
            }
            if carry != 0 { limbs.append(UInt32(carry)) }
        }
        self.init(isNegative: negative, limbs: limbs)
    }

    /// The value as an `Int64` when it fits.
    public var int64: Int64? {
        guard limbs.count <= 2 else { return nil }
        let magnitude = limbs.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (32 * UInt64($1.offset)) }
        if isNegative {
            if magnitude <= UInt64(Int64.max) { return -Int64(magnitude) }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// Decimal digits with a leading minus sign when negative.
    public var description: String {
        guard !limbs.isEmpty else { return "0" }
        var remaining = limbs
        var chunks: [UInt32] = []   // base 10^9, least significant first
        while !remaining.isEmpty {
            var remainder: UInt64 = 0
            for index in remaining.indices.reversed() {
                let current = (remainder << 32) | UInt64(remaining[index])
                remaining[index] = UInt32(current / 1_000_000_000)
                remainder = current % 1_000_000_000
            }
            chunks.append(UInt32(remainder))
            while remaining.last == 0 { remaining.removeLast() }
        }
        var text = isNegative ? "-" : ""
        text += String(chunks.removeLast())
        for chunk in chunks.reversed() {
            let digits = String(chunk)
            text += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return text
    }
}

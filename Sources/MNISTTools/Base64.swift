/// Base64 (RFC 4648, section 4): the standard alphabet, with `=` padding and no line breaks.
public enum Base64 {
    /// `bytes` encoded as Base64.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        let outputCount = (bytes.count + 2) / 3 * 4
        guard outputCount > 0 else { return "" }
        return alphabet.withUnsafeBufferPointer { alphabet in
            String(unsafeUninitializedCapacity: outputCount) { out in
                var o = 0
                var i = 0
                // Whole groups: three bytes become four characters of six bits each.
                while i + 3 <= bytes.count {
                    let group = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    out[o] = alphabet[Int(group >> 18)]
                    out[o + 1] = alphabet[Int(group >> 12 & 0x3f)]
                    out[o + 2] = alphabet[Int(group >> 6 & 0x3f)]
                    out[o + 3] = alphabet[Int(group & 0x3f)]
                    i += 3
                    o += 4
                }
                // One or two bytes left: pad the group with zero bits and the output with `=`.
                let left = bytes.count - i
                if left > 0 {
                    let group = UInt32(bytes[i]) << 16 | (left == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                    out[o] = alphabet[Int(group >> 18)]
                    out[o + 1] = alphabet[Int(group >> 12 & 0x3f)]
                    out[o + 2] = left == 2 ? alphabet[Int(group >> 6 & 0x3f)] : padding
                    out[o + 3] = padding
                }
                return outputCount
            }
        }
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let padding = UInt8(ascii: "=")
}

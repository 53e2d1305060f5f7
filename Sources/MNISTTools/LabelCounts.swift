import Pickle

/// How many labels of each class an integer (or integer-valued float) label array holds.
public struct LabelCounts: Sendable {
    /// counts[k] is the number of labels equal to k.
    public let counts: [Int]

    /// Nil when a label is negative, not an integer, or 1024 or more (not class indices).
    public init?(_ labels: NDArray) {
        guard let bytes = labels.bytes else { return nil }
        let dtype = labels.dtype
        var counts = [Int](repeating: 0, count: 1024)
        var highest = -1
        let valid: Bool = bytes.withUnsafeBytes { raw in
            for index in 0..<labels.count {
                guard let label = Self.label(raw, index, dtype), label >= 0, label < counts.count else { return false }
                counts[label] += 1
                highest = max(highest, label)
            }
            return true
        }
        guard valid else { return nil }
        self.counts = Array(counts[0...max(highest, 0)])
    }

    private static func label(_ raw: UnsafeRawBufferPointer, _ index: Int, _ dtype: DType) -> Int? {
        let offset = index * dtype.itemSize
        func integer<I: FixedWidthInteger>(_ type: I.Type) -> Int? {
            var value = raw.loadUnaligned(fromByteOffset: offset, as: I.self)
            if dtype.needsByteSwap { value = value.byteSwapped }
            return Int(exactly: value)
        }
        func float(_ value: Double) -> Int? {
            value == value.rounded() && abs(value) < 1e9 ? Int(value) : nil
        }
        switch (dtype.kind, dtype.itemSize) {
        case (.signedInteger, 1): return integer(Int8.self)
        case (.signedInteger, 2): return integer(Int16.self)
        case (.signedInteger, 4): return integer(Int32.self)
        case (.signedInteger, 8): return integer(Int64.self)
        case (.unsignedInteger, 1), (.bool, 1): return integer(UInt8.self)
        case (.unsignedInteger, 2): return integer(UInt16.self)
        case (.unsignedInteger, 4): return integer(UInt32.self)
        case (.unsignedInteger, 8): return integer(UInt64.self)
        case (.float, 4):
            var bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            if dtype.needsByteSwap { bits = bits.byteSwapped }
            return float(Double(Float(bitPattern: bits)))
        case (.float, 8):
            var bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            if dtype.needsByteSwap { bits = bits.byteSwapped }
            return float(Double(bitPattern: bits))
        default: return nil
        }
    }
}

import Pickle

/// Minimum, maximum and mean of a numeric array, and whether its values are exact
/// multiples of 1/256 or 1/255 within 0…1 (so storing them as bytes loses nothing).
public struct ArrayStatistics: Sendable {
    public let minimum: Double
    public let maximum: Double
    public let mean: Double
    /// Whether every value is an integer (always true for integer arrays).
    public let allIntegers: Bool
    /// The k in "every value is a multiple of 1/k in 0…1": 256 (the classic file stores
    /// `pixel/256`), 255, or nil. For integer arrays within 0…255, 1 means "already bytes".
    public let byteScale: Int?

    /// Computes the statistics in one pass (a second only when checking for 1/255).
    /// Nil for object arrays and empty arrays.
    public init?(_ array: NDArray) {
        guard let bytes = array.bytes, array.count > 0 else { return nil }
        let dtype = array.dtype
        let scan: Scan? = bytes.withUnsafeBytes { raw in
            switch (dtype.kind, dtype.itemSize) {
            case (.float, 4): return Scan.floats(raw, as: Float.self, swap: dtype.needsByteSwap)
            case (.float, 8): return Scan.floats(raw, as: Double.self, swap: dtype.needsByteSwap)
            case (.float, 2): return Scan.halfFloats(raw, swap: dtype.needsByteSwap)
            case (.unsignedInteger, 1), (.bool, 1): return Scan.integers(raw, as: UInt8.self, swap: false)
            case (.signedInteger, 1): return Scan.integers(raw, as: Int8.self, swap: false)
            case (.signedInteger, 2): return Scan.integers(raw, as: Int16.self, swap: dtype.needsByteSwap)
            case (.unsignedInteger, 2): return Scan.integers(raw, as: UInt16.self, swap: dtype.needsByteSwap)
            case (.signedInteger, 4): return Scan.integers(raw, as: Int32.self, swap: dtype.needsByteSwap)
            case (.unsignedInteger, 4): return Scan.integers(raw, as: UInt32.self, swap: dtype.needsByteSwap)
            case (.signedInteger, 8): return Scan.integers(raw, as: Int64.self, swap: dtype.needsByteSwap)
            case (.unsignedInteger, 8): return Scan.integers(raw, as: UInt64.self, swap: dtype.needsByteSwap)
            default: return nil
            }
        }
        guard let scan else { return nil }
        minimum = scan.minimum
        maximum = scan.maximum
        mean = scan.sum / Double(array.count)
        allIntegers = scan.allIntegers
        byteScale = scan.byteScale
    }

    /// One pass over the elements.
    private struct Scan {
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var sum = 0.0
        var allIntegers = true
        var byteScale: Int?

        static func floats<F: BinaryFloatingPoint>(_ raw: UnsafeRawBufferPointer, as type: F.Type, swap: Bool) -> Scan
        where F.RawSignificand: FixedWidthInteger {
            let count = raw.count / MemoryLayout<F>.size
            var scan = Scan()
            var low = F.infinity, high = -F.infinity
            var multiplesOf256 = true
            var allIntegral = true
            // Sum in blocks so a long array keeps double precision without a double per element.
            var index = 0
            while index < count {
                let end = min(count, index + 4096)
                var blockSum: Double = 0
                for position in index..<end {
                    let value = load(raw, position, as: F.self, swap: swap)
                    low = min(low, value)
                    high = max(high, value)
                    blockSum += Double(value)
                    let scaled = value * 256
                    multiplesOf256 = multiplesOf256 && scaled == scaled.rounded(.towardZero)
                    allIntegral = allIntegral && value == value.rounded(.towardZero)
                }
                scan.sum += blockSum
                index = end
            }
            scan.minimum = Double(low)
            scan.maximum = Double(high)
            scan.allIntegers = allIntegral
            let inUnitRange = low >= 0 && high <= 1
            if inUnitRange && multiplesOf256 && high * 256 <= 255 {
                scan.byteScale = 256
            } else if inUnitRange && allMultiplesOf255(raw, count: count, as: F.self, swap: swap) {
                scan.byteScale = 255
            }
            return scan
        }

        /// Whether every value is k/255 for an integer k, as NumPy computes it in either
        /// the element type or in double precision.
        private static func allMultiplesOf255<F: BinaryFloatingPoint>(_ raw: UnsafeRawBufferPointer, count: Int, as type: F.Type, swap: Bool) -> Bool {
            for position in 0..<count {
                let value = load(raw, position, as: F.self, swap: swap)
                let k = (value * 255).rounded()
                if k / 255 != value && F(Double(k) / 255) != value { return false }
            }
            return true
        }

        static func halfFloats(_ raw: UnsafeRawBufferPointer, swap: Bool) -> Scan {
            let count = raw.count / 2
            var widened = [Float](repeating: 0, count: count)
            for position in 0..<count {
                var bits = raw.loadUnaligned(fromByteOffset: position * 2, as: UInt16.self)
                if swap { bits = bits.byteSwapped }
                widened[position] = Float(Float16(bitPattern: bits))
            }
            return widened.withUnsafeBytes { floats($0, as: Float.self, swap: false) }
        }

        static func integers<I: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, as type: I.Type, swap: Bool) -> Scan {
            let count = raw.count / MemoryLayout<I>.size
            var scan = Scan()
            var low = I.max, high = I.min
            for position in 0..<count {
                var value = raw.loadUnaligned(fromByteOffset: position * MemoryLayout<I>.size, as: I.self)
                if swap { value = value.byteSwapped }
                low = min(low, value)
                high = max(high, value)
                scan.sum += Double(value)
            }
            scan.minimum = Double(low)
            scan.maximum = Double(high)
            scan.byteScale = low >= 0 && high <= 255 ? 1 : nil
            return scan
        }

        @inline(__always)
        private static func load<F: BinaryFloatingPoint>(_ raw: UnsafeRawBufferPointer, _ position: Int, as type: F.Type, swap: Bool) -> F {
            if MemoryLayout<F>.size == 4 {
                var bits = raw.loadUnaligned(fromByteOffset: position * 4, as: UInt32.self)
                if swap { bits = bits.byteSwapped }
                return F(Float(bitPattern: bits))
            }
            var bits = raw.loadUnaligned(fromByteOffset: position * 8, as: UInt64.self)
            if swap { bits = bits.byteSwapped }
            return F(Double(bitPattern: bits))
        }
    }
}

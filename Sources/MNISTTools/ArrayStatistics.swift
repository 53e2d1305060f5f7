import Pickle

/// Minimum, maximum and mean of a numeric array, and whether its values are exact
/// multiples of 1/256 or 1/255 within 0…1 (so storing them as bytes loses nothing).
///
/// Large arrays are scanned in parallel chunks, one per core.
public struct ArrayStatistics: Sendable {
    public let minimum: Double
    public let maximum: Double
    public let mean: Double
    /// The k in "every value is k'/k for a whole k' in 0…k−1": 256 (the classic file stores
    /// `pixel/256`) or 255 for floats; 1 for integer arrays within 0…255 ("already bytes");
    /// nil otherwise.
    public let byteScale: Int?

    /// Nil for object arrays, unsupported dtypes and empty arrays.
    public init?(_ array: NDArray) {
        guard let bytes = array.bytes, array.count > 0 else { return nil }
        let dtype = array.dtype
        guard let scan = bytes.withUnsafeBytes({ Self.scanInParallel($0, dtype: dtype) }) else { return nil }
        minimum = scan.minimum
        maximum = scan.maximum
        mean = scan.sum / Double(array.count)
        let inUnitRange = scan.minimum >= 0 && scan.maximum <= 1
        switch dtype.kind {
        case .float where inUnitRange && scan.multiplesOf256 && scan.maximum * 256 <= 255:
            byteScale = 256
        case .float where inUnitRange && bytes.withUnsafeBytes({ Scan.allMultiplesOf255($0, dtype: dtype) }):
            byteScale = 255
        case .signedInteger, .unsignedInteger, .bool:
            byteScale = scan.minimum >= 0 && scan.maximum <= 255 ? 1 : nil
        default:
            byteScale = nil
        }
    }

    private static func scanInParallel(_ raw: UnsafeRawBufferPointer, dtype: DType) -> Scan? {
        nonisolated(unsafe) let raw = raw
        let partial = inParallelChunks(count: raw.count / dtype.itemSize, minimumChunk: 1 << 20) { range in
            Scan(UnsafeRawBufferPointer(rebasing: raw[(range.lowerBound * dtype.itemSize)..<(range.upperBound * dtype.itemSize)]), dtype: dtype)
        }
        return partial.reduce(Scan?.none) { total, next in
            guard let next else { return nil }
            return total.map { $0.merged(with: next) } ?? next
        }
    }
}

/// Partial statistics of a run of elements; runs merge into the whole.
private struct Scan {
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var sum = 0.0
    /// Every value (in magnitude) is a whole multiple of 1/256.
    var multiplesOf256 = true

    func merged(with other: Scan) -> Scan {
        Scan(minimum: min(minimum, other.minimum), maximum: max(maximum, other.maximum),
             sum: sum + other.sum, multiplesOf256: multiplesOf256 && other.multiplesOf256)
    }

    /// Nil for dtypes without statistics (objects).
    init?(_ raw: UnsafeRawBufferPointer, dtype: DType) {
        let swap = dtype.needsByteSwap
        switch (dtype.kind, dtype.itemSize) {
        case (.float, 4) where !swap: self.init(littleEndianFloat32: raw)
        case (.float, 4): self.init(floats: raw, dtype: dtype)
        case (.float, 8), (.float, 2): self.init(floats: raw, dtype: dtype)
        case (.unsignedInteger, 1), (.bool, 1): self.init(integers: raw, as: UInt8.self, swap: false)
        case (.signedInteger, 1): self.init(integers: raw, as: Int8.self, swap: false)
        case (.signedInteger, 2): self.init(integers: raw, as: Int16.self, swap: swap)
        case (.unsignedInteger, 2): self.init(integers: raw, as: UInt16.self, swap: swap)
        case (.signedInteger, 4): self.init(integers: raw, as: Int32.self, swap: swap)
        case (.unsignedInteger, 4): self.init(integers: raw, as: UInt32.self, swap: swap)
        case (.signedInteger, 8): self.init(integers: raw, as: Int64.self, swap: swap)
        case (.unsignedInteger, 8): self.init(integers: raw, as: UInt64.self, swap: swap)
        default: return nil
        }
    }

    private init(minimum: Double, maximum: Double, sum: Double, multiplesOf256: Bool) {
        self.minimum = minimum
        self.maximum = maximum
        self.sum = sum
        self.multiplesOf256 = multiplesOf256
    }

    /// The common case (the classic file's pixels), eight lanes at a time.
    private init(littleEndianFloat32 raw: UnsafeRawBufferPointer) {
        typealias Lanes = SIMD8<Float>
        let count = raw.count / 4
        let vectorCount = count - count % Lanes.scalarCount
        var low = Lanes(repeating: .infinity), high = Lanes(repeating: -.infinity)
        var multiples = SIMDMask<SIMD8<Int32>>(repeating: true)
        // Adding and removing 2^23 rounds a magnitude below 2^23 to a whole number, leaving
        // it unchanged only if it was one; floats of 2^23 and more are whole anyway.
        let twoTo23 = Lanes(repeating: 0x1p23)
        var index = 0
        while index < vectorCount {
            // Lane sums stay accurate over a short block; blocks add up in double precision.
            let blockEnd = min(vectorCount, index + 4096)
            var blockSum = Lanes()
            while index < blockEnd {
                let value = raw.loadUnaligned(fromByteOffset: index * 4, as: Lanes.self)
                // `replacing(with:where:)` compiles to compare-and-blend; the generic
                // pointwiseMin/Max handle NaN lane by lane and are several times slower.
                low.replace(with: value, where: value .< low)
                high.replace(with: value, where: value .> high)
                blockSum += value
                let scaled = value.replacing(with: -value, where: value .< 0) * 256
                multiples .&= ((scaled + twoTo23) - twoTo23 .== scaled) .| (scaled .>= twoTo23)
                index += Lanes.scalarCount
            }
            sum += Double(blockSum.sum())
        }
        var lowest = low.min(), highest = high.max()
        var allMultiples = all(multiples)
        for position in vectorCount..<count {
            let value = raw.loadUnaligned(fromByteOffset: position * 4, as: Float.self)
            lowest = min(lowest, value)
            highest = max(highest, value)
            sum += Double(value)
            allMultiples = allMultiples && (value * 256).rounded(.towardZero) == value * 256
        }
        minimum = Double(lowest)
        maximum = Double(highest)
        multiplesOf256 = allMultiples
    }

    /// Any float type and byte order, one element at a time.
    private init(floats raw: UnsafeRawBufferPointer, dtype: DType) {
        for position in 0..<(raw.count / dtype.itemSize) {
            let value = Self.float(raw, position, dtype)
            minimum = min(minimum, value)
            maximum = max(maximum, value)
            sum += value
            multiplesOf256 = multiplesOf256 && (value * 256).rounded(.towardZero) == value * 256
        }
    }

    private init<I: FixedWidthInteger>(integers raw: UnsafeRawBufferPointer, as type: I.Type, swap: Bool) {
        var low = I.max, high = I.min
        for position in 0..<(raw.count / MemoryLayout<I>.size) {
            var value = raw.loadUnaligned(fromByteOffset: position * MemoryLayout<I>.size, as: I.self)
            if swap { value = value.byteSwapped }
            low = min(low, value)
            high = max(high, value)
            sum += Double(value)
        }
        minimum = Double(low)
        maximum = Double(high)
    }

    /// Whether every value is k/255 for a whole k, as NumPy computes it either in the
    /// element type or in double precision then rounded to it.
    static func allMultiplesOf255(_ raw: UnsafeRawBufferPointer, dtype: DType) -> Bool {
        for position in 0..<(raw.count / dtype.itemSize) {
            let value = float(raw, position, dtype)
            let k = (value * 255).rounded()
            let candidates: [Double]
            switch dtype.itemSize {
            case 2: candidates = [Double(Float16(k) / 255), Double(Float16(k / 255))]
            case 4: candidates = [Double(Float(k) / 255), Double(Float(k / 255))]
            default: candidates = [k / 255]
            }
            if !candidates.contains(value) { return false }
        }
        return true
    }

    /// Element `position` of a float array as a double.
    private static func float(_ raw: UnsafeRawBufferPointer, _ position: Int, _ dtype: DType) -> Double {
        let offset = position * dtype.itemSize
        switch dtype.itemSize {
        case 2:
            var bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
            if dtype.needsByteSwap { bits = bits.byteSwapped }
            return Double(Float16(bitPattern: bits))
        case 4:
            var bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            if dtype.needsByteSwap { bits = bits.byteSwapped }
            return Double(Float(bitPattern: bits))
        default:
            var bits = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            if dtype.needsByteSwap { bits = bits.byteSwapped }
            return Double(bitPattern: bits)
        }
    }
}

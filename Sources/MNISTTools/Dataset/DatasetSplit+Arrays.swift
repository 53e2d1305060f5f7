import Pickle

extension DatasetSplit {
    /// A split from an images array and a labels array, however they were stored (pickle,
    /// IDX, NPY): images (N, R·C) — read as a square when R·C is a perfect square, so 784 is
    /// 28×28 — or (N, R, C), of any numeric dtype; labels (N,) of any integer dtype, or
    /// floats holding whole numbers. Errors name `source`, the split and what was found.
    ///
    /// Float pixels that are all multiples of 1/256 or 1/255 in 0…1 become bytes with that
    /// divisor (lossless); other floats stay float32; integer pixels in 0…255 become bytes
    /// with divisor 255.
    public init(name: String, images: NDArray, labels: NDArray, source: String) throws(MNISTToolsError) {
        let field = "\(name) images"
        guard let (rows, columns) = Self.imageSize(images.shape) else {
            throw .invalidData(path: source, field: field, reason: "expected shape (N, rows×columns) or (N, rows, columns), found \(images.shape)")
        }
        guard images.reportedOrder == "C" else {
            throw .invalidData(path: source, field: field, reason: "Fortran-ordered image arrays are not supported; save them in C order")
        }
        let block = try ImageBlock(count: images.shape[0], rows: rows, columns: columns,
                                   pixels: try Self.pixels(of: images, source: source, field: field), source: source, field: field)
        try self.init(name: name, images: block, labels: try LabelBlock(labels, source: source, field: "\(name) labels"), source: source)
    }

    private static func imageSize(_ shape: [Int]) -> (Int, Int)? {
        switch shape.count {
        case 3 where shape[1] > 0 && shape[2] > 0: return (shape[1], shape[2])
        case 2 where shape[1] > 0:
            return ImageBlock.squareSide(of: shape[1]).map { ($0, $0) } ?? (1, shape[1])
        default: return nil
        }
    }

    private static func pixels(of images: NDArray, source: String, field: String) throws(MNISTToolsError) -> ImageBlock.Pixels {
        guard let bytes = images.bytes else {
            throw .invalidData(path: source, field: field, reason: "expected numeric pixels, found an object array")
        }
        let dtype = images.dtype
        if dtype == .uint8 { return .bytes(bytes, divisor: 255) }
        // The classic file's case first, in one pass: no statistics needed when it fits.
        if dtype == .float32, let exact = exactBytes(bytes, divisor: 256) { return .bytes(exact, divisor: 256) }
        guard let statistics = ArrayStatistics(images) else {
            if images.count == 0 { return .bytes(bytes, divisor: 255) }
            throw .invalidData(path: source, field: field, reason: "pixels of dtype \(dtype) are not supported")
        }
        guard statistics.minimum.isFinite, statistics.maximum.isFinite, statistics.mean.isFinite else {
            throw .invalidData(path: source, field: field, reason: "pixels must be finite numbers, found NaN or infinity")
        }
        switch statistics.byteScale {
        case 256?, 255?:
            let divisor = statistics.byteScale ?? 255
            return .bytes(quantized(images, divisor: divisor), divisor: divisor)
        case 1?:
            return .bytes(quantized(images, divisor: 1), divisor: 255)
        default:
            guard dtype.kind == .float else {
                throw .invalidData(path: source, field: field, reason: "integer pixels must lie in 0…255, found \(Int(statistics.minimum))…\(Int(statistics.maximum))")
            }
            return .float32(float32(images))
        }
    }

    /// Little-endian float32 values × divisor as bytes when every value is exactly k/divisor
    /// for a whole k in 0…255; nil as soon as one is not. One pass that vectorizes: adding
    /// 2^23 to a float in 0…256 rounds it to a whole number and leaves that number in the low
    /// bits of its pattern, and the value was whole only if the rounding changed nothing.
    private static func exactBytes(_ bytes: ByteSlice, divisor: Int) -> ByteSlice? {
        let count = bytes.count / 4
        let storage = ByteStorage(capacity: count)
        let target = UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: count)
        let scale = Float(divisor)
        let exact: Bool = bytes.withUnsafeBytes { raw in
            nonisolated(unsafe) let raw = raw
            let chunks = inParallelChunks(count: count) { range in
                var start = range.lowerBound
                while start < range.upperBound {
                    // Blocks keep the early exit cheap without a test per element.
                    let end = min(range.upperBound, start + 4096)
                    var allExact = true
                    for index in start..<end {
                        let scaled = raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self) * scale
                        let shifted = scaled + 0x1p23
                        allExact = allExact && (shifted - 0x1p23 == scaled) && scaled >= 0 && scaled <= 255
                        target[index] = UInt8(truncatingIfNeeded: shifted.bitPattern)
                    }
                    guard allExact else { return false }
                    start = end
                }
                return true
            }
            return !chunks.contains(false)
        }
        guard exact else { return nil }
        storage.setCount(count)
        return storage.slice
    }

    /// Each element × divisor as a byte (exact: the values were checked to be multiples of
    /// 1/divisor in 0…1, so adding ½ and truncating rounds correctly).
    private static func quantized(_ array: NDArray, divisor: Int) -> ByteSlice {
        let storage = ByteStorage(capacity: array.count)
        let target = UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: array.count)
        if array.dtype == .float32, let bytes = array.bytes {
            // The classic file's case. Adding 2^23 to a float in 0…256 leaves the nearest
            // integer in the low bits of its pattern: no conversion that could trap, so the
            // loop vectorizes.
            let scale = Float(divisor)
            bytes.withUnsafeBytes { raw in
                for index in 0..<array.count {
                    let value = raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self)
                    target[index] = UInt8(truncatingIfNeeded: (value * scale + 0x1p23).bitPattern)
                }
            }
        } else {
            let scale = Double(divisor)
            forEachElement(of: array) { index, value in target[index] = UInt8(truncatingIfNeeded: Int(value * scale + 0.5)) }
        }
        storage.setCount(array.count)
        return storage.slice
    }

    /// The elements as little-endian float32 (a copy unless already so).
    private static func float32(_ array: NDArray) -> ByteSlice {
        if array.dtype == .float32, let bytes = array.bytes { return bytes }
        let storage = ByteStorage(capacity: array.count * 4)
        let target = UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: array.count * 4)
        forEachElement(of: array) { index, value in target.storeBytes(of: Float(value), toByteOffset: index * 4, as: Float.self) }
        storage.setCount(array.count * 4)
        return storage.slice
    }
}

extension LabelBlock {
    /// Labels from a (N,) array of integers or whole-number floats, each ≥ 0.
    init(_ array: NDArray, source: String, field: String) throws(MNISTToolsError) {
        guard array.shape.count == 1, array.bytes != nil else {
            throw .invalidData(path: source, field: field, reason: "expected a 1-D numeric array, found shape \(array.shape) of \(array.dtype)")
        }
        var values: [Int] = []
        values.reserveCapacity(array.count)
        var problem: String?
        forEachElement(of: array) { index, value in
            guard problem == nil else { return }
            guard value == value.rounded(), value >= 0, value < 65536 else {
                let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
                problem = "label \(index) is \(shown): labels must be whole numbers in 0…65535"
                return
            }
            values.append(Int(value))
        }
        if let problem { throw .invalidData(path: source, field: field, reason: problem) }
        self.init(values: values)
    }
}

/// Calls `body` with each element's index and value as a double, for any numeric dtype and
/// byte order (C order).
func forEachElement(of array: NDArray, _ body: (Int, Double) -> Void) {
    guard let bytes = array.bytes else { return }
    let dtype = array.dtype
    bytes.withUnsafeBytes { raw in
        func each<T>(_ type: T.Type, _ convert: (T) -> Double) {
            for index in 0..<array.count {
                body(index, convert(raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self)))
            }
        }
        let swap = dtype.needsByteSwap
        switch (dtype.kind, dtype.itemSize) {
        case (.bool, 1), (.unsignedInteger, 1): each(UInt8.self) { Double($0) }
        case (.signedInteger, 1): each(Int8.self) { Double($0) }
        case (.signedInteger, 2): each(Int16.self) { Double(swap ? $0.byteSwapped : $0) }
        case (.unsignedInteger, 2): each(UInt16.self) { Double(swap ? $0.byteSwapped : $0) }
        case (.signedInteger, 4): each(Int32.self) { Double(swap ? $0.byteSwapped : $0) }
        case (.unsignedInteger, 4): each(UInt32.self) { Double(swap ? $0.byteSwapped : $0) }
        case (.signedInteger, 8): each(Int64.self) { Double(swap ? $0.byteSwapped : $0) }
        case (.unsignedInteger, 8): each(UInt64.self) { Double(swap ? $0.byteSwapped : $0) }
        case (.float, 2): each(UInt16.self) { Double(Float16(bitPattern: swap ? $0.byteSwapped : $0)) }
        case (.float, 4): each(UInt32.self) { Double(Float(bitPattern: swap ? $0.byteSwapped : $0)) }
        case (.float, 8): each(UInt64.self) { Double(bitPattern: swap ? $0.byteSwapped : $0) }
        default: break
        }
    }
}

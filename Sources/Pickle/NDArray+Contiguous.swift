extension NDArray {
    /// Calls `body` with the elements in C order as little-endian bytes (what NumPy's
    /// `np.ascontiguousarray(a, dtype=a.dtype.newbyteorder('<')).tobytes()` gives).
    /// No copy is made when the data is already laid out that way.
    public func withCOrderLittleEndianBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard case let .bytes(data) = storage else { return nil }
        if reportedOrder == "C" && !dtype.needsByteSwap {
            return try data.withUnsafeBytes(body)
        }
        let converted = data.withUnsafeBytes { source in
            Self.reorder(source, shape: shape, itemSize: dtype.itemSize, fromFortran: isFortranOrder, swapBytes: dtype.needsByteSwap)
        }
        return try converted.withUnsafeBytes(body)
    }

    /// Copies elements from Fortran to C order (when `fromFortran`) and reverses each
    /// element's bytes (when `swapBytes`).
    private static func reorder(_ source: UnsafeRawBufferPointer, shape: [Int], itemSize: Int,
                                fromFortran: Bool, swapBytes: Bool) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: source.count)
        let count = shape.reduce(1, *)
        guard count > 0 else { return result }
        // C strides in elements: the last dimension varies fastest.
        var cStrides = [Int](repeating: 1, count: shape.count)
        for axis in shape.indices.dropLast().reversed() { cStrides[axis] = cStrides[axis + 1] * shape[axis + 1] }
        // Walk the source in its own order, tracking where each element goes in C order.
        var index = [Int](repeating: 0, count: shape.count)
        let axes = fromFortran ? Array(shape.indices) : Array(shape.indices.reversed())
        var target = 0
        for element in 0..<count {
            for byte in 0..<itemSize {
                let from = element * itemSize + (swapBytes ? itemSize - 1 - byte : byte)
                result[target * itemSize + byte] = source[from]
            }
            for axis in axes {
                index[axis] += 1
                target += cStrides[axis]
                if index[axis] < shape[axis] { break }
                target -= cStrides[axis] * shape[axis]
                index[axis] = 0
            }
        }
        return result
    }
}

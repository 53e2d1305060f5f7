/// A row-major float32 matrix in GPU memory: `Matrix`'s layout, in a `DeviceBuffer` that
/// several matrices may share. Taking rows or reshaping gives a view of the same memory,
/// so a minibatch of a split on the device is a view, not a copy.
public struct DeviceMatrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    let buffer: DeviceBuffer
    /// Where the matrix starts in `buffer`, in floats.
    let offset: Int

    init(rows: Int, columns: Int, buffer: DeviceBuffer, offset: Int = 0) {
        precondition(rows >= 0 && columns >= 0, "DeviceMatrix: negative dimension \(rows)×\(columns)")
        precondition(offset >= 0 && (offset + rows * columns) * 4 <= buffer.byteCount,
                     "DeviceMatrix: \(rows)×\(columns) at \(offset) outside a buffer of \(buffer.byteCount) bytes")
        self.rows = rows
        self.columns = columns
        self.buffer = buffer
        self.offset = offset
    }

    /// Element count, rows · columns.
    public var count: Int { rows * columns }

    /// The device address of element (0, 0).
    var address: CUdeviceptr { buffer.address + CUdeviceptr(offset * 4) }

    /// Rows `range`, as a view.
    public func rows(_ range: Range<Int>) -> DeviceMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "DeviceMatrix: rows \(range) outside 0..<\(rows)")
        return DeviceMatrix(rows: range.count, columns: columns, buffer: buffer, offset: offset + range.lowerBound * columns)
    }

    /// The same elements as a `rows`×`columns` matrix (the counts must agree), as a view.
    public func reshaped(rows: Int, columns: Int) -> DeviceMatrix {
        precondition(rows * columns == count, "DeviceMatrix: cannot view \(self.rows)×\(self.columns) as \(rows)×\(columns)")
        return DeviceMatrix(rows: rows, columns: columns, buffer: buffer, offset: offset)
    }

    /// Copies `matrix` (of the same shape) into this one.
    public func upload(_ matrix: Matrix) throws(CUDAError) {
        precondition(matrix.rows == rows && matrix.columns == columns,
                     "DeviceMatrix.upload: \(matrix.rows)×\(matrix.columns) into \(rows)×\(columns)")
        try matrix.values.withUnsafeBytes { bytes in Result { () throws(CUDAError) in try buffer.device.upload(bytes, to: address) } }.get()
    }

    /// The elements, copied back once the work queued before is done.
    public func download() throws(CUDAError) -> Matrix {
        var values = [Float](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { bytes in Result { () throws(CUDAError) in try buffer.device.download(from: address, into: bytes) } }.get()
        return Matrix(rows: rows, columns: columns, values: values)
    }
}

/// Class labels in GPU memory, as 32-bit integers (the kernels' `int`).
public struct DeviceLabels: @unchecked Sendable {
    public let count: Int
    let buffer: DeviceBuffer
    let offset: Int

    init(count: Int, buffer: DeviceBuffer, offset: Int = 0) {
        precondition(count >= 0 && offset >= 0 && (offset + count) * 4 <= buffer.byteCount,
                     "DeviceLabels: \(count) labels at \(offset) outside a buffer of \(buffer.byteCount) bytes")
        self.count = count
        self.buffer = buffer
        self.offset = offset
    }

    /// Uploads `labels`, each of which must fit a 32-bit integer.
    public init(_ labels: [Int], on device: CUDADevice) throws(CUDAError) {
        let values = labels.map { label in
            precondition(label >= 0 && label <= Int(Int32.max), "DeviceLabels: label \(label) out of range")
            return Int32(label)
        }
        let buffer = try device.allocate(byteCount: values.count * 4)
        try values.withUnsafeBytes { bytes in Result { () throws(CUDAError) in try device.upload(bytes, to: buffer.address) } }.get()
        self.init(count: values.count, buffer: buffer)
    }

    var address: CUdeviceptr { buffer.address + CUdeviceptr(offset * 4) }

    /// Labels `range`, as a view.
    public func slice(_ range: Range<Int>) -> DeviceLabels {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "DeviceLabels: \(range) outside 0..<\(count)")
        return DeviceLabels(count: range.count, buffer: buffer, offset: offset + range.lowerBound)
    }
}

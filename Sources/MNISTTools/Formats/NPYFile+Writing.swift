import Pickle

extension NPYFile {
    /// The bytes NumPy's `np.save` writes before the data of an array of `dtype` and
    /// `shape`: magic, version 1.0 (2.0 when the header outgrows 65535 bytes), the header
    /// length, and the dictionary with keys sorted, NumPy's spare spaces for growing the
    /// first (or, in Fortran order, last) axis, then spaces and a newline so the data starts
    /// at a multiple of 64.
    public static func header(dtype: DType, shape: [Int], fortran: Bool) -> [UInt8] {
        var text = "{'descr': '\(dtype)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(pythonTuple(shape)), }"
        if let growing = fortran ? shape.last : shape.first {
            text += String(repeating: " ", count: max(0, 21 - String(growing).count))
        }
        let dictionary = Array(text.utf8)
        let withNewline = dictionary.count + 1
        var lengthSize = 2
        var padding = 64 - (magic.count + 2 + lengthSize + withNewline) % 64
        if withNewline + padding > Int(UInt16.max) {
            lengthSize = 4
            padding = 64 - (magic.count + 2 + lengthSize + withNewline) % 64
        }
        var bytes = magic + [lengthSize == 2 ? 1 : 2, 0]
        let length = withNewline + padding
        for index in 0..<lengthSize { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * index))) }
        bytes += dictionary
        bytes += [UInt8](repeating: 0x20, count: padding)
        bytes.append(0x0A)
        return bytes
    }

    /// Writes `array` as `np.save` would: its dtype as stored (either byte order), its data
    /// as laid out, with `fortran_order` True only when NumPy would call it Fortran-ordered.
    /// Throws for object arrays. `path` names the destination in errors.
    public static func write(_ array: NDArray, to sink: inout some ByteSink, path: String) throws {
        guard let bytes = array.bytes else {
            throw MNISTToolsError.invalidData(path: path, field: "dtype", reason: "object arrays cannot be written as .npy data")
        }
        try sink.write(header(dtype: array.dtype, shape: array.shape, fortran: array.reportedOrder == "F"))
        try bytes.withUnsafeBytes { try sink.write($0) }
    }

    /// Writes images as an (N, rows, columns) array: `|u1` for byte pixels (as stored, so
    /// the block's divisor is not recorded) or `<f4` for float32 pixels.
    public static func writeImages(_ block: ImageBlock, to sink: inout some ByteSink) throws {
        let shape = [block.count, block.rows, block.columns]
        switch block.pixels {
        case let .bytes(bytes, _):
            try sink.write(header(dtype: .uint8, shape: shape, fortran: false))
            try bytes.withUnsafeBytes { try sink.write($0) }
        case let .float32(bytes):
            try sink.write(header(dtype: .float32, shape: shape, fortran: false))
            try bytes.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// The dtype `writeLabels` uses: `|u1` when every label is in 0…255, `<i8` otherwise.
    public static func labelDType(for block: LabelBlock) -> DType {
        block.values.allSatisfy { (0...255).contains($0) } ? .uint8 : .int64
    }

    /// Writes labels as an (N,) array of `labelDType(for:)`.
    public static func writeLabels(_ block: LabelBlock, to sink: inout some ByteSink) throws {
        let dtype = labelDType(for: block)
        try sink.write(header(dtype: dtype, shape: [block.count], fortran: false))
        let values = block.values
        try sink.writeChunked(count: values.count, elementSize: dtype.itemSize) { first, chunk in
            if dtype.itemSize == 1 {
                for index in 0..<chunk.count { chunk[index] = UInt8(truncatingIfNeeded: values[first + index]) }
            } else {
                for index in 0..<(chunk.count / 8) {
                    chunk.storeBytes(of: Int64(values[first + index]).littleEndian, toByteOffset: index * 8, as: Int64.self)
                }
            }
        }
    }
}

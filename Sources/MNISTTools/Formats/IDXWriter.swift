import Pickle

/// Writes LeCun's IDX files (see `IDXFile` for the layout) to any `ByteSink`.
///
/// Each writer sends the header, then the data straight from where it lives: byte pixels
/// as stored, multi-byte elements byte-swapped to big-endian a 64 KiB chunk at a time, so
/// no second full copy is made. `path` names the destination in errors.
public enum IDXWriter {
    /// The header: `00 00 TT DD` and each size as a big-endian 32-bit number. Throws when
    /// there are not 1…255 dimensions or a size does not fit in 32 bits.
    public static func header(type: IDXElementType, dimensions: [Int], path: String) throws -> [UInt8] {
        guard (1...255).contains(dimensions.count) else {
            throw MNISTToolsError.invalidData(path: path, field: "IDX header",
                reason: "IDX files hold 1…255 dimensions, not \(dimensions.count)")
        }
        var bytes: [UInt8] = [0, 0, type.rawValue, UInt8(dimensions.count)]
        for (axis, size) in dimensions.enumerated() {
            guard let size32 = UInt32(exactly: size) else {
                throw MNISTToolsError.invalidData(path: path, field: "IDX header",
                    reason: "dimension \(axis) is \(size); IDX sizes are 0…\(UInt32.max)")
            }
            withUnsafeBytes(of: size32.bigEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Writes images as an (N, rows, columns) file: ubyte (0x08) for byte pixels, written as
    /// stored (IDX readers take them as 0…255, whatever the block's divisor), or float
    /// (0x0D) for float32 pixels.
    public static func writeImages(_ block: ImageBlock, to sink: inout some ByteSink, path: String) throws {
        let dimensions = [block.count, block.rows, block.columns]
        switch block.pixels {
        case let .bytes(bytes, _):
            try sink.write(header(type: .uint8, dimensions: dimensions, path: path))
            try bytes.withUnsafeBytes { try sink.write($0) }
        case let .float32(bytes):
            try sink.write(header(type: .float32, dimensions: dimensions, path: path))
            try bytes.withUnsafeBytes { try sink.writeByteSwapped($0, elementSize: 4) }
        }
    }

    /// The type `writeLabels` uses: ubyte when every label is in 0…255, int otherwise.
    public static func labelType(for block: LabelBlock) -> IDXElementType {
        block.values.allSatisfy { (0...255).contains($0) } ? .uint8 : .int32
    }

    /// Writes labels as an (N,) file of `labelType(for:)`. Throws when a label does not fit
    /// in a 32-bit signed integer.
    public static func writeLabels(_ block: LabelBlock, to sink: inout some ByteSink, path: String) throws {
        let type = labelType(for: block)
        if type == .int32, let index = block.values.firstIndex(where: { Int32(exactly: $0) == nil }) {
            throw MNISTToolsError.invalidData(path: path, field: "label \(index)",
                reason: "\(block.values[index]) does not fit in an IDX int (32-bit signed)")
        }
        try sink.write(header(type: type, dimensions: [block.count], path: path))
        let values = block.values
        try sink.writeChunked(count: values.count, elementSize: type.itemSize) { first, chunk in
            if type == .uint8 {
                for index in 0..<chunk.count { chunk[index] = UInt8(truncatingIfNeeded: values[first + index]) }
            } else {
                for index in 0..<(chunk.count / 4) {
                    chunk.storeBytes(of: Int32(truncatingIfNeeded: values[first + index]).bigEndian,
                                     toByteOffset: index * 4, as: Int32.self)
                }
            }
        }
    }

    /// Writes any array whose dtype IDX holds (u1, i1, i2, i4, f4, f8, either byte order),
    /// in C order and big-endian whatever its layout. Throws for other dtypes and for
    /// 0-d arrays.
    public static func write(_ array: NDArray, to sink: inout some ByteSink, path: String) throws {
        guard let type = IDXElementType(dtype: array.dtype), array.bytes != nil else {
            throw MNISTToolsError.invalidData(path: path, field: "dtype",
                reason: "IDX holds u1, i1, i2, i4, f4 and f8 elements, not \(array.dtype)")
        }
        try sink.write(header(type: type, dimensions: array.shape, path: path))
        if array.reportedOrder == "C", let bytes = array.bytes {
            try bytes.withUnsafeBytes { raw in
                if array.dtype.needsByteSwap || type.itemSize == 1 {
                    try sink.write(raw)
                } else {
                    try sink.writeByteSwapped(raw, elementSize: type.itemSize)
                }
            }
        } else {
            // Fortran order: reordered (a copy), little-endian, then swapped chunk by chunk.
            _ = try array.withCOrderLittleEndianBytes { raw in
                try sink.writeByteSwapped(raw, elementSize: type.itemSize)
            }
        }
    }
}

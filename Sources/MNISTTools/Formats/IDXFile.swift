import Pickle

/// Reads LeCun's IDX files (the format of the original MNIST distribution).
///
/// Layout: the magic number `00 00 TT DD` (TT the element type, see `IDXElementType`; DD the
/// number of dimensions), DD big-endian 32-bit sizes, then the elements, big-endian, in C
/// order. The data must be exactly as long as the sizes say.
public enum IDXFile {
    /// Reads the IDX file at `path` (plain or gzip, told by content; "-" is standard input).
    public static func read(path: String) throws -> NDArray {
        try read(readWholeInput(path: path).slice, path: path)
    }

    /// The array in `bytes`, a view of them (no copy): dtype `|u1`, `|i1`, `>i2`, `>i4`,
    /// `>f4` or `>f8`, C order, shape the header's sizes. Errors name `path`, the byte or
    /// header field, and what was expected and found.
    public static func read(_ bytes: ByteSlice, path: String) throws -> NDArray {
        let total = bytes.count
        guard total >= 4 else {
            throw MNISTToolsError.invalidData(path: path, field: "header",
                reason: "an IDX file starts with a 4-byte magic number, but the file holds only \(total) bytes")
        }
        let (type, rank, shape) = try bytes.withUnsafeBytes { raw in try header(raw, path: path) }
        let headerSize = 4 + 4 * rank
        let remaining = total - headerSize
        let needed = try dataSize(shape: shape, type: type, available: remaining, headerSize: headerSize, path: path)
        do {
            return try NDArray(dtype: type.dtype, shape: shape, isFortranOrder: false,
                               data: .bytes(bytes.subslice(from: headerSize, count: needed)))
        } catch {
            throw MNISTToolsError.invalidData(path: path, field: "header", reason: error.description)
        }
    }

    /// The element type, the number of dimensions and the sizes, checked against the magic
    /// rules and the file's length (`raw` holds at least 4 bytes).
    private static func header(_ raw: UnsafeRawBufferPointer, path: String) throws -> (IDXElementType, Int, [Int]) {
        guard raw[0] == 0, raw[1] == 0 else {
            let found = raw.prefix(4).map(hexByte).joined(separator: " ")
            throw MNISTToolsError.invalidData(path: path, field: "magic number (bytes 0–3)",
                               reason: "expected 00 00 TT DD, found \(found): not an IDX file")
        }
        guard let type = IDXElementType(rawValue: raw[2]) else {
            throw MNISTToolsError.invalidData(path: path, field: "type code (byte 2)",
                               reason: "0x\(hexByte(raw[2])) is not an IDX type; expected one of \(IDXElementType.listing)")
        }
        let rank = Int(raw[3])
        guard rank > 0 else {
            throw MNISTToolsError.invalidData(path: path, field: "number of dimensions (byte 3)", reason: "expected at least 1, found 0")
        }
        let headerSize = 4 + 4 * rank
        guard raw.count >= headerSize else {
            throw MNISTToolsError.invalidData(path: path, field: "header",
                               reason: "\(rank) dimensions need a \(headerSize)-byte header, but the file holds only \(raw.count) bytes")
        }
        let shape = (0..<rank).map { Int(raw.loadBigEndian(UInt32.self, at: 4 + 4 * $0)) }
        return (type, rank, shape)
    }

    /// Bytes the sizes call for, which must equal the bytes after the header. Overflow-safe.
    private static func dataSize(shape: [Int], type: IDXElementType, available: Int, headerSize: Int, path: String) throws(MNISTToolsError) -> Int {
        var needed = type.itemSize
        var overflow = false
        if shape.contains(0) {
            needed = 0
        } else {
            for size in shape {
                let (product, overflowed) = needed.multipliedReportingOverflow(by: size)
                needed = product
                overflow = overflow || overflowed
            }
        }
        guard overflow || needed != available else { return needed }
        let described = "sizes \(shape.map(String.init).joined(separator: "×")) of \(type.name) (\(type.itemSize) bytes each)"
        let reason: String
        if overflow {
            reason = "\(described) need more bytes than memory can address, but \(available) bytes follow the \(headerSize)-byte header"
        } else if needed > available {
            reason = "truncated file: \(described) need \(needed) bytes of data, but only \(available) follow the \(headerSize)-byte header"
        } else {
            reason = "\(described) need \(needed) bytes of data, but \(available) follow the \(headerSize)-byte header (\(available - needed) extra)"
        }
        throw .invalidData(path: path, field: "data size", reason: reason)
    }
}

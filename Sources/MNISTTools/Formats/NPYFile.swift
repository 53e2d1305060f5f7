import Pickle

/// NumPy's `.npy` format, versions 1.0, 2.0 and 3.0.
///
/// Layout: the magic `\x93NUMPY`, a major and a minor version byte, the header length
/// (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), the header — a Python dictionary
/// literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded
/// with spaces and a newline — then the elements, exactly as many bytes as the shape says.
/// Writing is in `NPYFile+Writing.swift`.
public enum NPYFile {
    /// `\x93NUMPY`.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// The keys every header has, no more and no fewer.
    private static let keys = ["descr", "fortran_order", "shape"]

    /// Reads the `.npy` file at `path` (plain or gzip, told by content; "-" is standard input).
    public static func read(path: String) throws -> NDArray {
        try read(readWholeInput(path: path).slice, path: path)
    }

    /// The array in `bytes`, a view of them (no copy), with the header's dtype (either byte
    /// order), shape and memory order. Refuses object arrays (they hold pickles), structured
    /// and other dtypes that `DType(typeName:)` does not know, and data whose size is not
    /// what the shape calls for. Errors name `path`, the byte or header key, and what was
    /// expected and found.
    public static func read(_ bytes: ByteSlice, path: String) throws -> NDArray {
        let (dataOffset, headerOffset, header) = try bytes.withUnsafeBytes { raw in try preamble(raw, path: path) }
        var parser = NPYHeaderParser(header)
        let entries: [(key: String, value: NPYHeaderParser.Value)]
        do {
            entries = try parser.parseDictionary()
        } catch {
            throw MNISTToolsError.invalidData(path: path, field: "header (byte \(headerOffset + error.offset))",
                                              reason: "cannot parse the dictionary: \(error.reason)")
        }
        let (dtype, fortran, shape) = try describe(entries, path: path)
        let available = bytes.count - dataOffset
        var elements = 1
        var overflow = false
        for size in shape {
            let (product, overflowed) = elements.multipliedReportingOverflow(by: size)
            elements = product
            overflow = overflow || overflowed
        }
        if shape.contains(0) { (elements, overflow) = (0, false) }
        let (needed, overflowed) = elements.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow, !overflowed, needed == available else {
            let size = overflow || overflowed ? "more bytes than memory can address" : "\(needed) bytes"
            let found = needed > available || overflow || overflowed ? "only \(available)" : "\(available)"
            throw MNISTToolsError.invalidData(path: path, field: "data size",
                reason: "shape \(pythonTuple(shape)) of \(dtype) needs \(size) of data, but \(found) follow the \(dataOffset)-byte header")
        }
        do {
            return try NDArray(dtype: dtype, shape: shape, isFortranOrder: fortran,
                               data: .bytes(bytes.subslice(from: dataOffset, count: needed)))
        } catch {
            throw MNISTToolsError.invalidData(path: path, field: "header", reason: error.description)
        }
    }

    /// Checks magic and version; returns where the data starts, where the header starts,
    /// and the header's bytes.
    private static func preamble(_ raw: UnsafeRawBufferPointer, path: String) throws -> (Int, Int, [UInt8]) {
        guard raw.count >= 10 else {
            throw MNISTToolsError.invalidData(path: path, field: "preamble",
                reason: "a .npy file starts with at least 10 bytes (magic, version, header length), but the file holds only \(raw.count)")
        }
        guard raw.prefix(6).elementsEqual(magic) else {
            let found = raw.prefix(6).map(hexByte).joined(separator: " ")
            throw MNISTToolsError.invalidData(path: path, field: "magic (bytes 0–5)",
                reason: "expected 93 4E 55 4D 50 59 (\\x93NUMPY), found \(found): not a .npy file")
        }
        let (major, minor) = (raw[6], raw[7])
        guard (1...3).contains(major), minor == 0 else {
            throw MNISTToolsError.invalidData(path: path, field: "version (bytes 6–7)",
                reason: "expected 1.0, 2.0 or 3.0, found \(major).\(minor)")
        }
        let lengthSize = major == 1 ? 2 : 4
        guard raw.count >= 8 + lengthSize else {
            throw MNISTToolsError.invalidData(path: path, field: "header length (bytes 8–11)",
                reason: "version \(major).0 has a 4-byte header length, but the file holds only \(raw.count) bytes")
        }
        let length = major == 1 ? Int(raw.loadLittleEndian(UInt16.self, at: 8)) : Int(raw.loadLittleEndian(UInt32.self, at: 8))
        let headerOffset = 8 + lengthSize
        guard length <= raw.count - headerOffset else {
            throw MNISTToolsError.invalidData(path: path, field: "header length (bytes 8–\(headerOffset - 1))",
                reason: "truncated file: the header is declared \(length) bytes long, but only \(raw.count - headerOffset) follow")
        }
        return (headerOffset + length, headerOffset, Array(raw[headerOffset..<(headerOffset + length)]))
    }

    /// The dtype, memory order and shape the dictionary holds, checked as NumPy checks them.
    private static func describe(_ entries: [(key: String, value: NPYHeaderParser.Value)], path: String) throws -> (DType, Bool, [Int]) {
        let found = entries.map(\.key)
        guard found.sorted() == keys else {
            let listed = found.map { "'\($0)'" }.joined(separator: ", ")
            throw MNISTToolsError.invalidData(path: path, field: "header",
                reason: "expected exactly the keys 'descr', 'fortran_order' and 'shape', found \(listed.isEmpty ? "none" : listed)")
        }
        let values = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
        guard case let .string(descr)? = values["descr"] else {
            throw MNISTToolsError.invalidData(path: path, field: "header 'descr'", reason: "expected a type string such as '<f4'")
        }
        guard case let .bool(fortran)? = values["fortran_order"] else {
            throw MNISTToolsError.invalidData(path: path, field: "header 'fortran_order'", reason: "expected True or False")
        }
        guard case let .tuple(shape)? = values["shape"] else {
            throw MNISTToolsError.invalidData(path: path, field: "header 'shape'", reason: "expected a tuple of sizes such as (3, 4)")
        }
        let dtype: DType
        do {
            dtype = try DType(typeName: descr)
        } catch {
            throw MNISTToolsError.invalidData(path: path, field: "header 'descr'", reason: error.description)
        }
        guard dtype.kind != .object else {
            throw MNISTToolsError.invalidData(path: path, field: "header 'descr'",
                reason: "'\(descr)' is an object array, whose data is a pickle of Python objects; refusing to read it (save the array with a numeric dtype)")
        }
        return (dtype, fortran, shape)
    }

    /// A shape as Python writes a tuple: `()`, `(5,)`, `(3, 4)`.
    static func pythonTuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}

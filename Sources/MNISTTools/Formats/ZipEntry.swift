import CLibdeflate
import Pickle

/// One member of a zip archive, as its central directory entry describes it.
struct ZipEntry {
    /// The member's name (UTF-8, or Latin-1 where the bytes are not UTF-8).
    let name: String
    /// The general-purpose flags; bit 0 means encrypted.
    let flags: UInt16
    /// 0 stored, 8 deflate; others are refused when the data is read.
    let method: UInt16
    let crc32: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    /// Where the member's local header starts.
    let localHeaderOffset: Int

    /// DEFLATE never expands more than 1032 to 1; a larger declared size is a lie.
    static let maximumExpansion = 1032

    /// The member's uncompressed bytes from the whole archive `archive`: a view into it for
    /// a stored member, a fresh inflated storage (libdeflate) for a deflated one; the CRC-32
    /// is checked either way. `inflater` is reused across members. Errors name `path` and
    /// the member.
    func data(in archive: ByteSlice, inflater: RawDeflateInflater, path: String) throws -> ByteSlice {
        let field = "member '\(name)'"
        guard flags & 1 == 0 else {
            throw MNISTToolsError.invalidData(path: path, field: field, reason: "the member is encrypted, which is not supported")
        }
        let start = try dataOffset(in: archive, path: path)
        let compressed = archive.subslice(from: start, count: compressedSize)
        let result: ByteSlice
        switch method {
        case 0:
            guard compressedSize == uncompressedSize else {
                throw MNISTToolsError.invalidData(path: path, field: field,
                    reason: "a stored member's sizes must agree, but the directory says \(compressedSize) bytes stored and \(uncompressedSize) uncompressed")
            }
            result = compressed
        case 8:
            result = try inflate(compressed, inflater: inflater, path: path)
        default:
            throw MNISTToolsError.invalidData(path: path, field: field,
                reason: "compression method \(method) is not supported; expected 0 (stored) or 8 (deflate)")
        }
        let actual = result.withUnsafeBytes { raw in
            UInt32(truncatingIfNeeded: libdeflate_crc32(0, raw.baseAddress, raw.count))
        }
        guard actual == crc32 else {
            throw MNISTToolsError.invalidData(path: path, field: field,
                reason: "CRC-32 mismatch: the directory says \(hex32(crc32)), the data gives \(hex32(actual)); the archive is damaged")
        }
        return result
    }

    /// Where the data starts: after the local header's 30 bytes, name and extra field.
    private func dataOffset(in archive: ByteSlice, path: String) throws -> Int {
        let field = "member '\(name)' local header (byte \(localHeaderOffset))"
        let total = archive.count
        guard localHeaderOffset <= total - 30 else {
            throw MNISTToolsError.invalidData(path: path, field: field,
                reason: "truncated archive: a 30-byte local header does not fit in the file's \(total) bytes")
        }
        let (signature, nameLength, extraLength) = archive.withUnsafeBytes { raw in
            (raw.loadLittleEndian(UInt32.self, at: localHeaderOffset),
             Int(raw.loadLittleEndian(UInt16.self, at: localHeaderOffset + 26)),
             Int(raw.loadLittleEndian(UInt16.self, at: localHeaderOffset + 28)))
        }
        guard signature == 0x0403_4B50 else {
            throw MNISTToolsError.invalidData(path: path, field: field,
                reason: "expected the signature PK\\x03\\x04, found \(hex32(signature))")
        }
        let start = localHeaderOffset + 30 + nameLength + extraLength
        guard start <= total, compressedSize <= total - start else {
            throw MNISTToolsError.invalidData(path: path, field: "member '\(name)'",
                reason: "truncated archive: \(compressedSize) bytes of data at byte \(start) run past the file's end (\(total) bytes)")
        }
        return start
    }

    /// Inflates raw DEFLATE data into storage of the declared size, after checking that
    /// size is one DEFLATE could produce from `compressed`.
    private func inflate(_ compressed: ByteSlice, inflater: RawDeflateInflater, path: String) throws -> ByteSlice {
        let field = "member '\(name)'"
        let (product, overflow) = compressedSize.multipliedReportingOverflow(by: Self.maximumExpansion)
        guard !overflow, uncompressedSize <= product + 1024 else {
            throw MNISTToolsError.invalidData(path: path, field: field,
                reason: "the directory declares \(uncompressedSize) uncompressed bytes, more than DEFLATE can make from \(compressedSize) compressed bytes")
        }
        let output = ByteStorage(capacity: uncompressedSize)
        let outcome = compressed.withUnsafeBytes { input in
            inflater.decompress(input, into: UnsafeMutableRawBufferPointer(start: output.baseAddress, count: uncompressedSize))
        }
        switch outcome {
        case .success(let written) where written == uncompressedSize:
            output.setCount(written)
            return output.slice
        case .success(let written):
            throw MNISTToolsError.invalidData(path: path, field: field,
                reason: "the data inflates to \(written) bytes, but the directory declares \(uncompressedSize)")
        case .tooLong:
            throw MNISTToolsError.invalidData(path: path, field: field,
                reason: "the data inflates to more than the \(uncompressedSize) bytes the directory declares")
        case .badData:
            throw MNISTToolsError.invalidData(path: path, field: field, reason: "corrupt DEFLATE data")
        }
    }
}

/// `value` as "0x" and eight hexadecimal digits.
func hex32(_ value: UInt32) -> String {
    "0x" + (0..<4).reversed().map { hexByte(UInt8(truncatingIfNeeded: value >> (8 * $0))) }.joined()
}

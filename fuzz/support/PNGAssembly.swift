/// Pieces of the PNG format for the PNG targets: chunks with their CRC-32, computed by zlib.
import CZlib

/// The 8-byte signature every PNG file starts with.
let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

/// zlib's CRC-32 of `bytes`.
func crc32(of bytes: ArraySlice<UInt8>) -> UInt32 {
    bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
}

/// A chunk: length, type, data and the CRC-32 of type and data, integers big-endian.
func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(of: body[...]))
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
}

/// `file` with the CRC-32 of every chunk that lies wholly inside it recomputed, so a
/// mutated chunk reaches the checks behind the CRC.
func fixingChunkCRCs(_ file: [UInt8]) -> [UInt8] {
    var fixed = file
    var offset = pngSignature.count
    while offset + 12 <= fixed.count {
        let length = fixed[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        guard length <= fixed.count - offset - 12 else { break }
        let crcOffset = offset + 8 + length
        fixed.replaceSubrange(crcOffset..<(crcOffset + 4), with: bigEndian(crc32(of: fixed[(offset + 4)..<crcOffset])))
        offset = crcOffset + 4
    }
    return fixed
}

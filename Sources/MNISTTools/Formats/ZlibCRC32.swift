import CZlib

/// zlib's CRC-32 (`crc32`) of `bytes`, fed in pieces that zlib's 32-bit length can take:
/// the checksum of zip members and PNG chunks.
func zlibCRC32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    let typed = bytes.bindMemory(to: UInt8.self)
    var crc = CZlib.crc32(0, nil, 0)
    var start = 0
    while let base = typed.baseAddress, start < typed.count {
        let count = min(typed.count - start, 1 << 30)
        crc = CZlib.crc32(crc, base + start, uInt(count))
        start += count
    }
    return UInt32(truncatingIfNeeded: crc)
}

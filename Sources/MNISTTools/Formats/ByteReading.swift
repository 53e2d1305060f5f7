/// Fixed-width integers read from any byte offset, in a stated byte order, for the file
/// format parsers (IDX is big-endian, ZIP and NPY lengths little-endian).
extension UnsafeRawBufferPointer {
    /// The `T` stored big-endian at `offset` (any alignment). The caller checks the bounds.
    func loadBigEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The `T` stored little-endian at `offset` (any alignment). The caller checks the bounds.
    func loadLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// `byte` as two upper-case hexadecimal digits, as in "0x0D".
func hexByte(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return byte < 16 ? "0" + digits : digits
}

/// A destination for bytes written front to back: a file, a memory buffer, a digest.
///
/// The writers (`IDXWriter`, `NPYFile.write`) hand over a header and then the data straight
/// from where it lives (or converted in small chunks), so no second full copy of a dataset
/// is ever built. `[UInt8]` is a sink that appends.
public protocol ByteSink {
    /// Appends `bytes`; throws when they cannot be written.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteSink {
    /// Appends the bytes of an array.
    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Writes `count` elements of `elementSize` bytes each, made by `fill` a chunk at a time
    /// in a buffer of about 64 KiB: `fill(first, buffer)` fills `buffer` with the elements
    /// from index `first` on (as many as the buffer holds).
    mutating func writeChunked(
        count: Int, elementSize: Int, fill: (Int, UnsafeMutableRawBufferPointer) throws -> Void
    ) throws {
        guard count > 0, elementSize > 0 else { return }
        let perChunk = max(1, (1 << 16) / elementSize)
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: min(count, perChunk) * elementSize, alignment: 16)
        defer { buffer.deallocate() }
        var first = 0
        while first < count {
            let elements = min(perChunk, count - first)
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(elements * elementSize)])
            try fill(first, chunk)
            try write(UnsafeRawBufferPointer(chunk))
            first += elements
        }
    }

    /// Writes `source` with the bytes of each `elementSize`-byte element reversed
    /// (little-endian to big-endian or back), through a small buffer.
    mutating func writeByteSwapped(_ source: UnsafeRawBufferPointer, elementSize: Int) throws {
        func swapped<T: FixedWidthInteger>(_ type: T.Type) throws {
            try writeChunked(count: source.count / elementSize, elementSize: elementSize) { first, chunk in
                for index in 0..<(chunk.count / elementSize) {
                    let value = source.loadUnaligned(fromByteOffset: (first + index) * elementSize, as: T.self)
                    chunk.storeBytes(of: value.byteSwapped, toByteOffset: index * elementSize, as: T.self)
                }
            }
        }
        switch elementSize {
        case 2: try swapped(UInt16.self)
        case 4: try swapped(UInt32.self)
        case 8: try swapped(UInt64.self)
        default:
            guard elementSize > 1 else { return try write(source) }
            try writeChunked(count: source.count / elementSize, elementSize: elementSize) { first, chunk in
                let start = first * elementSize
                for index in 0..<chunk.count {
                    let byte = index % elementSize
                    chunk[index] = source[start + index - byte + (elementSize - 1 - byte)]
                }
            }
        }
    }
}

/// An in-memory sink: writing appends to the array.
extension Array: ByteSink where Element == UInt8 {
    public mutating func write(_ bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes)
    }
}

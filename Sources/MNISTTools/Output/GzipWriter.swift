import CZlib

/// Compresses bytes into a gzip file with zlib's `deflate` (`deflateInit2_`, window bits
/// 31 for the gzip wrapper, modification time 0 so the output depends only on the input).
public final class GzipWriter {
    private let output: OutputFile
    private let stream: UnsafeMutablePointer<z_stream>
    private var compressed: [UInt8]
    private static let chunkSize = 1 << 18

    public init(output: OutputFile, level: Int32 = 6) throws {
        self.output = output
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        compressed = [UInt8](repeating: 0, count: Self.chunkSize)
        let status = deflateInit2_(stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw MNISTToolsError.cannotWrite(path: output.path, reason: "zlib deflateInit2 failed (\(status))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `bytes` (which may be any size).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // zlib counts input in 32-bit units: feed very large buffers in parts.
        var offset = 0
        while offset < bytes.count {
            let part = min(bytes.count - offset, 1 << 30)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self) + offset)
            stream.pointee.avail_in = UInt32(part)
            try run(flush: Z_NO_FLUSH)
            offset += part
        }
    }

    /// Compresses what is pending and writes the gzip trailer. The file stays open: its
    /// owner finishes it.
    public func finish() throws {
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try run(flush: Z_FINISH)
    }

    private func run(flush: Int32) throws {
        while true {
            let status: Int32 = compressed.withUnsafeMutableBufferPointer { buffer in
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = UInt32(buffer.count)
                return deflate(stream, flush)
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw MNISTToolsError.cannotWrite(path: output.path, reason: "zlib deflate failed (\(status))")
            }
            let produced = compressed.count - Int(stream.pointee.avail_out)
            try compressed.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            if flush == Z_FINISH ? status == Z_STREAM_END : (stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0) {
                return
            }
        }
    }
}

import CLibdeflate

/// A libdeflate decompressor (`libdeflate_alloc_decompressor`), freed with
/// `libdeflate_free_decompressor` on deinit. Inflates a gzip member in one call.
final class LibdeflateInflater {
    /// What `libdeflate_gzip_decompress_ex` reported.
    enum Outcome: Equatable {
        /// One gzip member inflated and its CRC-32 and ISIZE checked.
        case success(inputUsed: Int, outputWritten: Int)
        /// `LIBDEFLATE_BAD_DATA`: the data is corrupt, or not a gzip member.
        case badData
        /// `LIBDEFLATE_SHORT_OUTPUT`: fewer bytes than the buffer holds (not reported when
        /// the written count is asked for, as here; kept for completeness).
        case shortOutput
        /// `LIBDEFLATE_INSUFFICIENT_SPACE`: the output buffer is too small.
        case insufficientSpace
        /// Any other result code.
        case other(UInt32)
    }

    private let decompressor: OpaquePointer

    /// Allocates a decompressor with `libdeflate_alloc_decompressor`; nil when out of memory.
    init?() {
        guard let decompressor = libdeflate_alloc_decompressor() else { return nil }
        self.decompressor = decompressor
    }

    deinit { libdeflate_free_decompressor(decompressor) }

    /// Inflates the first gzip member of `input` into `output` with
    /// `libdeflate_gzip_decompress_ex`, reporting the bytes read and written.
    func decompressGzip(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) -> Outcome {
        guard let inBase = input.baseAddress, let outBase = output.baseAddress else { return .badData }
        var inputUsed = 0
        var outputWritten = 0
        let result = libdeflate_gzip_decompress_ex(
            decompressor, inBase, input.count, outBase, output.count, &inputUsed, &outputWritten)
        switch result {
        case LIBDEFLATE_SUCCESS: return .success(inputUsed: inputUsed, outputWritten: outputWritten)
        case LIBDEFLATE_BAD_DATA: return .badData
        case LIBDEFLATE_SHORT_OUTPUT: return .shortOutput
        case LIBDEFLATE_INSUFFICIENT_SPACE: return .insufficientSpace
        default: return .other(result.rawValue)
        }
    }
}

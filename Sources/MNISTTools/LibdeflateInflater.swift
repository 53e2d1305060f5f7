import CLibdeflate

/// A libdeflate decompressor (`libdeflate_alloc_decompressor`), freed with
/// `libdeflate_free_decompressor` on deinit. Inflates a gzip member or a zlib stream (PNG's
/// IDAT data) in one call.
final class LibdeflateInflater {
    /// What `libdeflate_gzip_decompress_ex` or `libdeflate_zlib_decompress_ex` reported.
    enum Outcome: Equatable {
        /// One gzip member (or zlib stream) inflated and its CRC-32 and ISIZE (or Adler-32)
        /// checked.
        case success(inputUsed: Int, outputWritten: Int)
        /// `LIBDEFLATE_BAD_DATA`: the data is corrupt, or not a gzip member (zlib stream).
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
        decompress(input, into: output, with: libdeflate_gzip_decompress_ex)
    }

    /// Inflates the zlib stream (RFC 1950: header, DEFLATE data, Adler-32) at the start of
    /// `input` into `output` with `libdeflate_zlib_decompress_ex`, reporting the bytes read
    /// and written. A stream that ends before `output` is full is a success with fewer bytes
    /// written; one that would write more is `insufficientSpace`.
    func decompressZlib(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) -> Outcome {
        decompress(input, into: output, with: libdeflate_zlib_decompress_ex)
    }

    /// One call of a libdeflate `*_decompress_ex` function (decompressor, input, output,
    /// bytes read, bytes written).
    private func decompress(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
        with function: (OpaquePointer?, UnsafeRawPointer?, Int, UnsafeMutableRawPointer?, Int,
                        UnsafeMutablePointer<Int>?, UnsafeMutablePointer<Int>?) -> libdeflate_result
    ) -> Outcome {
        guard let inBase = input.baseAddress, let outBase = output.baseAddress else { return .badData }
        var inputUsed = 0
        var outputWritten = 0
        let result = function(decompressor, inBase, input.count, outBase, output.count, &inputUsed, &outputWritten)
        return Self.outcome(result, inputUsed: inputUsed, outputWritten: outputWritten)
    }

    private static func outcome(_ result: libdeflate_result, inputUsed: Int, outputWritten: Int) -> Outcome {
        switch result {
        case LIBDEFLATE_SUCCESS: return .success(inputUsed: inputUsed, outputWritten: outputWritten)
        case LIBDEFLATE_BAD_DATA: return .badData
        case LIBDEFLATE_SHORT_OUTPUT: return .shortOutput
        case LIBDEFLATE_INSUFFICIENT_SPACE: return .insufficientSpace
        default: return .other(result.rawValue)
        }
    }
}

import CLibdeflate

/// A libdeflate decompressor for raw DEFLATE data (zip members), allocated with
/// `libdeflate_alloc_decompressor` and freed on deinit.
final class RawDeflateInflater {
    /// What `libdeflate_deflate_decompress` reported.
    enum Outcome: Equatable {
        /// The stream ended after `written` bytes of output.
        case success(written: Int)
        /// The output buffer filled before the stream ended.
        case tooLong
        /// The data is not valid DEFLATE.
        case badData
    }

    private let decompressor: OpaquePointer

    /// Allocates the decompressor; throws `MNISTToolsError.cannotRead` naming `path` when
    /// memory is short.
    init(path: String) throws {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw MNISTToolsError.cannotRead(path: path, reason: "cannot allocate a DEFLATE decompressor")
        }
        self.decompressor = decompressor
    }

    deinit { libdeflate_free_decompressor(decompressor) }

    /// Inflates the whole of `input` into `output` in one call.
    func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Outcome {
        var written = 0
        // Zero-length buffers may have nil base addresses; libdeflate wants valid pointers.
        var emptyIn: UInt8 = 0
        var emptyOut: UInt8 = 0
        let result = withUnsafeMutablePointer(to: &emptyIn) { inFallback in
            withUnsafeMutablePointer(to: &emptyOut) { outFallback in
                libdeflate_deflate_decompress(
                    decompressor, input.baseAddress ?? UnsafeRawPointer(inFallback), input.count,
                    output.baseAddress ?? UnsafeMutableRawPointer(outFallback), output.count, &written)
            }
        }
        switch result {
        case LIBDEFLATE_SUCCESS: return .success(written: written)
        case LIBDEFLATE_INSUFFICIENT_SPACE: return .tooLong
        default: return .badData
        }
    }
}

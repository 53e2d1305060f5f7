import CLibpng
import Glibc

/// Encodes 8-bit grayscale images as PNG through libpng. This file holds every libpng call.
///
/// **Errors and longjmp.** libpng reports errors by calling the error function and then
/// `longjmp`-ing out of it (or, with no jump buffer set, calling `abort()`). A `longjmp`
/// through Swift frames is undefined behaviour, so no jump buffer is ever set; instead every
/// input is validated before libpng sees it — dimensions in 1 … 2³¹ − 1 (PNG's own limit,
/// with libpng's default user limit of 1,000,000 raised to match), and exactly width × height
/// pixels — so libpng has nothing to refuse. What remains (libpng running out of memory)
/// ends the process: the error function prints libpng's message on standard error and aborts.
/// Warnings are collected and otherwise ignored.
public enum PNGWriter {
    /// The largest width or height a PNG can declare (2³¹ − 1).
    public static let maximumDimension = Int(Int32.max)

    /// A PNG file (signature, IHDR, IDAT, IEND) holding the `width` × `height` gray levels in
    /// `pixels`, row-major, top row first.
    public static func encodeGray(width: Int, height: Int, pixels: [UInt8]) throws(MNISTToolsError) -> [UInt8] {
        try validate(width: width, height: height, pixelCount: pixels.count)
        return pixels.withUnsafeBytes { raw in encodeValidated(width: width, height: height, pixels: raw) }
    }

    /// As `encodeGray(width:height:pixels:)`, from a raw buffer of `width` × `height` bytes.
    public static func encodeGray(width: Int, height: Int, pixels: UnsafeRawBufferPointer) throws(MNISTToolsError) -> [UInt8] {
        try validate(width: width, height: height, pixelCount: pixels.count)
        return encodeValidated(width: width, height: height, pixels: pixels)
    }

    /// Checks what libpng would otherwise reject (with a longjmp): both dimensions in
    /// 1 … 2³¹ − 1 and a buffer of exactly width × height bytes.
    static func validate(width: Int, height: Int, pixelCount: Int) throws(MNISTToolsError) {
        guard (1...maximumDimension).contains(width), (1...maximumDimension).contains(height) else {
            throw .invalidData(path: "PNG image", field: "size",
                               reason: "\(width)×\(height): width and height must lie in 1…\(maximumDimension)")
        }
        let (expected, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, expected == pixelCount else {
            throw .invalidData(path: "PNG image", field: "pixels",
                               reason: "a \(width)×\(height) image needs \(overflow ? "too many" : String(expected)) pixels, but \(pixelCount) were given")
        }
    }

    private static func encodeValidated(width: Int, height: Int, pixels: UnsafeRawBufferPointer) -> [UInt8] {
        let sink = Sink()
        sink.bytes.reserveCapacity(min(width * height / 4 + 1024, 1 << 22))
        let context = Unmanaged.passUnretained(sink).toOpaque()

        var created: png_structp? = png_create_write_struct(PNG_LIBPNG_VER_STRING, context, pngError, pngWarning)
        guard let png = created else { fatalError("libpng: png_create_write_struct failed (out of memory)") }
        var info = png_create_info_struct(png)
        defer { withExtendedLifetime(sink) { png_destroy_write_struct(&created, &info) } }
        guard info != nil else { fatalError("libpng: png_create_info_struct failed (out of memory)") }

        png_set_write_fn(png, context, pngWrite, pngFlush)
        png_set_user_limits(png, UInt32(maximumDimension), UInt32(maximumDimension))
        png_set_IHDR(png, info, UInt32(width), UInt32(height), 8, PNG_COLOR_TYPE_GRAY,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT)
        png_write_info(png, info)
        let base = pixels.bindMemory(to: UInt8.self).baseAddress!
        for row in 0..<height {
            png_write_row(png, base + row * width)
        }
        png_write_end(png, info)
        return sink.bytes
    }
}

/// What the callbacks share: the bytes written so far and libpng's warnings.
private final class Sink {
    var bytes: [UInt8] = []
    var warnings: [String] = []
}

/// libpng's output: appends to the `Sink` passed as the I/O pointer.
private func pngWrite(_ png: png_structp?, _ data: png_bytep?, _ length: Int) {
    guard let png, let data, length > 0, let context = png_get_io_ptr(png) else { return }
    Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
}

private func pngFlush(_ png: png_structp?) {}

/// libpng's fatal errors. Returning would make libpng abort anyway, and a longjmp cannot
/// cross Swift frames, so this prints the message and aborts; inputs are validated so that
/// this is not reached in practice.
private func pngError(_ png: png_structp?, _ message: png_const_charp?) {
    let text = message.map { String(cString: $0) } ?? "unknown error"
    var line = "mnist-tools: libpng error: \(text)\n"
    line.withUTF8 { bytes in _ = Glibc.write(2, bytes.baseAddress, bytes.count) }
    abort()
}

/// libpng's warnings: kept in the sink.
private func pngWarning(_ png: png_structp?, _ message: png_const_charp?) {
    guard let png, let message, let context = png_get_error_ptr(png) else { return }
    Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue().warnings.append(String(cString: message))
}

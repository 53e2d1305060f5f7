/// Decodes PNG files into 8-bit grayscale pictures, without libpng.
///
/// **Why not libpng.** libpng reports every error by `longjmp`-ing out of its error
/// callback, and a `longjmp` across Swift frames is undefined behaviour; `PNGWriter` can live
/// with that because it validates its own input completely first. A reader cannot: whether
/// the compressed IDAT data is sound is only known while inflating it, inside libpng, so a
/// damaged file would end in a longjmp or an `abort()`. Decoding is small enough to do here
/// instead, where every failure is a thrown `MNISTToolsError`:
///
/// 1. `PNGChunkCursor` checks the signature and walks the chunks: lengths the file can hold,
///    four-letter types, and every chunk's CRC-32 (zlib's `crc32`).
/// 2. The chunk sequence is checked (IHDR first and 13 bytes long, PLTE and tRNS before IDAT
///    and allowed by the colour type, IDAT chunks consecutive, IEND last, no unknown critical
///    chunk); `PNGHeader` checks IHDR's fields — size in 1 … 2³¹ − 1, a bit depth the colour
///    type allows, methods 0 — and refuses more than `maximumPixels` pixels, so a hostile
///    header cannot make us allocate gigabytes. Nor can a short IDAT claim a huge image:
///    DEFLATE expands at most 1032 : 1, so data that could not inflate to the declared size
///    is refused before the output is allocated. Ancillary chunks are checked and skipped;
///    bytes after IEND are ignored, as libpng ignores them.
/// 3. The concatenated IDAT data, a zlib stream, is inflated by libdeflate into a buffer of
///    exactly the size IHDR implies (`libdeflate_zlib_decompress_ex`, which checks the
///    Adler-32 and can neither overrun the buffer nor jump).
/// 4. `PNGRasterDecoder` undoes the five filters, places Adam7-interlaced passes, and
///    converts every colour type and bit depth to 8-bit gray (ITU-R BT.601 luma; alpha
///    composited onto black, MNIST's background). See that type for the exact arithmetic.
public enum PNGReader {
    /// The most pixels an image may have unless the caller says otherwise: 2²⁴ (4096 × 4096),
    /// at most 128 MiB of inflated data (16-bit RGBA), far beyond any digit.
    public static let defaultMaximumPixels = 1 << 24

    /// The largest `maximumPixels` accepted: 2⁴⁰, so sizes computed from it cannot overflow.
    public static let maximumPixelLimit = 1 << 40

    /// The PNG file at `path` ("-" for standard input) as gray levels. Errors name `path`:
    /// `cannotRead` when it cannot be read, `invalidData` with the chunk, offset or field
    /// and what was expected when it is not a PNG this reader accepts.
    public static func read(path: String, maximumPixels: Int = defaultMaximumPixels) throws -> GrayImage {
        let storage = try readWholeInput(path: path)
        return try withExtendedLifetime(storage) { try decode(storage.bytes, path: path, maximumPixels: maximumPixels) }
    }

    /// `bytes`, a whole PNG file, as gray levels; `path` names it in errors.
    public static func decode(_ bytes: [UInt8], path: String, maximumPixels: Int = defaultMaximumPixels) throws(MNISTToolsError) -> GrayImage {
        // Array.withUnsafeBytes rethrows untyped errors: carry the typed one out in a Result.
        try bytes.withUnsafeBytes { raw in
            Result { () throws(MNISTToolsError) in try decode(raw, path: path, maximumPixels: maximumPixels) }
        }.get()
    }

    /// `file`, the bytes of a whole PNG file, as gray levels; `path` names it in errors.
    public static func decode(_ file: UnsafeRawBufferPointer, path: String, maximumPixels: Int = defaultMaximumPixels) throws(MNISTToolsError) -> GrayImage {
        precondition((1...maximumPixelLimit).contains(maximumPixels), "maximumPixels must lie in 1…2⁴⁰")
        let chunks = try Chunks(file: file, path: path, maximumPixels: maximumPixels)
        var filtered = try inflate(chunks.compressed, header: chunks.header, path: path)
        let decoder = PNGRasterDecoder(header: chunks.header, palette: chunks.palette, transparency: chunks.transparency, path: path)
        let gray = try decoder.grayLevels(filtered: &filtered)
        return GrayImage(width: chunks.header.width, height: chunks.header.height, pixels: gray)
    }

    /// What the chunks say, checked: IHDR, PLTE, tRNS and the IDAT data.
    private struct Chunks {
        var header: PNGHeader
        var palette: [UInt8] = []
        var transparency: [UInt8]?
        var compressed: [UInt8] = []

        init(file: UnsafeRawBufferPointer, path: String, maximumPixels: Int) throws(MNISTToolsError) {
            var cursor = try PNGChunkCursor(file: file, path: path)
            func refuse(_ chunk: PNGChunkCursor.Chunk, _ reason: String) -> MNISTToolsError {
                .invalidData(path: path, field: chunk.name, reason: reason)
            }
            guard let first = try cursor.next() else {
                throw .invalidData(path: path, field: "chunks", reason: "the file ends after the signature; expected an IHDR chunk")
            }
            guard first.type == "IHDR" else { throw refuse(first, "the first chunk must be IHDR") }
            guard first.data.count == PNGHeader.length else {
                throw refuse(first, "holds \(first.data.count) bytes; IHDR holds \(PNGHeader.length)")
            }
            let header = try PNGHeader(first.data, path: path, maximumPixels: maximumPixels)
            self.header = header
            let colorType = header.colorType

            var sawPalette = false, sawIDAT = false, idatEnded = false, sawIEND = false
            while !sawIEND, let chunk = try cursor.next() {
                if sawIDAT && chunk.type != "IDAT" { idatEnded = true }
                switch chunk.type {
                case "IHDR":
                    throw refuse(chunk, "a second IHDR; a PNG file has exactly one")
                case "PLTE":
                    guard !sawPalette else { throw refuse(chunk, "a second PLTE; a PNG file has at most one") }
                    guard !sawIDAT else { throw refuse(chunk, "PLTE must come before the first IDAT") }
                    guard colorType != .gray && colorType != .grayAlpha else {
                        throw refuse(chunk, "PLTE is not allowed in a \(colorType.name) image")
                    }
                    let entries = chunk.data.count / 3
                    let most = colorType == .palette ? min(256, 1 << header.bitDepth) : 256
                    guard chunk.data.count % 3 == 0, (1...most).contains(entries) else {
                        throw refuse(chunk, "holds \(chunk.data.count) bytes; expected 3 per entry (RGB) and 1…\(most) entries")
                    }
                    sawPalette = true
                    // A truecolour image's palette is only a suggestion for display: unused.
                    if colorType == .palette { palette = Array(chunk.data) }
                case "tRNS":
                    guard transparency == nil else { throw refuse(chunk, "a second tRNS; a PNG file has at most one") }
                    guard !sawIDAT else { throw refuse(chunk, "tRNS must come before the first IDAT") }
                    let count = chunk.data.count
                    switch colorType {
                    case .palette:
                        guard sawPalette else { throw refuse(chunk, "tRNS must come after PLTE") }
                        guard count <= palette.count / 3 else {
                            throw refuse(chunk, "holds \(count) alpha values, but PLTE has only \(palette.count / 3) entries")
                        }
                    case .gray, .rgb:
                        let expected = colorType == .gray ? 2 : 6
                        guard count == expected else {
                            throw refuse(chunk, "holds \(count) bytes; a \(colorType.name) image's tRNS holds \(expected)")
                        }
                    case .grayAlpha, .rgba:
                        throw refuse(chunk, "tRNS is not allowed in a \(colorType.name) image, which has an alpha channel")
                    }
                    transparency = Array(chunk.data)
                case "IDAT":
                    guard !idatEnded else { throw refuse(chunk, "IDAT chunks must be consecutive, but another chunk comes between them") }
                    if colorType == .palette && !sawPalette { throw refuse(chunk, "a palette image needs PLTE before its IDAT") }
                    sawIDAT = true
                    compressed.append(contentsOf: chunk.data)
                case "IEND":
                    guard chunk.data.isEmpty else { throw refuse(chunk, "holds \(chunk.data.count) bytes; IEND is empty") }
                    sawIEND = true
                default:
                    if chunk.isCritical {
                        throw refuse(chunk, "an unknown critical chunk (its first letter is upper-case), which the image cannot be decoded without")
                    }
                }
            }
            guard sawIDAT else {
                throw .invalidData(path: path, field: "chunks", reason: "no IDAT chunk before offset \(cursor.offset); the image has no pixel data")
            }
            guard sawIEND else {
                throw .invalidData(path: path, field: "chunks", reason: "the file ends at offset \(cursor.offset) without an IEND chunk: it is truncated")
            }
        }
    }

    /// The scan lines of `compressed` (the IDAT chunks' data, one zlib stream): exactly
    /// `header.filteredByteCount` bytes, or an error naming what went wrong.
    private static func inflate(_ compressed: [UInt8], header: PNGHeader, path: String) throws(MNISTToolsError) -> [UInt8] {
        let expected = header.filteredByteCount
        let image = "a \(header.width)×\(header.height) \(header.bitDepth)-bit \(header.colorType.name)\(header.interlaced ? " interlaced" : "") image"
        func refuse(_ reason: String) -> MNISTToolsError { .invalidData(path: path, field: "IDAT data", reason: reason) }
        // 2 bytes of zlib header, 4 of Adler-32, and DEFLATE's largest expansion in between.
        guard compressed.count > 6, (compressed.count - 6) * ZipEntry.maximumExpansion >= expected else {
            throw refuse("\(compressed.count) compressed bytes cannot hold the \(expected) bytes of scan lines of \(image); the file is truncated or damaged")
        }
        guard let inflater = LibdeflateInflater() else {
            throw .cannotRead(path: path, reason: "cannot allocate a DEFLATE decompressor")
        }
        var filtered = [UInt8](repeating: 0, count: expected)
        let outcome = filtered.withUnsafeMutableBytes { output in
            compressed.withUnsafeBytes { input in inflater.decompressZlib(input, into: output) }
        }
        switch outcome {
        case .success(_, expected):
            return filtered
        case let .success(_, written):
            throw refuse("the zlib stream ends after \(written) bytes, but \(image) has \(expected) bytes of scan lines")
        case .insufficientSpace:
            throw refuse("the zlib stream holds more than the \(expected) bytes of scan lines of \(image)")
        case .badData, .shortOutput, .other:
            throw refuse("corrupt zlib data (a bad header, DEFLATE code or Adler-32 checksum) in the \(compressed.count) bytes of the IDAT chunks")
        }
    }
}

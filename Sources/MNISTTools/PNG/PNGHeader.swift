/// A PNG file's IHDR chunk, checked: the size, the sample format and the scan-line layout
/// that follow from it (PNG specification, 11.2.2).
struct PNGHeader: Equatable {
    /// IHDR's colour type byte.
    enum ColorType: UInt8 {
        case gray = 0
        case rgb = 2
        case palette = 3
        case grayAlpha = 4
        case rgba = 6

        /// Samples per pixel.
        var channels: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }

        /// The bit depths the specification allows with this colour type.
        var allowedBitDepths: [Int] {
            switch self {
            case .gray: [1, 2, 4, 8, 16]
            case .palette: [1, 2, 4, 8]
            case .rgb, .grayAlpha, .rgba: [8, 16]
            }
        }

        /// As the specification names it, for messages.
        var name: String {
            switch self {
            case .gray: "grayscale"
            case .rgb: "truecolour (RGB)"
            case .palette: "indexed-colour (palette)"
            case .grayAlpha: "grayscale with alpha"
            case .rgba: "truecolour with alpha (RGBA)"
            }
        }
    }

    /// One pass of the image's scan lines: every pixel (x, y) with x = `x0` + k·`dx` and
    /// y = `y0` + j·`dy`, stored as a `width` × `height` sub-image.
    struct Pass: Equatable {
        let x0: Int, y0: Int, dx: Int, dy: Int
        let width: Int, height: Int
    }

    /// IHDR's data length.
    static let length = 13

    let width: Int
    let height: Int
    let bitDepth: Int
    let colorType: ColorType
    /// Adam7 (interlace method 1) rather than plain top-to-bottom rows (0).
    let interlaced: Bool

    /// Parses and checks IHDR's 13 bytes: width and height in 1 … 2³¹ − 1 with at most
    /// `maximumPixels` pixels, a bit depth the colour type allows, compression and filter
    /// method 0, interlace method 0 or 1. Errors name `path` and the field.
    init(_ data: UnsafeRawBufferPointer, path: String, maximumPixels: Int) throws(MNISTToolsError) {
        precondition(data.count == Self.length, "IHDR holds 13 bytes")
        func refuse(_ field: String, _ reason: String) -> MNISTToolsError {
            .invalidData(path: path, field: "IHDR \(field)", reason: reason)
        }
        let limit = UInt32(Int32.max)
        let width = data.loadBigEndian(UInt32.self, at: 0), height = data.loadBigEndian(UInt32.self, at: 4)
        guard (1...limit).contains(width) else { throw refuse("width", "\(width); expected 1…\(limit)") }
        guard (1...limit).contains(height) else { throw refuse("height", "\(height); expected 1…\(limit)") }
        let (depth, typeByte) = (Int(data[8]), data[9])
        guard let colorType = ColorType(rawValue: typeByte) else {
            throw refuse("colour type", "\(typeByte); expected 0 (gray), 2 (RGB), 3 (palette), 4 (gray + alpha) or 6 (RGBA)")
        }
        guard colorType.allowedBitDepths.contains(depth) else {
            throw refuse("bit depth", "\(depth) is not allowed with colour type \(typeByte), \(colorType.name); expected "
                         + colorType.allowedBitDepths.map(String.init).joined(separator: ", "))
        }
        guard data[10] == 0 else { throw refuse("compression method", "\(data[10]); expected 0 (deflate)") }
        guard data[11] == 0 else { throw refuse("filter method", "\(data[11]); expected 0 (adaptive filtering)") }
        guard data[12] <= 1 else { throw refuse("interlace method", "\(data[12]); expected 0 (none) or 1 (Adam7)") }
        // Both are below 2³¹, so the product fits in 62 bits.
        let pixels = Int(width) * Int(height)
        guard pixels <= maximumPixels else {
            throw refuse("size", "\(width)×\(height) = \(pixels) pixels is more than this reader's limit of \(maximumPixels)")
        }
        self.width = Int(width)
        self.height = Int(height)
        self.bitDepth = depth
        self.colorType = colorType
        self.interlaced = data[12] == 1
    }

    /// Bits per pixel: channels × bit depth (1 … 64).
    var bitsPerPixel: Int { colorType.channels * bitDepth }

    /// The distance, in bytes, between a byte and the one it is predicted from by the Sub,
    /// Average and Paeth filters: bytes per complete pixel, at least 1.
    var filterDistance: Int { max(1, bitsPerPixel / 8) }

    /// Bytes of one scan line of `pixels` pixels, without its filter-type byte.
    func rowBytes(pixels: Int) -> Int { (pixels * bitsPerPixel + 7) / 8 }

    /// The passes the scan lines come in: one for a plain image, Adam7's seven otherwise,
    /// leaving out those that hold no pixel (they have no scan lines in the data).
    var passes: [Pass] {
        let layouts = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        return layouts.compactMap { x0, y0, dx, dy in
            let pass = Pass(x0: x0, y0: y0, dx: dx, dy: dy,
                            width: (width - x0 + dx - 1) / dx, height: (height - y0 + dy - 1) / dy)
            return pass.width > 0 && pass.height > 0 ? pass : nil
        }
    }

    /// The size of the inflated IDAT data: every pass's scan lines, each one filter-type
    /// byte and `rowBytes` of pixels.
    var filteredByteCount: Int {
        passes.reduce(0) { $0 + $1.height * (1 + rowBytes(pixels: $1.width)) }
    }
}

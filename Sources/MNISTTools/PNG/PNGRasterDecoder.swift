/// Turns a PNG's inflated IDAT data into 8-bit gray levels: undoes each scan line's filter
/// (`PNGFilter`), puts Adam7 passes' pixels in their places, and converts every pixel.
///
/// Conversion, in this order:
/// 1. Samples become 8-bit: 1-, 2- and 4-bit gray levels are scaled up exactly (v·255 / (2ᵈ − 1):
///    a 1-bit 1 is 255), 16-bit ones rounded down to 8 bits as the specification suggests,
///    ⌊(v·255 + 32767) / 65535⌋.
/// 2. Colour becomes gray by ITU-R BT.601 luma, Y = 0.299 R + 0.587 G + 0.114 B, in Pillow's
///    fixed point (`convert("L")`): (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16, so white stays 255.
///    Palette entries are converted the same way.
/// 3. Alpha is composited onto black, Y·α / 255 rounded: MNIST digits are white on black, so a
///    transparent background reads as background. tRNS counts too: a palette entry's alpha,
///    or full transparency (0) for the one gray level or RGB colour it names.
struct PNGRasterDecoder {
    let header: PNGHeader
    /// The gray level of each palette entry, alpha already applied (palette images only).
    private let paletteGray: [UInt8]
    /// The gray level or (R, G, B) that tRNS makes transparent, as stored samples.
    private let transparentKey: [Int]?
    private let path: String

    /// A decoder for images described by `header`, with the PLTE chunk's data (`palette`,
    /// RGB triples) and the tRNS chunk's (`transparency`), both already checked against the
    /// colour type.
    init(header: PNGHeader, palette: [UInt8], transparency: [UInt8]?, path: String) {
        self.header = header
        self.path = path
        var key: [Int]?
        var paletteGray: [UInt8] = []
        switch header.colorType {
        case .palette:
            paletteGray = stride(from: 0, to: palette.count - 2, by: 3).map { offset in
                let alpha = transparency.flatMap { offset / 3 < $0.count ? $0[offset / 3] : nil } ?? 255
                return Self.composite(Self.luma(palette[offset], palette[offset + 1], palette[offset + 2]), alpha: alpha)
            }
        case .gray, .rgb:
            if let transparency {
                // Only the sample's low bits count, as libpng masks them.
                let mask = (1 << header.bitDepth) - 1
                key = stride(from: 0, to: transparency.count - 1, by: 2).map {
                    (Int(transparency[$0]) << 8 | Int(transparency[$0 + 1])) & mask
                }
            }
        case .grayAlpha, .rgba:
            break
        }
        self.paletteGray = paletteGray
        self.transparentKey = key
    }

    /// The `width` × `height` gray levels of `filtered` (exactly `header.filteredByteCount`
    /// bytes), whose filters are undone in place. Errors name the scan line with an unknown
    /// filter type, or the pixel with a palette index beyond PLTE.
    func grayLevels(filtered: inout [UInt8]) throws(MNISTToolsError) -> [UInt8] {
        precondition(filtered.count == header.filteredByteCount, "inflated data must be filteredByteCount bytes")
        let width = header.width
        var gray = [UInt8](repeating: 0, count: width * header.height)
        var row = [UInt8](repeating: 0, count: width)
        var line = 0
        for (number, pass) in header.passes.enumerated() {
            let length = header.rowBytes(pixels: pass.width)
            var previous: Int?
            for j in 0..<pass.height {
                let place = header.interlaced ? "scan line \(j) of Adam7 pass \(number + 1)" : "row \(j)"
                guard PNGFilter.unfilter(&filtered, line: line, length: length, previous: previous, distance: header.filterDistance) else {
                    throw .invalidData(path: path, field: "IDAT data",
                                       reason: "\(place) (inflated byte \(line)) has filter type \(filtered[line]); expected 0 (None), 1 (Sub), 2 (Up), 3 (Average) or 4 (Paeth)")
                }
                let y = pass.y0 + j * pass.dy
                if let bad = convert(filtered, start: line + 1, count: pass.width, into: &row) {
                    throw .invalidData(path: path, field: "IDAT data",
                                       reason: "pixel (\(pass.x0 + bad.column * pass.dx), \(y)) has palette index \(bad.index), but PLTE has \(paletteGray.count) entries")
                }
                for k in 0..<pass.width { gray[y * width + pass.x0 + k * pass.dx] = row[k] }
                previous = line
                line += 1 + length
            }
        }
        return gray
    }

    /// Converts the `count` pixels of the unfiltered scan line starting at `data[start]` into
    /// `row[0..<count]`. Returns the first pixel whose palette index PLTE lacks, if any.
    private func convert(_ data: [UInt8], start: Int, count: Int, into row: inout [UInt8]) -> (column: Int, index: Int)? {
        let depth = header.bitDepth
        /// Sample `k` of the line (channels interleaved), as stored.
        func sample(_ k: Int) -> Int {
            switch depth {
            case 8: return Int(data[start + k])
            case 16: return Int(data[start + 2 * k]) << 8 | Int(data[start + 2 * k + 1])
            default:
                let bit = k * depth
                return Int(data[start + bit / 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1)
            }
        }
        /// A sample as an 8-bit level.
        func level(_ value: Int) -> UInt8 {
            switch depth {
            case 8: UInt8(value)
            case 16: UInt8((value * 255 + 32767) / 65535)
            default: UInt8(value * 255 / ((1 << depth) - 1))
            }
        }
        switch header.colorType {
        case .gray:
            for x in 0..<count {
                let value = sample(x)
                row[x] = value == transparentKey?[0] ? 0 : level(value)
            }
        case .grayAlpha:
            for x in 0..<count { row[x] = Self.composite(level(sample(2 * x)), alpha: level(sample(2 * x + 1))) }
        case .rgb:
            for x in 0..<count {
                let (r, g, b) = (sample(3 * x), sample(3 * x + 1), sample(3 * x + 2))
                row[x] = transparentKey == [r, g, b] ? 0 : Self.luma(level(r), level(g), level(b))
            }
        case .rgba:
            for x in 0..<count {
                let y = Self.luma(level(sample(4 * x)), level(sample(4 * x + 1)), level(sample(4 * x + 2)))
                row[x] = Self.composite(y, alpha: level(sample(4 * x + 3)))
            }
        case .palette:
            for x in 0..<count {
                let index = sample(x)
                guard index < paletteGray.count else { return (x, index) }
                row[x] = paletteGray[index]
            }
        }
        return nil
    }

    /// ITU-R BT.601 luma in Pillow's fixed point: (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16.
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let weighted: Int = 19595 * Int(r) + 38470 * Int(g) + 7471 * Int(b)
        return UInt8((weighted + 0x8000) >> 16)
    }

    /// `gray` over black with opacity `alpha`: gray·alpha / 255, rounded half up.
    static func composite(_ gray: UInt8, alpha: UInt8) -> UInt8 {
        UInt8((2 * Int(gray) * Int(alpha) + 255) / 510)
    }
}

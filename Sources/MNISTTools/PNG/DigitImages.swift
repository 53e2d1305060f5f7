/// An 8-bit grayscale picture: `width` × `height` gray levels, row-major, top row first.
public struct GrayImage: Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height, "pixel count must be width × height")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The gray level at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }

    /// This image as a PNG file.
    public func pngBytes() throws(MNISTToolsError) -> [UInt8] {
        try PNGWriter.encodeGray(width: width, height: height, pixels: pixels)
    }
}

/// The pictures `export-png` writes, as pure functions of gray levels: one digit, enlarged
/// and optionally inverted, or a contact sheet of many.
public enum DigitImages {
    /// The gray level of the 1-pixel lines between contact-sheet cells, and of empty cells:
    /// 128, mid gray, visible against both black and white digits. Never inverted.
    public static let separatorGray: UInt8 = 128

    /// The largest scale factor accepted.
    public static let maximumScale = 64

    /// The most pixels one picture may have (2³¹ − 1): larger requests are refused before
    /// any memory is allocated.
    public static let maximumPixelCount = Int(Int32.max)

    /// One digit of `rows` × `columns` gray levels (row-major), each pixel repeated into a
    /// `scale` × `scale` block (nearest neighbour); `invert` turns each level v into 255 − v.
    public static func digit(_ gray: [UInt8], rows: Int, columns: Int, scale: Int = 1, invert: Bool = false) throws(MNISTToolsError) -> GrayImage {
        try checkDigit(gray, rows: rows, columns: columns, scale: scale)
        let width = columns * scale, height = rows * scale
        try checkSize(width: width, height: height)
        var pixels = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeMutableBufferPointer { target in
            draw(gray, rows: rows, columns: columns, scale: scale, invert: invert, into: target, stride: width, x: 0, y: 0)
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// The size of a contact sheet: `cellCount` cells of `rows` × `columns` digits enlarged by
    /// `scale`, `gridColumns` to a row (fewer when there are fewer cells), separated by 1-pixel
    /// lines, with no border: width = c × columns × scale + (c − 1) for c columns used, and
    /// likewise for the height with ⌈cellCount / c⌉ rows.
    public static func sheetSize(cellCount: Int, rows: Int, columns: Int, gridColumns: Int, scale: Int) throws(MNISTToolsError) -> (width: Int, height: Int, columns: Int, rows: Int) {
        guard cellCount > 0, gridColumns > 0, rows > 0, columns > 0, (1...maximumScale).contains(scale) else {
            throw .invalidData(path: "contact sheet", field: "layout",
                               reason: "\(cellCount) cells of \(rows)×\(columns) in \(gridColumns) columns at scale \(scale): all must be positive, the scale at most \(maximumScale)")
        }
        let sheetColumns = min(gridColumns, cellCount)
        let sheetRows = (cellCount + sheetColumns - 1) / sheetColumns
        func extent(_ cells: Int, _ side: Int) -> Int? {
            let (cell, o1) = side.multipliedReportingOverflow(by: scale)
            let (all, o2) = cell.multipliedReportingOverflow(by: cells)
            let (total, o3) = all.addingReportingOverflow(cells - 1)
            return o1 || o2 || o3 ? nil : total
        }
        guard let width = extent(sheetColumns, columns), let height = extent(sheetRows, rows) else {
            throw .invalidData(path: "contact sheet", field: "size", reason: "\(cellCount) cells of \(rows)×\(columns) at scale \(scale) are too many pixels")
        }
        try checkSize(width: width, height: height)
        return (width, height, sheetColumns, sheetRows)
    }

    /// A contact sheet of `cellCount` digits, each `rows` × `columns` gray levels given by
    /// `digit(cell)` (asked once per cell, in order, so a caller can read digits one at a
    /// time): cells left to right, top to bottom, `gridColumns` to a row, each digit enlarged
    /// by `scale` and inverted if `invert`. Between cells runs a 1-pixel line of gray
    /// `separatorGray` (128), whatever the scale, with none around the border; cells after
    /// the last digit in the bottom row are filled with that gray too. See `sheetSize` for
    /// the dimensions.
    public static func contactSheet(cellCount: Int, rows: Int, columns: Int, gridColumns: Int, scale: Int = 1, invert: Bool = false,
                                    digit: (Int) throws(MNISTToolsError) -> [UInt8]) throws(MNISTToolsError) -> GrayImage {
        let size = try sheetSize(cellCount: cellCount, rows: rows, columns: columns, gridColumns: gridColumns, scale: scale)
        var pixels = [UInt8](repeating: separatorGray, count: size.width * size.height)
        for cell in 0..<cellCount {
            let gray = try digit(cell)
            try checkDigit(gray, rows: rows, columns: columns, scale: scale)
            let x = (cell % size.columns) * (columns * scale + 1)
            let y = (cell / size.columns) * (rows * scale + 1)
            pixels.withUnsafeMutableBufferPointer { target in
                draw(gray, rows: rows, columns: columns, scale: scale, invert: invert, into: target, stride: size.width, x: x, y: y)
            }
        }
        return GrayImage(width: size.width, height: size.height, pixels: pixels)
    }

    /// Copies one digit, enlarged and maybe inverted, with its top-left corner at (x, y) of a
    /// picture `stride` pixels wide.
    private static func draw(_ gray: [UInt8], rows: Int, columns: Int, scale: Int, invert: Bool,
                             into target: UnsafeMutableBufferPointer<UInt8>, stride: Int, x: Int, y: Int) {
        let flip: UInt8 = invert ? 255 : 0
        for row in 0..<rows {
            let firstLine = (y + row * scale) * stride + x
            for column in 0..<columns {
                let level = gray[row * columns + column] ^ flip  // 255 − v == 255 ^ v for bytes
                let start = firstLine + column * scale
                for dx in 0..<scale { target[start + dx] = level }
            }
            for line in 1..<scale {
                let copy = firstLine + line * stride
                for dx in 0..<(columns * scale) { target[copy + dx] = target[firstLine + dx] }
            }
        }
    }

    private static func checkDigit(_ gray: [UInt8], rows: Int, columns: Int, scale: Int) throws(MNISTToolsError) {
        guard rows > 0, columns > 0, gray.count == rows * columns else {
            throw .invalidData(path: "digit image", field: "pixels", reason: "expected \(rows)×\(columns) gray levels, found \(gray.count)")
        }
        guard (1...maximumScale).contains(scale) else {
            throw .invalidData(path: "digit image", field: "scale", reason: "scale must lie in 1…\(maximumScale), not \(scale)")
        }
    }

    private static func checkSize(width: Int, height: Int) throws(MNISTToolsError) {
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard width <= PNGWriter.maximumDimension, height <= PNGWriter.maximumDimension, !overflow, count <= maximumPixelCount else {
            throw .invalidData(path: "PNG image", field: "size",
                               reason: "\(width)×\(height) is more than the \(maximumPixelCount) pixels this tool writes in one picture")
        }
    }
}

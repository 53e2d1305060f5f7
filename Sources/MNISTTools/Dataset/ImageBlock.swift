import Pickle

/// `count` images of `rows` × `columns` pixels, stored one after another (row-major).
///
/// Pixels are either bytes with a divisor (value = byte / divisor: 256 for the classic
/// `mnist.pkl.gz`, which stores `pixel/256`; 255 for LeCun's IDX files read as 0…1) or
/// little-endian float32. The bytes are a `ByteSlice`: a view into a mapped file or an
/// inflated buffer, at any alignment.
public struct ImageBlock {
    public enum Pixels {
        case bytes(ByteSlice, divisor: Int)
        case float32(ByteSlice)
    }

    public let count: Int
    public let rows: Int
    public let columns: Int
    public let pixels: Pixels

    /// Checks that the storage holds exactly `count × rows × columns` pixels; `source` and
    /// `field` name the data in errors.
    public init(count: Int, rows: Int, columns: Int, pixels: Pixels, source: String, field: String) throws(MNISTToolsError) {
        let perPixel: Int
        let storage: ByteSlice
        switch pixels {
        case let .bytes(bytes, divisor):
            guard divisor > 0 else { throw .invalidData(path: source, field: field, reason: "pixel divisor must be positive, not \(divisor)") }
            perPixel = 1
            storage = bytes
        case let .float32(bytes):
            perPixel = 4
            storage = bytes
        }
        let (pixelCount, overflow1) = count.multipliedReportingOverflow(by: rows)
        let (total, overflow2) = pixelCount.multipliedReportingOverflow(by: columns)
        let (byteCount, overflow3) = total.multipliedReportingOverflow(by: perPixel)
        guard count >= 0, rows > 0, columns > 0, !overflow1, !overflow2, !overflow3, byteCount == storage.count else {
            throw .invalidData(path: source, field: field, reason: "\(count) images of \(rows)×\(columns) need \(overflow3 ? "too many" : String(byteCount)) bytes, but \(storage.count) are stored")
        }
        self.count = count
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
    }

    /// Pixels per image.
    public var pixelsPerImage: Int { rows * columns }

    /// Pixel `index` of image `image` as a float in the stored scale.
    public func value(image: Int, pixel index: Int) -> Float {
        let position = image * pixelsPerImage + index
        switch pixels {
        case let .bytes(bytes, divisor):
            return bytes.withUnsafeBytes { Float($0[position]) / Float(divisor) }
        case let .float32(bytes):
            return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position * 4, as: Float.self) }
        }
    }

    /// Image `image` as 8-bit gray levels for display: bytes as stored, floats in 0…1
    /// scaled by 255 (rounded, clamped).
    public func grayLevels(image: Int) -> [UInt8] {
        let start = image * pixelsPerImage
        switch pixels {
        case let .bytes(bytes, _):
            return bytes.withUnsafeBytes { Array($0[start..<(start + pixelsPerImage)]) }
        case let .float32(bytes):
            return bytes.withUnsafeBytes { raw in
                (0..<pixelsPerImage).map { index in
                    let value = raw.loadUnaligned(fromByteOffset: (start + index) * 4, as: Float.self)
                    return UInt8(clamping: Int((min(max(value, 0), 1) * 255).rounded()))
                }
            }
        }
    }
}

extension ImageBlock {
    /// The side of a square image of `pixels` pixels (784 → 28), or nil when `pixels` is not
    /// a positive perfect square: how a flat (N, rows·columns) image array is read.
    static func squareSide(of pixels: Int) -> Int? {
        guard pixels > 0 else { return nil }
        var side = Int(Double(pixels).squareRoot())
        // The floating-point root can be one off for very large counts.
        while side * side > pixels { side -= 1 }
        while (side + 1) * (side + 1) <= pixels { side += 1 }
        return side * side == pixels ? side : nil
    }
}

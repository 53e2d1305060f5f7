import MNISTTools

/// A split as training reads it: every image as a row of float32 pixels (stored value /
/// divisor, so a converted classic file gives the very floats of the original), and the
/// labels. The tutorials keep each split in memory like this ("shared variables").
public struct LabelledMatrix: Sendable {
    public let images: Matrix
    public let labels: [Int]

    public var count: Int { labels.count }

    public init(_ split: DatasetSplit) {
        let images = split.images
        var values = [Float](repeating: 0, count: images.count * images.pixelsPerImage)
        switch images.pixels {
        case let .bytes(bytes, divisor):
            // Float(Double(k) / divisor): the correctly rounded quotient, as NumPy gives for
            // `pixels / 255.0` cast to float32 (and exactly k/256 for the classic file).
            let table = (0..<256).map { Float(Double($0) / Double(divisor)) }
            bytes.withUnsafeBytes { raw in
                for index in values.indices { values[index] = table[Int(raw[index])] }
            }
        case let .float32(bytes):
            bytes.withUnsafeBytes { raw in
                for index in values.indices { values[index] = raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self) }
            }
        }
        self.images = Matrix(rows: images.count, columns: images.pixelsPerImage, values: values)
        labels = split.labels.values
    }

    /// Rows `range` as a minibatch.
    public func batch(_ range: Range<Int>) -> (images: Matrix, labels: [Int]) {
        let width = images.columns
        let slice = Array(images.values[(range.lowerBound * width)..<(range.upperBound * width)])
        return (Matrix(rows: range.count, columns: width, values: slice), Array(labels[range]))
    }
}

import MNISTTools

/// A split as training reads it: every image as a row of float32 pixels (stored value /
/// divisor, so a converted classic file gives the very floats of the original), and the
/// labels. The tutorials keep each split in memory like this ("shared variables").
///
/// The rows are held in blocks of `rowsPerBlock` (the last may be shorter), so that a
/// minibatch that is one block is handed out without copying: at logistic regression's
/// speed, copying each 600-row batch would cost as much as training on it.
public struct LabelledMatrix: Sendable {
    /// Consecutive blocks of rows, each with its labels.
    public let blocks: [(images: Matrix, labels: [Int])]
    public let rowsPerBlock: Int
    /// Number of rows (examples).
    public let count: Int
    /// Values per row.
    public let columns: Int

    public init(_ split: DatasetSplit, rowsPerBlock: Int) {
        precondition(rowsPerBlock >= 1, "LabelledMatrix: rowsPerBlock must be at least 1")
        let images = split.images
        let width = images.pixelsPerImage
        let labels = split.labels.values
        let decode = Self.decoder(of: images.pixels)
        blocks = stride(from: 0, to: images.count, by: rowsPerBlock).map { start in
            let end = min(start + rowsPerBlock, images.count)
            let values = [Float](unsafeUninitializedCapacity: (end - start) * width) { buffer, initialized in
                decode(start * width, buffer)
                initialized = buffer.count
            }
            return (Matrix(rows: end - start, columns: width, values: values), Array(labels[start..<end]))
        }
        self.rowsPerBlock = rowsPerBlock
        count = images.count
        columns = width
    }

    /// A function that fills a buffer with the pixels from an index on, as float32.
    private static func decoder(of pixels: ImageBlock.Pixels) -> (Int, UnsafeMutableBufferPointer<Float>) -> Void {
        switch pixels {
        case let .bytes(bytes, divisor):
            // Float(Double(k) / divisor): the correctly rounded quotient, as NumPy gives for
            // `pixels / 255.0` cast to float32 (and exactly k/256 for the classic file).
            let table = (0..<256).map { Float(Double($0) / Double(divisor)) }
            return { start, buffer in
                bytes.withUnsafeBytes { raw in
                    for index in buffer.indices { buffer[index] = table[Int(raw[start + index])] }
                }
            }
        case let .float32(bytes):
            return { start, buffer in
                bytes.withUnsafeBytes { raw in
                    for index in buffer.indices { buffer[index] = raw.loadUnaligned(fromByteOffset: (start + index) * 4, as: Float.self) }
                }
            }
        }
    }

    /// Rows `range` as a minibatch: a block itself when the range is one block, else a copy.
    public func batch(_ range: Range<Int>) -> (images: Matrix, labels: [Int]) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "LabelledMatrix: rows \(range) outside 0..<\(count)")
        let first = range.lowerBound / rowsPerBlock
        if range.lowerBound % rowsPerBlock == 0, first < blocks.count, blocks[first].images.rows == range.count {
            return blocks[first]
        }
        var values: [Float] = []
        var labels: [Int] = []
        values.reserveCapacity(range.count * columns)
        labels.reserveCapacity(range.count)
        var row = range.lowerBound
        while row < range.upperBound {
            let block = blocks[row / rowsPerBlock]
            let within = row % rowsPerBlock
            let take = min(range.upperBound - row, block.images.rows - within)
            values += block.images.values[(within * columns)..<((within + take) * columns)]
            labels += block.labels[within..<(within + take)]
            row += take
        }
        return (Matrix(rows: range.count, columns: columns, values: values), labels)
    }
}

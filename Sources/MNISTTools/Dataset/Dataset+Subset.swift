import Pickle

extension DatasetSplit {
    /// A new split of the examples at `indices`, in that order (pixels copied).
    public func subset(_ indices: [Int], name: String) throws -> DatasetSplit {
        try DatasetSplit(name: name, images: images.subset(indices, source: name),
                         labels: LabelBlock(values: indices.map { labels.values[$0] }), source: name)
    }

    /// The examples of `splits` one after another, as one split called `name`; `source`
    /// names the dataset in errors.
    public static func concatenating(_ splits: [DatasetSplit], name: String, source: String) throws -> DatasetSplit {
        guard let first = splits.first else {
            throw MNISTToolsError.invalidData(path: source, field: "splits", reason: "nothing to merge")
        }
        for split in splits where split.images.rows != first.images.rows || split.images.columns != first.images.columns {
            throw MNISTToolsError.invalidData(
                path: source, field: "split '\(split.name)'",
                reason: "images are \(split.images.rows)×\(split.images.columns), not \(first.images.rows)×\(first.images.columns) like '\(first.name)'")
        }
        var indices: [(split: Int, index: Int)] = []
        for (position, split) in splits.enumerated() { indices += (0..<split.count).map { (position, $0) } }
        return try gather(splits, indices, name: name)
    }

    /// Examples picked from several splits, as one split. Pixels stay bytes only when every
    /// source split stores bytes with the same divisor; otherwise all become float32.
    static func gather(_ splits: [DatasetSplit], _ picks: [(split: Int, index: Int)], name: String) throws -> DatasetSplit {
        let first = splits[0].images
        let pixelsPerImage = first.pixelsPerImage
        let commonDivisor: Int? = {
            var divisors = Set<Int>()
            for split in splits {
                guard case let .bytes(_, divisor) = split.images.pixels else { return nil }
                divisors.insert(divisor)
            }
            return divisors.count == 1 ? divisors.first : nil
        }()
        let bytesPerImage = pixelsPerImage * (commonDivisor == nil ? 4 : 1)
        let storage = ByteStorage(capacity: picks.count * bytesPerImage)
        for (position, pick) in picks.enumerated() {
            let target = UnsafeMutableRawBufferPointer(start: storage.baseAddress + position * bytesPerImage, count: bytesPerImage)
            splits[pick.split].images.copyImage(pick.index, into: target, asFloat: commonDivisor == nil)
        }
        storage.setCount(picks.count * bytesPerImage)
        let pixels: ImageBlock.Pixels = commonDivisor.map { .bytes(storage.slice, divisor: $0) } ?? .float32(storage.slice)
        let images = try ImageBlock(count: picks.count, rows: first.rows, columns: first.columns, pixels: pixels, source: name, field: "\(name) images")
        let labels = LabelBlock(values: picks.map { splits[$0.split].labels.values[$0.index] })
        return try DatasetSplit(name: name, images: images, labels: labels, source: name)
    }
}

extension ImageBlock {
    /// The images at `indices`, in that order, with the same pixel storage type.
    func subset(_ indices: [Int], source: String) throws -> ImageBlock {
        let asFloat: Bool = if case .float32 = pixels { true } else { false }
        let bytesPerImage = pixelsPerImage * (asFloat ? 4 : 1)
        let storage = ByteStorage(capacity: indices.count * bytesPerImage)
        for (position, index) in indices.enumerated() {
            copyImage(index, into: UnsafeMutableRawBufferPointer(start: storage.baseAddress + position * bytesPerImage, count: bytesPerImage), asFloat: asFloat)
        }
        storage.setCount(indices.count * bytesPerImage)
        let newPixels: Pixels = switch pixels {
        case let .bytes(_, divisor): .bytes(storage.slice, divisor: divisor)
        case .float32: .float32(storage.slice)
        }
        return try ImageBlock(count: indices.count, rows: rows, columns: columns, pixels: newPixels, source: source, field: "\(source) images")
    }

    /// Copies image `index` into `target`: as stored, or as float32 values when `asFloat`.
    func copyImage(_ index: Int, into target: UnsafeMutableRawBufferPointer, asFloat: Bool) {
        let start = index * pixelsPerImage
        switch pixels {
        case let .bytes(bytes, divisor):
            bytes.withUnsafeBytes { raw in
                if asFloat {
                    for pixel in 0..<pixelsPerImage {
                        target.storeBytes(of: Float(raw[start + pixel]) / Float(divisor), toByteOffset: pixel * 4, as: Float.self)
                    }
                } else {
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start..<(start + pixelsPerImage)]))
                }
            }
        case let .float32(bytes):
            bytes.withUnsafeBytes { raw in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(start * 4)..<((start + pixelsPerImage) * 4)]))
            }
        }
    }
}

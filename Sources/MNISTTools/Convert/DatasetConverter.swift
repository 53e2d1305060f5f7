import Pickle

/// `convert`: reads any input into a dataset and writes it as a dataset folder (IDX or
/// NPY files with a manifest) or as a classic pickle.
public enum DatasetConverter {
    public enum OutputFormat: String, CaseIterable, Sendable {
        case idx, npy, pkl
    }

    /// What a conversion did, for the one-line summary.
    public struct Summary {
        public let dataset: Dataset
        /// The largest |stored − original| pixel change from `quantize`, if it was asked for.
        public let quantizationError: Float?
    }

    /// Converts `input` to `output`. `progress` is told each phase ("reading", "writing
    /// train", …). On any error nothing is left at `output` (an existing one is untouched).
    public static func convert(input: String, output: String, format: OutputFormat, quantize: Bool, overwrite: Bool,
                               progress: (String) -> Void = { _ in }) throws -> Summary {
        let checksum = SourceChecksum(path: input)
        progress("reading \(input)")
        var dataset = try DatasetLoader.load(path: input)
        var worstError: Float?
        if quantize {
            var splits: [DatasetSplit] = []
            for split in dataset.splits {
                let (images, error) = try split.images.quantized(source: input, field: "\(split.name) images")
                splits.append(try DatasetSplit(name: split.name, images: images, labels: split.labels, source: input))
                worstError = max(worstError ?? 0, error)
            }
            dataset = Dataset(splits: splits)
        }
        progress("writing \(output)")
        switch format {
        case .pkl:
            try ClassicPickleExport.write(dataset, to: output, overwrite: overwrite)
        case .idx, .npy:
            let fileFormat: DatasetFolderWriter.FileFormat = format == .idx ? .idx : .npy
            try DatasetFolderWriter.write(dataset, to: output, format: fileFormat, sourcePath: input,
                                          sourceSHA256: checksum.value, overwrite: overwrite)
        }
        return Summary(dataset: dataset, quantizationError: worstError)
    }
}

extension ImageBlock {
    /// Float32 pixels in 0…1 rounded to bytes with divisor 255, and the largest change
    /// made; byte pixels are returned as they are (error 0).
    public func quantized(source: String, field: String) throws -> (ImageBlock, Float) {
        guard case let .float32(bytes) = pixels else { return (self, 0) }
        let storage = ByteStorage(capacity: bytes.count / 4)
        var worst: Float = 0
        try bytes.withUnsafeBytes { raw in
            for index in 0..<(raw.count / 4) {
                let value = raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self)
                guard value.isFinite, value >= 0, value <= 1 else {
                    throw MNISTToolsError.invalidData(path: source, field: field,
                                                      reason: "--quantize needs pixels in 0…1, found \(value) at pixel \(index)")
                }
                let level = (value * 255).rounded()
                worst = max(worst, abs(level / 255 - value))
                storage.baseAddress.storeBytes(of: UInt8(level), toByteOffset: index, as: UInt8.self)
            }
        }
        storage.setCount(bytes.count / 4)
        return (try ImageBlock(count: count, rows: rows, columns: columns, pixels: .bytes(storage.slice, divisor: 255),
                               source: source, field: field), worst)
    }
}

import Pickle

/// Writes a dataset in the classic `mnist.pkl.gz` format: a tuple of (images, labels)
/// pairs, float32 pixels (stored value / divisor, so a converted classic file gives back
/// bit-identical floats) shaped (N, rows·columns), int64 labels, Python-2-style protocol 2.
/// Gzip-compressed when the destination ends in ".gz".
public enum ClassicPickleExport {
    public static func write(_ dataset: Dataset, to destination: String, overwrite: Bool) throws {
        let output = try AtomicOutputFile(destination: destination, overwrite: overwrite)
        let gzip = destination.hasSuffix(".gz") ? try GzipWriter(output: output.file) : nil
        let sink: ClassicPickleWriter.Sink = { bytes in
            if let gzip { try gzip.write(bytes) } else { try output.file.write(bytes) }
        }
        var writer = ClassicPickleWriter(sink: sink)
        try writer.write(pairs: dataset.splits.map { split in
            (images: imagesArray(split.images), labels: labelsArray(split.labels))
        })
        if let gzip { try gzip.finish() }
        try output.commit()
    }

    private static func imagesArray(_ images: ImageBlock) -> ClassicPickleWriter.Array {
        .init(count: images.count, kind: .float32Matrix(width: images.pixelsPerImage)) { write in
            switch images.pixels {
            case let .float32(bytes):
                try bytes.withUnsafeBytes { try write($0) }
            case let .bytes(bytes, divisor):
                // Convert a chunk at a time: no second copy of the whole array.
                let table = (0..<256).map { Float($0) / Float(divisor) }
                var chunk = [Float](repeating: 0, count: 1 << 16)
                try bytes.withUnsafeBytes { raw in
                    var start = 0
                    while start < raw.count {
                        let end = min(raw.count, start + chunk.count)
                        for index in start..<end { chunk[index - start] = table[Int(raw[index])] }
                        try chunk.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<((end - start) * 4)])) }
                        start = end
                    }
                }
            }
        }
    }

    private static func labelsArray(_ labels: LabelBlock) -> ClassicPickleWriter.Array {
        .init(count: labels.count, kind: .int64Vector) { write in
            let values = labels.values.map { Int64($0).littleEndian }
            try values.withUnsafeBytes { try write($0) }
        }
    }
}

/// Writes a dataset folder (see `DatasetFolder`): each split's images and labels in IDX or
/// NPY, then `dataset.json`, all under a temporary name renamed into place at the end.
public enum DatasetFolderWriter {
    public enum FileFormat: String, CaseIterable, Sendable {
        case idx, npy
    }

    /// Writes `dataset` to `destination`; `sourcePath` and `sourceSHA256` are recorded in the
    /// manifest. Float32 pixels need the NPY format (IDX stores bytes here, as LeCun's
    /// files do). Returns the manifest written.
    @discardableResult
    public static func write(_ dataset: Dataset, to destination: String, format: FileFormat,
                             sourcePath: String, sourceSHA256: () throws -> String?, overwrite: Bool) throws -> DatasetManifest {
        if format == .idx, let split = dataset.splits.first(where: { if case .float32 = $0.images.pixels { true } else { false } }) {
            throw MNISTToolsError.invalidData(
                path: sourcePath, field: "\(split.name) images",
                reason: "pixels are not all multiples of 1/256 or 1/255, so bytes would lose precision; use --format npy to keep float32, or --quantize")
        }
        let folder = try AtomicDirectory(destination: destination, overwrite: overwrite)
        var entries: [DatasetManifest.Split] = []
        for split in dataset.splits {
            let (imagesFile, labelsFile) = fileNames(for: split.name, format: format)
            let imagesSHA256 = try writeFile(imagesFile, in: folder) { sink, path in
                switch format {
                case .idx: try IDXWriter.writeImages(split.images, to: &sink, path: path)
                case .npy: try NPYFile.writeImages(split.images, to: &sink)
                }
            }
            let labelsSHA256 = try writeFile(labelsFile, in: folder) { sink, path in
                switch format {
                case .idx: try IDXWriter.writeLabels(split.labels, to: &sink, path: path)
                case .npy: try NPYFile.writeLabels(split.labels, to: &sink)
                }
            }
            let divisor: Int? = if case let .bytes(_, divisor) = split.images.pixels { divisor } else { nil }
            entries.append(DatasetManifest.Split(
                name: split.name, count: split.count, rows: split.images.rows, columns: split.images.columns,
                pixelType: divisor == nil ? "float32" : "uint8", divisor: divisor,
                imagesFile: imagesFile, imagesSHA256: imagesSHA256, labelsFile: labelsFile, labelsSHA256: labelsSHA256,
                classCounts: split.labels.classCounts))
        }
        let manifest = DatasetManifest(fileFormat: format.rawValue, classCount: dataset.classCount, sourcePath: sourcePath,
                                       sourceSHA256: try sourceSHA256(), splits: entries)
        let manifestFile = try OutputFile(creating: folder.path(for: DatasetManifest.fileName),
                                          reportingAs: folder.finalPath(for: DatasetManifest.fileName))
        try manifestFile.write(Array((manifest.json().formatted() + "\n").utf8))
        try manifestFile.finish()
        try folder.commit()
        return manifest
    }

    /// LeCun's names for IDX ("t10k" for the test split), `NAME-images.npy` for NPY.
    static func fileNames(for split: String, format: FileFormat) -> (String, String) {
        switch format {
        case .idx:
            let prefix = split == "test" ? "t10k" : split
            return ("\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte")
        case .npy:
            return ("\(split)-images.npy", "\(split)-labels.npy")
        }
    }

    /// Creates `name` in `folder`, lets `body` write it through a hashing sink, finishes it
    /// and returns its SHA-256. Errors name the file where it will be once committed.
    private static func writeFile(_ name: String, in folder: AtomicDirectory,
                                  _ body: (inout HashingSink<OutputFile>, String) throws -> Void) throws -> String {
        let path = folder.finalPath(for: name)
        var sink = HashingSink(try OutputFile(creating: folder.path(for: name), reportingAs: path))
        try body(&sink, path)
        try sink.inner.finish()
        return sink.hexDigest()
    }
}

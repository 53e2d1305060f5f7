import Pickle

/// The folder `convert` writes: one images file and one labels file per split, in LeCun's
/// IDX layout (`train-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, …) or as `.npy`
/// files, described by `dataset.json`. Reading maps the files: nothing is read until used.
public enum DatasetFolder {
    /// Reads the folder at `path`, checking each file against the manifest.
    public static func read(path: String) throws -> Dataset {
        let manifestPath = path + "/" + DatasetManifest.fileName
        let manifest = try readManifest(manifestPath)
        var splits: [DatasetSplit] = []
        for entry in manifest.splits {
            let imagesPath = path + "/" + entry.imagesFile
            let images = try readArray(imagesPath, format: manifest.fileFormat)
            let expectedDType: DType = entry.pixelType == "uint8" ? .uint8 : .float32
            guard images.shape == [entry.count, entry.rows, entry.columns], images.dtype.kind == expectedDType.kind,
                  images.dtype.itemSize == expectedDType.itemSize, let bytes = images.bytes else {
                throw MNISTToolsError.invalidData(
                    path: imagesPath, field: "header",
                    reason: "the manifest promises \(entry.count)×\(entry.rows)×\(entry.columns) \(entry.pixelType), the file holds \(images.shape) \(images.dtype)")
            }
            let pixels: ImageBlock.Pixels = entry.pixelType == "uint8"
                ? .bytes(bytes, divisor: entry.divisor ?? 255)
                : .float32(try littleEndian(images, path: imagesPath))
            let block = try ImageBlock(count: entry.count, rows: entry.rows, columns: entry.columns, pixels: pixels,
                                       source: imagesPath, field: "\(entry.name) images")
            let labelsPath = path + "/" + entry.labelsFile
            let labels = try LabelBlock(try readArray(labelsPath, format: manifest.fileFormat), source: labelsPath, field: "\(entry.name) labels")
            splits.append(try DatasetSplit(name: entry.name, images: block, labels: labels, source: labelsPath))
        }
        return Dataset(splits: splits)
    }

    static func readManifest(_ path: String) throws -> DatasetManifest {
        let opened = try openInput(path: path)
        guard case let .whole(storage) = opened.bytes, opened.compression == .none else {
            throw MNISTToolsError.invalidData(path: path, field: "file", reason: "expected a plain JSON file")
        }
        do {
            return try DatasetManifest(json: try JSONParser.parse(Array(storage.bytes)), path: path)
        } catch let error as JSONParser.Failure {
            throw MNISTToolsError.invalidData(path: path, field: "JSON", reason: error.description)
        }
    }

    private static func readArray(_ path: String, format: String) throws -> NDArray {
        let opened = try openInput(path: path)
        guard case let .whole(storage) = opened.bytes, opened.compression == .none else {
            throw MNISTToolsError.invalidData(path: path, field: "file", reason: "expected an uncompressed regular file")
        }
        return format == "npy" ? try NPYFile.read(storage.slice, path: path) : try IDXFile.read(storage.slice, path: path)
    }

    /// Float32 pixels as stored little-endian (IDX stores them big-endian: swapped once).
    private static func littleEndian(_ array: NDArray, path: String) throws -> ByteSlice {
        guard let bytes = array.bytes else { throw MNISTToolsError.invalidData(path: path, field: "data", reason: "expected numbers") }
        guard array.dtype.needsByteSwap else { return bytes }
        let storage = ByteStorage(capacity: bytes.count)
        bytes.withUnsafeBytes { source in
            for offset in stride(from: 0, to: bytes.count, by: 4) {
                let value = source.loadUnaligned(fromByteOffset: offset, as: UInt32.self).byteSwapped
                storage.baseAddress.storeBytes(of: value, toByteOffset: offset, as: UInt32.self)
            }
        }
        storage.setCount(bytes.count)
        return storage.slice
    }
}

import Glibc
import Pickle

/// Reads a dataset from any input the tool understands, told apart by content:
/// a folder written by `convert` (`dataset.json`), a folder of LeCun's IDX files, a `.npz`
/// archive, or a classic MNIST pickle (gzipped or not, any protocol).
public enum DatasetLoader {
    public static func load(path: String) throws -> Dataset {
        if isDirectory(path) {
            if fileExists(path + "/" + DatasetManifest.fileName) { return try DatasetFolder.read(path: path) }
            if IDXFolder.isIDXFolder(path) { return try IDXFolder.read(folder: path) }
            throw MNISTToolsError.invalidData(
                path: path, field: "folder",
                reason: "expected \(DatasetManifest.fileName) (a folder written by convert) or LeCun's IDX files (train-images-idx3-ubyte[.gz], …)")
        }
        if path != "-", try startsWithZipMagic(path) { return try NPZFile.readDataset(path: path) }
        let opened = try openInput(path: path)
        if case let .whole(storage) = opened.bytes {
            let head = Array(storage.bytes.prefix(6))
            if head.starts(with: [0x93] + Array("NUMPY".utf8)) {
                throw MNISTToolsError.invalidData(path: path, field: "file", reason: "a .npy file holds one array; a dataset needs images and labels (use an .npz with x_train/y_train, …)")
            }
            if head.count >= 4, head[0] == 0, head[1] == 0, [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E].contains(head[2]) {
                throw MNISTToolsError.invalidData(path: path, field: "file", reason: "an IDX file holds only images or only labels; pass the folder holding both (train-images-idx3-ubyte, train-labels-idx1-ubyte, …)")
            }
        }
        return try classicPickle(PickleFile.read(opened))
    }

    /// The splits of an MNIST-style pickle: a tuple of (images, labels) pairs.
    public static func classicPickle(_ file: PickleFile) throws -> Dataset {
        guard let layout = ClassicPickleLayout(file.value) else {
            throw MNISTToolsError.invalidData(
                path: file.path, field: "pickle",
                reason: "expected a tuple of 2 or 3 (images, labels) pairs of NumPy arrays, found \(file.value.typeName) (see `mnist-tools inspect`)")
        }
        return Dataset(splits: try layout.splits.map { split in
            try DatasetSplit(name: split.name, images: split.images, labels: split.labels, source: file.path)
        })
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    private static func startsWithZipMagic(_ path: String) throws -> Bool {
        let file = try FileDescriptor.open(path: path)
        var head = [UInt8](repeating: 0, count: 4)
        let count = try head.withUnsafeMutableBytes { try file.readSome(into: $0) }
        return count == 4 && head == [0x50, 0x4B, 0x03, 0x04]
    }
}

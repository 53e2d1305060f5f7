import Glibc
import Pickle

/// A folder of LeCun-named IDX files, as MNIST and Fashion-MNIST are distributed:
/// `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte`, each possibly gzipped (`.gz`) and possibly spelled with a dot
/// (`train-images.idx3-ubyte`).
public enum IDXFolder {
    /// A split's file prefix and the split name it becomes.
    private static let splits: [(prefix: String, name: String)] = [("train", "train"), ("t10k", "test")]

    /// The names tried for one file, in order: `prefix-kind-idxN-ubyte`, then the dot
    /// spelling, each plain then gzipped.
    static func candidateNames(prefix: String, kind: String, rank: Int) -> [String] {
        let stems = ["\(prefix)-\(kind)-idx\(rank)-ubyte", "\(prefix)-\(kind).idx\(rank)-ubyte"]
        return stems.flatMap { [$0, $0 + ".gz"] }
    }

    /// Reads the folder into a dataset with splits "train" and "test" (from `t10k`), each
    /// present when its files are. Images become byte pixels (divisor 255). Throws when a
    /// split has images but no labels (or the reverse), when neither split is there (the
    /// error lists every name looked for), or when a file is not valid IDX.
    public static func read(folder: String) throws -> Dataset {
        var dataset = Dataset(splits: [])
        var lookedFor: [String] = []
        for (prefix, name) in splits {
            let imageNames = candidateNames(prefix: prefix, kind: "images", rank: 3)
            let labelNames = candidateNames(prefix: prefix, kind: "labels", rank: 1)
            lookedFor += imageNames + labelNames
            let imagesPath = firstExisting(imageNames, in: folder)
            let labelsPath = firstExisting(labelNames, in: folder)
            switch (imagesPath, labelsPath) {
            case (nil, nil):
                continue
            case let (imagesPath?, labelsPath?):
                let images = try IDXFile.read(path: imagesPath)
                let labels = try IDXFile.read(path: labelsPath)
                dataset.splits.append(try DatasetSplit(name: name, images: images, labels: labels, source: folder))
            case let (found?, nil), let (nil, found?):
                let missing = imagesPath == nil ? imageNames : labelNames
                throw MNISTToolsError.invalidData(path: folder, field: "split '\(name)'",
                    reason: "found \(found) but none of \(missing.joined(separator: ", "))")
            }
        }
        guard !dataset.splits.isEmpty else {
            throw MNISTToolsError.invalidData(path: folder, field: "IDX files",
                reason: "no MNIST IDX files found; looked for \(lookedFor.joined(separator: ", "))")
        }
        return dataset
    }

    /// Whether `path` is a folder holding at least one of the IDX file names `read` looks for.
    public static func isIDXFolder(_ path: String) -> Bool {
        guard isDirectory(path) else { return false }
        return splits.contains { split in
            let names = candidateNames(prefix: split.prefix, kind: "images", rank: 3)
                + candidateNames(prefix: split.prefix, kind: "labels", rank: 1)
            return firstExisting(names, in: path) != nil
        }
    }

    /// The path of the first of `names` in `folder` that exists (and is not a folder).
    private static func firstExisting(_ names: [String], in folder: String) -> String? {
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        return names.lazy.map { base + $0 }.first { path in
            var info = stat()
            return stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFDIR
        }
    }

    /// Whether `path` names a folder (following symbolic links).
    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

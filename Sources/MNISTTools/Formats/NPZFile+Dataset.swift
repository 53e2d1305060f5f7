import Pickle

extension NPZFile {
    /// The key pairs (images, labels) recognized for each split, in the order tried.
    static let splitKeys: [(split: String, pairs: [(images: String, labels: String)])] = [
        ("train", [("x_train", "y_train"), ("train_x", "train_y"), ("train_images", "train_labels")]),
        ("valid", [("x_valid", "y_valid"), ("x_val", "y_val"), ("x_validation", "y_validation"),
                   ("valid_x", "valid_y"), ("val_x", "val_y"), ("valid_images", "valid_labels")]),
        ("test", [("x_test", "y_test"), ("test_x", "test_y"), ("test_images", "test_labels")]),
    ]

    /// Reads the archive at `path` as a dataset: `x_train`/`y_train` (or `train_x`/`train_y`,
    /// `train_images`/`train_labels`) become "train"; `x_valid`, `x_val`, `x_validation`,
    /// `valid_x` or `val_x` with their labels become "valid"; `x_test`/`y_test` (and the like)
    /// become "test". Throws when an images key has no labels key (or the reverse), or when
    /// no split is found (the error lists the keys the archive has).
    public static func readDataset(path: String) throws -> Dataset {
        try dataset(from: read(path: path), path: path)
    }

    /// The dataset the named arrays form; see `readDataset(path:)`.
    static func dataset(from arrays: [(name: String, array: NDArray)], path: String) throws -> Dataset {
        let byName = Dictionary(arrays.map { ($0.name, $0.array) }, uniquingKeysWith: { _, last in last })
        var splits: [DatasetSplit] = []
        for (split, pairs) in splitKeys {
            for (imagesKey, labelsKey) in pairs {
                switch (byName[imagesKey], byName[labelsKey]) {
                case (nil, nil):
                    continue
                case let (images?, labels?):
                    splits.append(try DatasetSplit(name: split, images: images, labels: labels, source: path))
                case (_?, nil), (nil, _?):
                    let (found, missing) = byName[imagesKey] != nil ? (imagesKey, labelsKey) : (labelsKey, imagesKey)
                    throw MNISTToolsError.invalidData(path: path, field: "split '\(split)'",
                        reason: "the archive has '\(found)' but no '\(missing)'")
                }
                break
            }
        }
        guard !splits.isEmpty else {
            let keys = arrays.map { "'\($0.name)'" }.joined(separator: ", ")
            throw MNISTToolsError.invalidData(path: path, field: "keys",
                reason: "expected pairs such as 'x_train'/'y_train' and 'x_test'/'y_test', found \(keys.isEmpty ? "no arrays" : keys)")
        }
        return Dataset(splits: splits)
    }
}

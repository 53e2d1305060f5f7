import Pickle

/// NumPy's `.npz` archives (`np.savez`, `np.savez_compressed`): a zip of `.npy` members.
///
/// Stored members are read in place (views of the mapped file, no copy); deflated ones are
/// inflated by libdeflate into storage of their declared size. Every member's CRC-32 is
/// checked. Keras' `mnist.npz` holds `x_train`, `y_train`, `x_test` and `y_test`; see
/// `readDataset(path:)`.
public enum NPZFile {
    /// Reads every `.npy` member of the archive at `path` (plain or gzip, told by content;
    /// "-" is standard input). Names lose their `.npy` suffix; the order is the directory's.
    /// Members whose names do not end in `.npy` (and folders) are skipped.
    public static func read(path: String) throws -> [(name: String, array: NDArray)] {
        try read(readWholeInput(path: path).slice, path: path)
    }

    /// Reads every `.npy` member of the archive in `bytes`; see `read(path:)`. Errors name
    /// `path`, the member, and what was expected and found.
    public static func read(_ bytes: ByteSlice, path: String) throws -> [(name: String, array: NDArray)] {
        let directory = try ZipDirectory(bytes, path: path)
        let inflater = try RawDeflateInflater(path: path)
        var arrays: [(name: String, array: NDArray)] = []
        for entry in directory.entries where entry.name.hasSuffix(".npy") {
            let data = try entry.data(in: bytes, inflater: inflater, path: path)
            do {
                arrays.append((String(entry.name.dropLast(4)), try NPYFile.read(data, path: path)))
            } catch let MNISTToolsError.invalidData(_, field, reason) {
                throw MNISTToolsError.invalidData(path: path, field: "member '\(entry.name)' \(field)", reason: reason)
            }
        }
        return arrays
    }
}

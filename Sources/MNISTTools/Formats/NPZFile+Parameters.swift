import Pickle

/// A saved model as `train --save` writes it: float arrays (`W0`, `b0`, …) and other
/// members read as raw bytes (`model.json`).
public struct NPZParameters {
    /// A float array converted to `Float`, with its shape.
    public struct FloatArray {
        public let shape: [Int]
        public let values: [Float]
    }

    /// The `.npy` members by name (without `.npy`), float32 or float64 only.
    public let arrays: [String: FloatArray]
    /// The other members' bytes by their full names (for example `model.json`).
    public let otherMembers: [String: [UInt8]]
}

extension NPZFile {
    /// Reads the archive at `path` as model parameters: every `.npy` member must hold a
    /// float32 or float64 array (converted to `Float`), other members are kept as bytes.
    /// Errors name `path` and the member.
    public static func readParameters(path: String) throws -> NPZParameters {
        let bytes = try readWholeInput(path: path).slice
        let directory = try ZipDirectory(bytes, path: path)
        let inflater = try RawDeflateInflater(path: path)
        var arrays: [String: NPZParameters.FloatArray] = [:]
        var others: [String: [UInt8]] = [:]
        for entry in directory.entries where !entry.name.hasSuffix("/") {
            let data = try entry.data(in: bytes, inflater: inflater, path: path)
            guard entry.name.hasSuffix(".npy") else {
                others[entry.name] = data.withUnsafeBytes { Array($0) }
                continue
            }
            let array: NDArray
            do {
                array = try NPYFile.read(data, path: path)
            } catch let MNISTToolsError.invalidData(_, field, reason) {
                throw MNISTToolsError.invalidData(path: path, field: "member '\(entry.name)' \(field)", reason: reason)
            }
            let field = "member '\(entry.name)'"
            guard array.dtype.kind == .float, array.dtype.itemSize == 4 || array.dtype.itemSize == 8 else {
                throw MNISTToolsError.invalidData(path: path, field: field, reason: "expected float32 parameters, found dtype \(array.dtype)")
            }
            let itemSize = array.dtype.itemSize
            let count = array.count
            let values: [Float]? = array.withCOrderLittleEndianBytes { raw in
                guard raw.count >= count * itemSize else { return nil }
                return (0..<count).map { index in
                    itemSize == 4 ? raw.loadUnaligned(fromByteOffset: index * 4, as: Float.self)
                        : Float(raw.loadUnaligned(fromByteOffset: index * 8, as: Double.self))
                }
            } ?? nil
            guard let values else {
                throw MNISTToolsError.invalidData(path: path, field: field, reason: "the array's data could not be read as \(count) floats")
            }
            arrays[String(entry.name.dropLast(4))] = NPZParameters.FloatArray(shape: array.shape, values: values)
        }
        return NPZParameters(arrays: arrays, otherMembers: others)
    }
}

/// Writes a Python list of float32 NumPy arrays, as `pickle.dump([W0, b0, W1, b1], f)` would:
/// each array rebuilt by `numpy.core.multiarray._reconstruct` and a BUILD, its data a
/// Python 3 `bytes` (BINBYTES, protocol 3), so Python 3 reads it with a plain
/// `pickle.load(f)` (a Python 2 `str` would need `encoding='latin1'` there).
///
/// The array writing is `ClassicPickleWriter`'s; this only feeds it float32 arrays.
public struct NDArrayPickleWriter {
    private var writer: ClassicPickleWriter

    public init(sink: @escaping ClassicPickleWriter.Sink) {
        writer = ClassicPickleWriter(sink: sink, dataString: .bytes)
    }

    /// Writes the whole pickle: a list of C-order float32 arrays of the given shapes.
    /// `values.count` must be the product of `shape`.
    public mutating func write(float32Arrays arrays: [(shape: [Int], values: [Float])]) throws {
        try writer.write(list: arrays.map { array in
            let count = array.shape.reduce(1, *)
            precondition(count == array.values.count, "NDArrayPickleWriter: \(array.values.count) values for shape \(array.shape)")
            let values = array.values
            return ClassicPickleWriter.Array(count: count, kind: .float32(shape: array.shape)) { write in
                #if _endian(little)
                try values.withUnsafeBytes { try write($0) }
                #else
                let little = values.map { $0.bitPattern.littleEndian }
                try little.withUnsafeBytes { try write($0) }
                #endif
            }
        })
    }
}

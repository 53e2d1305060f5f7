/// Writes the classic `mnist.pkl.gz` structure as Python 2's cPickle did at protocol 2:
/// `((train_x, train_y), (valid_x, valid_y), (test_x, test_y))` (or any number of pairs),
/// each array rebuilt by `numpy.core.multiarray._reconstruct` and a BUILD whose data is a
/// Python 2 `str` (BINSTRING). Python 3 reads it with `pickle.load(f, encoding='latin1')`.
///
/// Array data is produced by the caller in chunks, straight into the output, so writing a
/// 200 MB array never holds a second copy of it.
///
/// `NDArrayPickleWriter` shares the per-array writing (`writeArray`) with `.bytes` data,
/// for pickles Python 3 reads without an encoding.
public struct ClassicPickleWriter {
    /// Where bytes go (a file, a compressor).
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    /// A 2-D float32 array (count × width), a 1-D int64 array (count), or a float32 array of
    /// any shape (`count` is then the element count), whose little-endian bytes `fill`
    /// writes in order by calling `write` as often as it likes.
    public struct Array {
        public enum Kind { case float32Matrix(width: Int), int64Vector, float32(shape: [Int]) }
        public let count: Int
        public let kind: Kind
        public let fill: (_ write: Sink) throws -> Void

        public init(count: Int, kind: Kind, fill: @escaping (_ write: Sink) throws -> Void) {
            self.count = count
            self.kind = kind
            self.fill = fill
        }

        var byteCount: Int {
            switch kind {
            case let .float32Matrix(width): count * width * 4
            case .int64Vector: count * 8
            case .float32: count * 4
            }
        }

        var shape: [Int] {
            switch kind {
            case let .float32Matrix(width): [count, width]
            case .int64Vector: [count]
            case let .float32(shape): shape
            }
        }

        var dtypeName: String {
            switch kind {
            case .float32Matrix, .float32: "f4"
            case .int64Vector: "i8"
            }
        }
    }

    /// How array data is pickled: a Python 2 `str` (BINSTRING, at most 2 GiB; Python 3 needs
    /// `encoding='latin1'`), or Python 3 `bytes` (BINBYTES, protocol 3, at most 4 GiB).
    public enum DataString: Sendable { case binString, bytes }

    private let sink: Sink
    private let dataString: DataString
    private var memo: [String: UInt8] = [:]

    public init(sink: @escaping Sink, dataString: DataString = .binString) {
        self.sink = sink
        self.dataString = dataString
    }

    /// Writes a whole pickle of a Python list of arrays: PROTO (2, or 3 for `.bytes` data),
    /// EMPTY_LIST, the arrays appended, STOP.
    public mutating func write(list arrays: [Array]) throws {
        try emit([0x80, dataString == .bytes ? 3 : 2])      // PROTO
        try emit([0x5D])                                    // EMPTY_LIST
        if !arrays.isEmpty {
            try emit([0x28])                                // MARK
            for array in arrays { try writeArray(array) }
            try emit([0x65])                                // APPENDS
        }
        try emit([0x2E])                                    // STOP
    }

    /// Writes the whole pickle: PROTO, the tuple of (images, labels) pairs, STOP.
    /// Throws `ClassicPickleWriter.TooLarge` for an array over BINSTRING's 2 GiB limit.
    public mutating func write(pairs: [(images: Array, labels: Array)]) throws {
        try emit([0x80, 2])                  // PROTO 2
        let closing: [UInt8] = [0x74, 0x85, 0x86, 0x87]   // TUPLE, TUPLE1, TUPLE2, TUPLE3
        let needsMark = pairs.isEmpty || pairs.count > 3
        if needsMark { try emit([0x28]) }    // MARK
        for pair in pairs {
            try writeArray(pair.images)
            try writeArray(pair.labels)
            try emit([0x86])                 // TUPLE2
        }
        try emit([needsMark ? closing[0] : closing[pairs.count]])
        try emit([0x2E])                     // STOP
    }

    public struct TooLarge: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// One array: `_reconstruct(ndarray, (0,), b'b')` and a BUILD with
    /// `(1, shape, dtype, False, data)`.
    private mutating func writeArray(_ array: Array) throws {
        switch dataString {
        case .binString:
            guard array.byteCount <= Int(Int32.max) else {
                throw TooLarge(reason: "an array of \(array.byteCount) bytes exceeds the 2 GiB a Python 2 str (BINSTRING) can hold")
            }
        case .bytes:
            guard array.byteCount <= Int(UInt32.max) else {
                throw TooLarge(reason: "an array of \(array.byteCount) bytes exceeds the 4 GiB a BINBYTES can hold")
            }
        }
        try global("numpy.core.multiarray", "_reconstruct")
        try global("numpy", "ndarray")
        try emit([0x4B, 0, 0x85])                           // (0,)
        try shortString("b")
        try emit([0x87, 0x52])                              // TUPLE3, REDUCE
        try emit([0x28])                                    // MARK
        try int(1)
        let shape = array.shape
        if shape.count > 3 { try emit([0x28]) }             // MARK
        for dimension in shape { try int(dimension) }
        switch shape.count {
        case 0: try emit([0x29])                            // EMPTY_TUPLE
        case 1, 2, 3: try emit([[0x85, 0x86, 0x87][shape.count - 1]])   // TUPLE1…3
        default: try emit([0x74])                           // TUPLE
        }
        try dtype(array.dtypeName)
        try emit([0x89])                                    // NEWFALSE: C order
        var length = UInt32(array.byteCount).littleEndian
        try emit([dataString == .bytes ? 0x42 : 0x54])      // BINBYTES or BINSTRING
        try withUnsafeBytes(of: &length) { try sink($0) }
        try array.fill(sink)
        try emit([0x74, 0x62])                              // TUPLE, BUILD
    }

    /// `numpy.dtype(name, 0, 1)` with its BUILD state, memoized after the first use.
    private mutating func dtype(_ name: String) throws {
        if try fetch("dtype " + name) { return }
        try global("numpy", "dtype")
        try shortString(name)
        try emit([0x4B, 0, 0x4B, 1, 0x87, 0x52])            // (name, 0, 1) REDUCE
        try emit([0x28])
        try int(3)
        try shortString("<")
        try emit([0x4E, 0x4E, 0x4E])                        // None × 3
        try emit([0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x4A, 0xFF, 0xFF, 0xFF, 0xFF])   // -1, -1
        try int(0)
        try emit([0x74, 0x62])                              // TUPLE, BUILD
        try store("dtype " + name)
    }

    private mutating func global(_ module: String, _ name: String) throws {
        if try fetch(module + "." + name) { return }
        try emit([0x63] + Swift.Array((module + "\n" + name + "\n").utf8))
        try store(module + "." + name)
    }

    /// BINGET of a memoized item; false when not memoized yet.
    private mutating func fetch(_ key: String) throws -> Bool {
        guard let index = memo[key] else { return false }
        try emit([0x68, index])
        return true
    }

    private mutating func store(_ key: String) throws {
        let index = UInt8(memo.count + 1)
        memo[key] = index
        try emit([0x71, index])                             // BINPUT
    }

    private func shortString(_ text: String) throws {
        let bytes = Swift.Array(text.utf8)
        try emit([0x55, UInt8(bytes.count)] + bytes)        // SHORT_BINSTRING
    }

    private func int(_ value: Int) throws {
        switch value {
        case 0..<256: try emit([0x4B, UInt8(value)])
        case 256..<65536: try emit([0x4D, UInt8(value & 0xFF), UInt8(value >> 8)])
        default:
            var little = Int32(truncatingIfNeeded: value).littleEndian
            try emit([0x4A])
            try withUnsafeBytes(of: &little) { try sink($0) }
        }
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try sink($0) }
    }
}

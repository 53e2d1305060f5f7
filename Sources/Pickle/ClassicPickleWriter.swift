/// Writes the classic `mnist.pkl.gz` structure as Python 2's cPickle did at protocol 2:
/// `((train_x, train_y), (valid_x, valid_y), (test_x, test_y))` (or any number of pairs),
/// each array rebuilt by `numpy.core.multiarray._reconstruct` and a BUILD whose data is a
/// Python 2 `str` (BINSTRING). Python 3 reads it with `pickle.load(f, encoding='latin1')`.
///
/// Array data is produced by the caller in chunks, straight into the output, so writing a
/// 200 MB array never holds a second copy of it.
public struct ClassicPickleWriter {
    /// Where bytes go (a file, a compressor).
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    /// A 2-D float32 array (count × width) or a 1-D int64 array (count), whose little-endian
    /// bytes `fill` writes in order by calling `write` as often as it likes.
    public struct Array {
        public enum Kind { case float32Matrix(width: Int), int64Vector }
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
            }
        }
    }

    private let sink: Sink
    private var memo: [String: UInt8] = [:]

    public init(sink: @escaping Sink) { self.sink = sink }

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

    private mutating func writeArray(_ array: Array) throws {
        guard array.byteCount <= Int(Int32.max) else {
            throw TooLarge(reason: "an array of \(array.byteCount) bytes exceeds the 2 GiB a Python 2 str (BINSTRING) can hold")
        }
        try global("numpy.core.multiarray", "_reconstruct")
        try global("numpy", "ndarray")
        try emit([0x4B, 0, 0x85])                           // (0,)
        try shortString("b")
        try emit([0x87, 0x52])                              // TUPLE3, REDUCE
        try emit([0x28])                                    // MARK
        try int(1)
        switch array.kind {
        case let .float32Matrix(width):
            try int(array.count); try int(width); try emit([0x86])
            try dtype("f4")
        case .int64Vector:
            try int(array.count); try emit([0x85])
            try dtype("i8")
        }
        try emit([0x89])                                    // NEWFALSE: C order
        var length = UInt32(array.byteCount).littleEndian
        try emit([0x54])                                    // BINSTRING
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

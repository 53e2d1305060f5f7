import Foundation
import Pickle
import Testing

/// The bytes of `text` read as Latin-1: each character U+0000…U+00FF is one byte, so a pickle
/// can be written as `"K\u{01}(K\u{02}\u{86}"`.
func pickle(_ text: String) -> [UInt8] {
    text.unicodeScalars.map { scalar in
        precondition(scalar.value < 256, "pickle literals hold only U+0000…U+00FF")
        return UInt8(scalar.value)
    }
}

/// The bytes of a base64 literal (the NumPy fixtures).
func base64(_ text: String) -> [UInt8] {
    guard let data = Data(base64Encoded: text) else { preconditionFailure("bad base64 literal") }
    return [UInt8](data)
}

/// Little-endian bytes of an integer, for building length fields.
func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// Reads `bytes` with the unpickler.
func unpickle(_ bytes: [UInt8], limits: UnpicklerLimits = .default) throws -> PickleValue {
    try Unpickler(limits: limits).read(bytes: bytes).value
}

/// Reads the Latin-1 pickle literal `text`.
func unpickle(_ text: String, limits: UnpicklerLimits = .default) throws -> PickleValue {
    try unpickle(pickle(text), limits: limits)
}

/// Expects reading `bytes` to fail with exactly `kind`, at `offset`, naming `opcode`, and
/// with a description that names the opcode and offset and contains each of `mentions`.
@discardableResult
func expectFailure(
    _ bytes: [UInt8], _ kind: PickleError.Kind, at offset: Int, _ opcode: Opcode?,
    mentions: [String] = [], limits: UnpicklerLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) -> PickleError? {
    let error = #expect(throws: PickleError.self, sourceLocation: sourceLocation) {
        _ = try Unpickler(limits: limits).read(bytes: bytes)
    }
    guard let error else { return nil }
    check(error, kind, at: offset, opcode, mentions: mentions, sourceLocation: sourceLocation)
    return error
}

/// `expectFailure` for a Latin-1 pickle literal.
@discardableResult
func expectFailure(
    _ text: String, _ kind: PickleError.Kind, at offset: Int, _ opcode: Opcode?,
    mentions: [String] = [], limits: UnpicklerLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) -> PickleError? {
    expectFailure(pickle(text), kind, at: offset, opcode, mentions: mentions, limits: limits, sourceLocation: sourceLocation)
}

/// Checks an error's kind, offset, opcode and description.
func check(
    _ error: PickleError, _ kind: PickleError.Kind, at offset: Int, _ opcode: Opcode?,
    mentions: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
) {
    // Every payload of a Kind is a number, flag or string: their reflection compares them.
    #expect(String(reflecting: error.kind) == String(reflecting: kind), sourceLocation: sourceLocation)
    #expect(error.offset == offset, sourceLocation: sourceLocation)
    #expect(error.opcode == opcode, sourceLocation: sourceLocation)
    let text = error.description
    if let opcode {
        #expect(text.contains("\(opcode.name) at offset \(offset)"), "\(text)", sourceLocation: sourceLocation)
    } else if case .emptyInput = kind {
        #expect(text.contains("empty"), sourceLocation: sourceLocation)
    } else {
        #expect(text.contains("offset \(offset)"), "\(text)", sourceLocation: sourceLocation)
    }
    for fact in mentions {
        #expect(text.contains(fact), "“\(text)” should mention “\(fact)”", sourceLocation: sourceLocation)
    }
}

/// A stream that hands out its bytes in small pieces of random size (1 to 7 bytes by
/// default, from a fixed seed), as a slow pipe or decompressor might.
final class ChunkedStream: PickleByteStream {
    /// What `remainingUpperBound` reports.
    enum Bound {
        case unknown
        case exact
        /// The true remaining count plus this much: a loose but honest bound.
        case loose(by: Int)
    }

    private let bytes: [UInt8]
    private let bound: Bound
    private let chunkSizes: ClosedRange<Int>
    private var generator: SeededGenerator
    /// How many bytes have been handed out so far.
    private(set) var delivered = 0
    /// Throws `StreamFailure` once this many bytes have been delivered, when set.
    var failAfter: Int?

    init(_ bytes: [UInt8], bound: Bound = .unknown, chunkSizes: ClosedRange<Int> = 1...7, seed: UInt64 = 1) {
        self.bytes = bytes
        self.bound = bound
        self.chunkSizes = chunkSizes
        self.generator = SeededGenerator(seed: seed)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failAfter, delivered >= failAfter { throw StreamFailure() }
        let size = min(buffer.count, bytes.count - delivered, Int.random(in: chunkSizes, using: &generator))
        guard size > 0 else { return 0 }
        bytes[delivered..<(delivered + size)].withUnsafeBytes { buffer.copyMemory(from: $0) }
        delivered += size
        return size
    }

    var remainingUpperBound: Int? {
        switch bound {
        case .unknown: nil
        case .exact: bytes.count - delivered
        case let .loose(extra): bytes.count - delivered + extra
        }
    }
}

/// The error `ChunkedStream` throws when told to fail.
struct StreamFailure: Error {}

/// SplitMix64: a small deterministic generator, so stream tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Accessors that make expectations about values short.
extension PickleValue {
    var listItems: [PickleValue]? {
        if case let .list(list) = self { return list.items }
        return nil
    }

    var pickleList: PickleList? {
        if case let .list(list) = self { return list }
        return nil
    }

    var pickleDict: PickleDict? {
        if case let .dict(dict) = self { return dict }
        return nil
    }

    var pickleObject: PickleObject? {
        if case let .object(object) = self { return object }
        return nil
    }

    var ndarray: NDArray? {
        if case let .ndarray(array) = self { return array }
        return nil
    }

    /// The bytes of a bytes, bytearray or Python 2 str value.
    var byteArray: [UInt8]? {
        switch self {
        case let .bytes(bytes), let .bytearray(bytes), let .py2String(bytes): bytes.array
        default: nil
        }
    }

    /// Items of a set or frozenset, in order.
    var setItems: [PickleValue]? {
        switch self {
        case let .set(set), let .frozenset(set): set.items
        default: nil
        }
    }

    /// Entries of a dict, in order.
    var dictEntries: [(key: PickleValue, value: PickleValue)]? {
        pickleDict.map { $0.entries.map { (key: $0.0, value: $0.1) } }
    }
}

/// `.string` from a Swift string, `.int` from a Swift integer: shorter expectations.
extension PickleValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
}

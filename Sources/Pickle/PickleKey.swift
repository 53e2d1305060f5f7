/// A dict key or set member compared the way Python compares them: `1`, `1.0`, `True` and
/// `1+0j` are one key; a Python 2 str equals the unicode string it reads as in Latin-1 (as
/// after `pickle.load(..., encoding='latin1')`); objects Python hashes by identity (opaque
/// objects, dtypes) are compared by identity. Strings are compared code point by code
/// point, as Python does, not by Swift's canonical equivalence ("é" and "e\u{301}" are two
/// keys).
struct PickleKey: Hashable {
    private enum Storage: Hashable {
        case none
        case integer(BigInteger)
        case float(UInt64)          // bit pattern of a non-integral, non-NaN double
        case complex(UInt64, UInt64)
        case unique(ObjectIdentifier)
        case nan(NaNToken)          // each NaN is its own key, as in Python
        case string([UInt8])        // UTF-8
        case bytes(ByteSlice)
        case tuple([PickleKey])
        case frozenset(Set<PickleKey>)
        case global([UInt8], [UInt8])
    }

    private let storage: Storage
    /// Deeply nested tuple keys fall back to identity past this depth, so hashing them
    /// never recurses without bound.
    private static let maximumDepth = 64

    init(_ value: PickleValue) throws(UnhashableKeyError) {
        storage = try Self.storage(for: value, depth: 0)
    }

    private init(storage: Storage) { self.storage = storage }

    private static func storage(for value: PickleValue, depth: Int) throws(UnhashableKeyError) -> Storage {
        switch value {
        case .none: return .none
        case let .bool(flag): return .integer(BigInteger(flag ? 1 : 0))
        case let .int(number): return .integer(BigInteger(number))
        case let .bigInt(number): return .integer(number)
        case let .float(number): return floatStorage(number)
        case let .complex(real, imaginary):
            return imaginary == 0 ? floatStorage(real) : .complex(real.bitPattern, imaginary.bitPattern)
        case let .string(text): return .string(Array(text.utf8))
        case let .py2String(bytes): return .string(Array(bytes.latin1String.utf8))
        case let .bytes(bytes): return .bytes(bytes)
        case let .global(module, name): return .global(Array(module.utf8), Array(name.utf8))
        case let .object(object): return .unique(ObjectIdentifier(object))
        case let .dtype(dtype): return .unique(ObjectIdentifier(dtype))
        case let .tuple(tuple):
            if depth >= maximumDepth { return .unique(ObjectIdentifier(tuple)) }
            var keys: [PickleKey] = []
            for item in tuple.items { keys.append(PickleKey(storage: try storage(for: item, depth: depth + 1))) }
            return .tuple(keys)
        case let .frozenset(set):
            if depth >= maximumDepth { return .unique(ObjectIdentifier(set)) }
            var keys: Set<PickleKey> = []
            for item in set.items { keys.insert(PickleKey(storage: try storage(for: item, depth: depth + 1))) }
            return .frozenset(keys)
        case let .ndarray(array):
            guard array.isScalar, let storage = scalarStorage(array) else { throw UnhashableKeyError(typeName: value.typeName) }
            return storage
        case .list, .dict, .set, .bytearray:
            throw UnhashableKeyError(typeName: value.typeName)
        }
    }

    /// A NumPy scalar is keyed by its value, as `np.float32(1.5)` and `1.5` are one key.
    private static func scalarStorage(_ array: NDArray) -> Storage? {
        guard let bytes = array.bytes, bytes.count == array.dtype.itemSize else { return nil }
        return bytes.withUnsafeBytes { raw -> Storage? in
            switch (array.dtype.kind, array.dtype.itemSize) {
            case (.bool, _): .integer(BigInteger(raw[0] == 0 ? 0 : 1))
            case (.signedInteger, 1): .integer(BigInteger(Int64(raw.loadUnaligned(as: Int8.self))))
            case (.signedInteger, 2): .integer(BigInteger(Int64(raw.loadUnaligned(as: Int16.self))))
            case (.signedInteger, 4): .integer(BigInteger(Int64(raw.loadUnaligned(as: Int32.self))))
            case (.signedInteger, 8): .integer(BigInteger(raw.loadUnaligned(as: Int64.self)))
            case (.unsignedInteger, 1): .integer(BigInteger(Int64(raw[0])))
            case (.unsignedInteger, 2): .integer(BigInteger(Int64(raw.loadUnaligned(as: UInt16.self))))
            case (.unsignedInteger, 4): .integer(BigInteger(Int64(raw.loadUnaligned(as: UInt32.self))))
            case (.unsignedInteger, 8):
                .integer(BigInteger(isNegative: false, limbs: [UInt32(truncatingIfNeeded: raw.loadUnaligned(as: UInt64.self)),
                                                              UInt32(truncatingIfNeeded: raw.loadUnaligned(as: UInt64.self) >> 32)]))
            case (.float, 2): floatStorage(Double(Float16(bitPattern: raw.loadUnaligned(as: UInt16.self))))
            case (.float, 4): floatStorage(Double(raw.loadUnaligned(as: Float.self)))
            case (.float, 8): floatStorage(raw.loadUnaligned(as: Double.self))
            default: nil
            }
        }
    }

    private static func floatStorage(_ number: Double) -> Storage {
        if number.isNaN { return .nan(NaNToken()) }
        if number == number.rounded(), abs(number) < 0x1p63 {
            return .integer(BigInteger(Int64(number)))
        }
        if number == number.rounded(), number.isFinite {
            // Integral beyond 64 bits: compare with big integers by exact value.
            return .integer(BigInteger(exactIntegral: number))
        }
        return .float(number.bitPattern)
    }
}

/// A fresh identity for each NaN key, so that no two NaN keys compare equal.
private final class NaNToken: Hashable {
    static func == (lhs: NaNToken, rhs: NaNToken) -> Bool { lhs === rhs }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

extension BigInteger {
    /// The exact value of an integral, finite double.
    init(exactIntegral number: Double) {
        let magnitude = number.magnitude
        let exponent = Int(magnitude.exponent)
        let significand = magnitude.significandBitPattern | (1 << 52)
        // value = significand × 2^(exponent − 52), with exponent ≥ 63 here.
        let shift = exponent - 52
        var limbs = [UInt32](repeating: 0, count: shift / 32 + 3)
        let limbShift = shift / 32
        let bitShift = UInt64(shift % 32)
        let low = significand << bitShift
        let high = bitShift == 0 ? 0 : significand >> (64 - bitShift)
        limbs[limbShift] = UInt32(truncatingIfNeeded: low)
        limbs[limbShift + 1] = UInt32(truncatingIfNeeded: low >> 32)
        limbs[limbShift + 2] = UInt32(truncatingIfNeeded: high)
        self.init(isNegative: number < 0, limbs: limbs)
    }
}

/// Thrown for values Python refuses as dict keys or set members (lists, dicts, sets,
/// bytearrays, arrays).
public struct UnhashableKeyError: Error {
    public let typeName: String
}

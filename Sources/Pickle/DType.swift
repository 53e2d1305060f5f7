/// A NumPy element type that this reader supports: booleans, integers, floats and objects.
public struct DType: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Character, Sendable {
        case bool = "b", signedInteger = "i", unsignedInteger = "u", float = "f", object = "O"
    }

    public enum ByteOrder: Character, Sendable {
        case little = "<", big = ">", notApplicable = "|"
    }

    public let kind: Kind
    /// Bytes per element (8 for objects, a pointer's size in NumPy).
    public let itemSize: Int
    public let byteOrder: ByteOrder

    public init(kind: Kind, itemSize: Int, byteOrder: ByteOrder) {
        // NumPy makes single-byte and object types with "|", whatever was asked.
        self.init(kind: kind, itemSize: itemSize, exactByteOrder: (itemSize == 1 || kind == .object) ? .notApplicable : byteOrder)
    }

    /// A type with exactly this byte order. Only a pickled dtype state gives the unusual
    /// ones ("<u1", ">O", "|f4"), which NumPy keeps as given.
    init(kind: Kind, itemSize: Int, exactByteOrder: ByteOrder) {
        self.kind = kind
        self.itemSize = itemSize
        self.byteOrder = exactByteOrder
    }

    public static let float32 = DType(kind: .float, itemSize: 4, byteOrder: .little)
    public static let float64 = DType(kind: .float, itemSize: 8, byteOrder: .little)
    public static let int64 = DType(kind: .signedInteger, itemSize: 8, byteOrder: .little)
    public static let uint8 = DType(kind: .unsignedInteger, itemSize: 1, byteOrder: .notApplicable)

    /// NumPy's `dtype.str`, such as "<f4", "|u1", ">i4" or "|O".
    public var description: String {
        kind == .object ? "\(byteOrder.rawValue)O" : "\(byteOrder.rawValue)\(kind.rawValue)\(itemSize)"
    }

    /// Whether multi-byte elements must be byte-swapped to read them on this machine.
    public var needsByteSwap: Bool { byteOrder == .big }

    /// Parses a NumPy type name as `dtype.__reduce__` writes it ("f4", "<i8", "b1", "O8") or
    /// as a one-letter type code ("b", "f", "d", "?"), with an optional byte-order prefix
    /// ("<", ">", "|", "=" meaning this machine's). Throws a reason for anything else
    /// (strings, complex, dates, structured "V" types).
    public init(typeName: String) throws(DTypeError) {
        var rest = Substring(typeName)
        var order = ByteOrder.little
        if let first = rest.first, "<>|=".contains(first) {
            order = first == ">" ? .big : .little
            rest = rest.dropFirst()
        }
        guard let kindCharacter = rest.first else { throw DTypeError(typeName: typeName, reason: "it is empty") }
        if rest.count == 1, let (kind, itemSize) = Self.typeCodes[kindCharacter] {
            self.init(kind: kind, itemSize: itemSize, byteOrder: order)
            return
        }
        let size = Int(rest.dropFirst())
        switch (kindCharacter, size) {
        case ("b", 1): self.init(kind: .bool, itemSize: 1, byteOrder: order)
        case ("i", .some(let bytes)) where [1, 2, 4, 8].contains(bytes):
            self.init(kind: .signedInteger, itemSize: bytes, byteOrder: order)
        case ("u", .some(let bytes)) where [1, 2, 4, 8].contains(bytes):
            self.init(kind: .unsignedInteger, itemSize: bytes, byteOrder: order)
        case ("f", .some(let bytes)) where [2, 4, 8].contains(bytes):
            self.init(kind: .float, itemSize: bytes, byteOrder: order)
        case ("O", .some(let bytes)) where [4, 8].contains(bytes):
            self.init(kind: .object, itemSize: 8, byteOrder: .notApplicable)
        case ("V", _):
            throw DTypeError(typeName: typeName, reason: "structured (record) dtypes are not supported")
        default:
            throw DTypeError(typeName: typeName, reason: "only bool, int8–int64, uint8–uint64, float16/32/64 and object arrays are supported")
        }
    }

    /// NumPy's one-character codes of the supported types, on a 64-bit machine.
    private static let typeCodes: [Character: (Kind, Int)] = [
        "?": (.bool, 1), "b": (.signedInteger, 1), "B": (.unsignedInteger, 1),
        "h": (.signedInteger, 2), "H": (.unsignedInteger, 2), "i": (.signedInteger, 4), "I": (.unsignedInteger, 4),
        "l": (.signedInteger, 8), "L": (.unsignedInteger, 8), "q": (.signedInteger, 8), "Q": (.unsignedInteger, 8),
        "p": (.signedInteger, 8), "P": (.unsignedInteger, 8), "n": (.signedInteger, 8), "N": (.unsignedInteger, 8),
        "e": (.float, 2), "f": (.float, 4), "d": (.float, 8), "O": (.object, 8),
        // NumPy also reads a character below U+0020 as a type number (chr(12) is float64).
        "\u{0}": (.bool, 1), "\u{1}": (.signedInteger, 1), "\u{2}": (.unsignedInteger, 1),
        "\u{3}": (.signedInteger, 2), "\u{4}": (.unsignedInteger, 2), "\u{5}": (.signedInteger, 4),
        "\u{6}": (.unsignedInteger, 4), "\u{7}": (.signedInteger, 8), "\u{8}": (.unsignedInteger, 8),
        "\u{9}": (.signedInteger, 8), "\u{A}": (.unsignedInteger, 8), "\u{B}": (.float, 4), "\u{C}": (.float, 8),
        "\u{11}": (.object, 8), "\u{17}": (.float, 2),
    ]

    /// The type with the byte order of a pickled dtype state, as `dtype.__setstate__` sets
    /// it: ">" is big-endian and "|" not applicable, for any type; every other character
    /// ("<", "=", or anything else) means this machine's order, little-endian.
    func withPickledByteOrder(_ character: Character) -> DType {
        switch character {
        case ">": DType(kind: kind, itemSize: itemSize, exactByteOrder: .big)
        case "|": DType(kind: kind, itemSize: itemSize, exactByteOrder: .notApplicable)
        default: DType(kind: kind, itemSize: itemSize, exactByteOrder: .little)
        }
    }
}

/// Why a dtype name was refused.
public struct DTypeError: Error, CustomStringConvertible {
    public let typeName: String
    public let reason: String
    public var description: String { "dtype '\(typeName)': \(reason)" }
}

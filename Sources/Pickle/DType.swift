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
        self.kind = kind
        self.itemSize = itemSize
        // NumPy reports single-byte and object types with "|", whatever was asked.
        self.byteOrder = (itemSize == 1 || kind == .object) ? .notApplicable : byteOrder
    }

    public static let float32 = DType(kind: .float, itemSize: 4, byteOrder: .little)
    public static let float64 = DType(kind: .float, itemSize: 8, byteOrder: .little)
    public static let int64 = DType(kind: .signedInteger, itemSize: 8, byteOrder: .little)
    public static let uint8 = DType(kind: .unsignedInteger, itemSize: 1, byteOrder: .notApplicable)

    /// NumPy's `dtype.str`, such as "<f4", "|u1", ">i4" or "|O".
    public var description: String {
        kind == .object ? "|O" : "\(byteOrder.rawValue)\(kind.rawValue)\(itemSize)"
    }

    /// Whether multi-byte elements must be byte-swapped to read them on this machine.
    public var needsByteSwap: Bool { byteOrder == .big }

    /// Parses a NumPy type name as `dtype.__reduce__` writes it ("f4", "<i8", "b1", "O8"),
    /// with an optional byte-order prefix ("<", ">", "|", "=" meaning this machine's).
    /// Throws a reason for anything else (strings, complex, dates, structured "V" types).
    public init(typeName: String) throws(DTypeError) {
        var rest = Substring(typeName)
        var order = ByteOrder.little
        if let first = rest.first, "<>|=".contains(first) {
            order = first == ">" ? .big : .little
            rest = rest.dropFirst()
        }
        guard let kindCharacter = rest.first else { throw DTypeError(typeName: typeName, reason: "it is empty") }
        let size = Int(rest.dropFirst())
        switch (kindCharacter, size) {
        case ("b", 1): self.init(kind: .bool, itemSize: 1, byteOrder: order)
        case ("i", .some(let bytes)) where [1, 2, 4, 8].contains(bytes):
            self.init(kind: .signedInteger, itemSize: bytes, byteOrder: order)
        case ("u", .some(let bytes)) where [1, 2, 4, 8].contains(bytes):
            self.init(kind: .unsignedInteger, itemSize: bytes, byteOrder: order)
        case ("f", .some(let bytes)) where [2, 4, 8].contains(bytes):
            self.init(kind: .float, itemSize: bytes, byteOrder: order)
        case ("O", _): self.init(kind: .object, itemSize: 8, byteOrder: .notApplicable)
        case ("V", _):
            throw DTypeError(typeName: typeName, reason: "structured (record) dtypes are not supported")
        default:
            throw DTypeError(typeName: typeName, reason: "only bool, int8–int64, uint8–uint64, float16/32/64 and object arrays are supported")
        }
    }

    /// Sets the byte order from a pickled dtype state ("<", ">", "|", "=").
    func withByteOrder(_ character: Character) -> DType? {
        switch character {
        case "<", "=": DType(kind: kind, itemSize: itemSize, byteOrder: .little)
        case ">": DType(kind: kind, itemSize: itemSize, byteOrder: .big)
        case "|": DType(kind: kind, itemSize: itemSize, byteOrder: itemSize == 1 ? .notApplicable : .little)
        default: nil
        }
    }
}

/// Why a dtype name was refused.
public struct DTypeError: Error, CustomStringConvertible {
    public let typeName: String
    public let reason: String
    public var description: String { "dtype '\(typeName)': \(reason)" }
}

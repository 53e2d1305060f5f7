/// A value read from a pickle, as Python would hold it, without running any Python.
///
/// Containers are reference types (`PickleList`, `PickleDict`, …) so that a container stored
/// in the memo and filled later, or referenced twice, stays one object, and cycles are
/// represented faithfully. Anything the reader does not reconstruct is an opaque
/// `PickleObject` that records its callable, arguments and state.
public enum PickleValue {
    case none
    case bool(Bool)
    /// An integer that fits 64 bits.
    case int(Int64)
    /// An integer that does not fit 64 bits (never holds one that does).
    case bigInt(BigInteger)
    case float(Double)
    case complex(real: Double, imaginary: Double)
    /// A unicode string (Python 3 `str`, Python 2 `unicode`).
    case string(String)
    /// A Python 2 `str`: raw bytes. `ByteSlice.latin1String` and `.utf8String` give the two
    /// usual readings; Python 3 with `encoding='latin1'` makes the first.
    case py2String(ByteSlice)
    case bytes(ByteSlice)
    case bytearray(ByteSlice)
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    case set(PickleSet)
    case frozenset(PickleSet)
    /// A reference to a module-level name (a class or function). Never imported.
    case global(module: String, name: String)
    case object(PickleObject)
    case ndarray(NDArray)
    case dtype(NumpyDType)
}

extension PickleValue {
    /// Builds an integer value, small when it fits 64 bits.
    init(_ integer: BigInteger) {
        if let small = integer.int64 { self = .int(small) } else { self = .bigInt(integer) }
    }

    /// The Python type name, for messages ("REDUCE arguments must be a tuple, not list").
    public var typeName: String {
        switch self {
        case .none: "NoneType"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .complex: "complex"
        case .string: "str"
        case .py2String: "str (Python 2)"
        case .bytes: "bytes"
        case .bytearray: "bytearray"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .set: "set"
        case .frozenset: "frozenset"
        case let .global(module, name): "global \(module).\(name)"
        case let .object(object): object.typeDescription
        case .ndarray: "numpy.ndarray"
        case .dtype: "numpy.dtype"
        }
    }

    /// The text of a unicode string or a Python 2 str (read as Latin-1, as Python 3 does).
    public var text: String? {
        switch self {
        case let .string(string): string
        case let .py2String(bytes): bytes.latin1String
        default: nil
        }
    }

    /// The value as an integer when it is a bool or an int that fits 64 bits.
    public var int64: Int64? {
        switch self {
        case let .int(value): value
        case let .bool(flag): flag ? 1 : 0
        default: nil
        }
    }

    /// The items of a tuple.
    public var tupleItems: [PickleValue]? {
        if case let .tuple(tuple) = self { return tuple.items }
        return nil
    }

    /// Python's `bool(value)`, or nil where it depends on code this reader does not run
    /// (an opaque object's `__bool__`) or raises (an array of several elements).
    public var truthValue: Bool? {
        switch self {
        case .none: false
        case let .bool(flag): flag
        case let .int(number): number != 0
        case .bigInt: true
        case let .float(number): number != 0
        case let .complex(real, imaginary): real != 0 || imaginary != 0
        case let .string(text): !text.isEmpty
        case let .py2String(bytes), let .bytes(bytes), let .bytearray(bytes): bytes.count > 0
        case let .tuple(tuple): !tuple.items.isEmpty
        case let .list(list): !list.items.isEmpty
        case let .dict(dict): dict.count > 0
        case let .set(set), let .frozenset(set): !set.items.isEmpty
        case .global, .dtype: true
        case .object, .ndarray: nil
        }
    }
}

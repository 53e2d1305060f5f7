/// The callables this reader knows how to apply without running Python: NumPy's array,
/// dtype and scalar reconstructors, `_codecs.encode`, `copyreg._reconstructor` and a few
/// builtins. Every other callable gives an opaque `PickleObject` that only records the call.
enum Reconstructor {
    /// Why a known callable's arguments were refused; `isArrayProblem` selects the error kind.
    struct Failure: Error {
        let reason: String
        var isArrayProblem = false
    }

    /// What `callable(*arguments)` (REDUCE, OBJ, INST) or `cls.__new__(cls, *arguments)`
    /// (NEWOBJ, NEWOBJ_EX) makes.
    static func apply(_ callable: PickleValue, arguments: [PickleValue], keywordArguments: PickleValue? = nil,
                      creator: Opcode) throws(Failure) -> PickleValue {
        let opaque = PickleValue.object(PickleObject(
            creator: creator, callable: callable,
            arguments: .tuple(PickleTuple(arguments)), keywordArguments: keywordArguments))
        guard case let .global(module, name) = callable else { return opaque }
        let isNew = creator == .newObj || creator == .newObjEx
        switch (canonicalModule(module), name) {
        case ("numpy.core.multiarray", "_reconstruct"), ("numpy.core._internal", "_reconstruct"):
            return try reconstructArray(arguments) ?? opaque
        case ("numpy", "dtype"):
            return try makeDType(arguments)
        case ("numpy.core.multiarray", "scalar"):
            return try makeScalar(arguments)
        case ("numpy.core.numeric", "_frombuffer"):
            return try arrayFromBuffer(arguments)
        case ("_codecs", "encode"):
            return .bytes(try encode(arguments))
        case ("copyreg", "_reconstructor"):
            guard arguments.count == 3 else { throw Failure(reason: "copyreg._reconstructor takes 3 arguments, got \(arguments.count)") }
            return .object(PickleObject(creator: creator, callable: arguments[0], arguments: .tuple(PickleTuple([]))))
        case ("builtins", "set"):
            return .set(try makeSet(isNew ? [] : arguments, typeName: "set"))
        case ("builtins", "frozenset"):
            return .frozenset(try makeSet(arguments, typeName: "frozenset"))
        case ("builtins", "bytearray"):
            return .bytearray(isNew ? ByteSlice(copying: []) : try bytesArgument(arguments, typeName: "bytearray"))
        case ("builtins", "bytes"):
            return .bytes(try bytesArgument(arguments, typeName: "bytes"))
        case ("builtins", "complex"):
            return try makeComplex(arguments)
        case ("collections", "OrderedDict"):
            return .dict(try makeOrderedDict(isNew ? [] : arguments))
        default:
            return opaque
        }
    }

    /// Python 2 spellings and NumPy 2's private module names map to one name.
    static func canonicalModule(_ module: String) -> String {
        switch module {
        case "__builtin__": return "builtins"
        case "copy_reg": return "copyreg"
        default:
            if module.hasPrefix("numpy._core") { return "numpy.core" + module.dropFirst("numpy._core".count) }
            return module
        }
    }

    private static func isGlobal(_ value: PickleValue, _ module: String, _ name: String) -> Bool {
        if case let .global(valueModule, valueName) = value {
            return canonicalModule(valueModule) == module && valueName == name
        }
        return false
    }

    /// `_reconstruct(numpy.ndarray, (0,), b'b')`: the empty array BUILD fills in. Subclasses
    /// of ndarray (matrix, masked arrays) stay opaque: their extra state is not understood.
    private static func reconstructArray(_ arguments: [PickleValue]) throws(Failure) -> PickleValue? {
        guard arguments.count == 3 else {
            throw Failure(reason: "_reconstruct takes 3 arguments (subtype, shape, typecode), got \(arguments.count)")
        }
        guard isGlobal(arguments[0], "numpy", "ndarray") || isGlobal(arguments[0], "numpy.core.multiarray", "ndarray") else {
            return nil
        }
        return .ndarray(NDArray(placeholderOf: DType(kind: .signedInteger, itemSize: 1, byteOrder: .notApplicable)))
    }

    private static func makeDType(_ arguments: [PickleValue]) throws(Failure) -> PickleValue {
        guard let name = arguments.first?.text else {
            throw Failure(reason: "numpy.dtype needs a type name as its first argument", isArrayProblem: true)
        }
        do {
            return .dtype(try NumpyDType(typeName: name))
        } catch {
            throw Failure(reason: error.description, isArrayProblem: true)
        }
    }

    /// `scalar(dtype, data)`: a NumPy scalar, held as a 0-d array; for object dtypes the
    /// data is the object itself.
    private static func makeScalar(_ arguments: [PickleValue]) throws(Failure) -> PickleValue {
        guard arguments.count == 2, case let .dtype(dtype) = arguments[0] else {
            throw Failure(reason: "numpy scalar() takes a dtype and its data", isArrayProblem: true)
        }
        let elementType = try checked(dtype)
        if elementType.kind == .object { return arguments[1] }
        return .ndarray(try makeArray(dtype: elementType, shape: [], isFortranOrder: false, data: arguments[1]))
    }

    /// Protocol 5's `_frombuffer(buffer, dtype, shape, order)`.
    private static func arrayFromBuffer(_ arguments: [PickleValue]) throws(Failure) -> PickleValue {
        guard arguments.count == 4, case let .dtype(dtype) = arguments[1] else {
            throw Failure(reason: "_frombuffer takes (buffer, dtype, shape, order)", isArrayProblem: true)
        }
        let shape = try shapeArgument(arguments[2])
        guard let order = arguments[3].text, order == "C" || order == "F" else {
            throw Failure(reason: "_frombuffer order must be 'C' or 'F'", isArrayProblem: true)
        }
        return .ndarray(try makeArray(dtype: try checked(dtype), shape: shape, isFortranOrder: order == "F", data: arguments[0]))
    }

    /// The dtype's element type, refusing a void (structured) type.
    static func checked(_ dtype: NumpyDType) throws(Failure) -> DType {
        do {
            return try dtype.checkedDType()
        } catch {
            throw Failure(reason: error.description, isArrayProblem: true)
        }
    }

    static func shapeArgument(_ value: PickleValue) throws(Failure) -> [Int] {
        let items: [PickleValue]
        switch value {
        case let .tuple(tuple): items = tuple.items
        case let .list(list): items = list.items
        default: throw Failure(reason: "an array shape must be a tuple of integers, not \(value.typeName)", isArrayProblem: true)
        }
        var shape: [Int] = []
        for item in items {
            guard let dimension = item.int64, dimension >= 0, dimension <= Int64(Int.max) else {
                throw Failure(reason: "an array shape must hold non-negative integers, found \(item.typeName)", isArrayProblem: true)
            }
            shape.append(Int(dimension))
        }
        return shape
    }

    /// An array from its description and the data as pickled: a Python 2 str, bytes,
    /// bytearray, a Latin-1 unicode string (Python 3 reading Python 2 data), or a list for
    /// object arrays.
    static func makeArray(dtype: DType, shape: [Int], isFortranOrder: Bool, data: PickleValue) throws(Failure) -> NDArray {
        let storage: NDArray.Storage
        switch data {
        case let .py2String(bytes), let .bytes(bytes), let .bytearray(bytes): storage = .bytes(bytes)
        case let .string(text): storage = .bytes(try latin1Bytes(text))
        case let .list(list): storage = .objects(list.items)
        default: throw Failure(reason: "array data must be bytes or a list, not \(data.typeName)", isArrayProblem: true)
        }
        do {
            return try NDArray(dtype: dtype, shape: shape, isFortranOrder: isFortranOrder, data: storage)
        } catch {
            throw Failure(reason: error.description, isArrayProblem: true)
        }
    }

    /// `_codecs.encode(text, encoding)`: how Python 3 pickles bytes at protocols 0–2.
    private static func encode(_ arguments: [PickleValue]) throws(Failure) -> ByteSlice {
        guard let text = arguments.first?.text else {
            throw Failure(reason: "_codecs.encode needs a string to encode")
        }
        let encoding = arguments.count > 1 ? (arguments[1].text ?? "") : "utf-8"
        switch encoding.lowercased() {
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1":
            return try latin1Bytes(text)
        case "utf-8", "utf8":
            return ByteSlice(copying: Array(text.utf8))
        default:
            throw Failure(reason: "_codecs.encode with encoding '\(encoding)' is not supported (only latin1 and utf-8)")
        }
    }

    private static func latin1Bytes(_ text: String) throws(Failure) -> ByteSlice {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard scalar.value < 256 else {
                throw Failure(reason: "character U+\(String(scalar.value, radix: 16, uppercase: true)) cannot be encoded as Latin-1")
            }
            bytes.append(UInt8(scalar.value))
        }
        return ByteSlice(copying: bytes)
    }

    /// `bytes()`, `bytes(b'..')`, `bytearray(b'..')` and `bytearray('text', 'latin-1')`.
    private static func bytesArgument(_ arguments: [PickleValue], typeName: String) throws(Failure) -> ByteSlice {
        switch arguments.count {
        case 0:
            return ByteSlice(copying: [])
        case 1:
            switch arguments[0] {
            case let .bytes(bytes), let .bytearray(bytes), let .py2String(bytes): return ByteSlice(copying: bytes.array)
            case let .list(list):
                var bytes: [UInt8] = []
                for item in list.items {
                    guard let value = item.int64, (0...255).contains(value) else {
                        throw Failure(reason: "\(typeName)() list items must be integers 0–255")
                    }
                    bytes.append(UInt8(value))
                }
                return ByteSlice(copying: bytes)
            default:
                throw Failure(reason: "\(typeName)() cannot be built from \(arguments[0].typeName)")
            }
        default:
            return try encode(arguments)
        }
    }

    private static func makeSet(_ arguments: [PickleValue], typeName: String) throws(Failure) -> PickleSet {
        let set = PickleSet()
        guard let source = arguments.first else { return set }
        let items: [PickleValue]
        switch source {
        case let .list(list): items = list.items
        case let .tuple(tuple): items = tuple.items
        case let .set(other), let .frozenset(other): items = other.items
        default: throw Failure(reason: "\(typeName)() cannot be built from \(source.typeName)")
        }
        for item in items {
            do { try set.insert(item) } catch { throw Failure(reason: "unhashable type: '\(error.typeName)' in a \(typeName)") }
        }
        return set
    }

    private static func makeComplex(_ arguments: [PickleValue]) throws(Failure) -> PickleValue {
        func number(_ value: PickleValue) -> Double? {
            switch value {
            case let .float(number): number
            case let .int(number): Double(number)
            case let .bool(flag): flag ? 1 : 0
            default: nil
            }
        }
        let parts = arguments.map(number)
        guard arguments.count <= 2, !parts.contains(where: { $0 == nil }) else {
            throw Failure(reason: "complex() takes up to two real numbers")
        }
        return .complex(real: parts.first.flatMap { $0 } ?? 0, imaginary: parts.dropFirst().first.flatMap { $0 } ?? 0)
    }

    private static func makeOrderedDict(_ arguments: [PickleValue]) throws(Failure) -> PickleDict {
        let dict = PickleDict()
        guard let source = arguments.first else { return dict }
        let pairs: [PickleValue]
        switch source {
        case let .list(list): pairs = list.items
        case let .tuple(tuple): pairs = tuple.items
        default: throw Failure(reason: "OrderedDict() cannot be built from \(source.typeName)")
        }
        for pair in pairs {
            let items: [PickleValue]
            switch pair {
            case let .list(list): items = list.items
            case let .tuple(tuple): items = tuple.items
            default: items = []
            }
            guard items.count == 2 else { throw Failure(reason: "OrderedDict() items must be key-value pairs") }
            do { try dict.set(items[0], items[1]) } catch { throw Failure(reason: "unhashable type: '\(error.typeName)' as a dict key") }
        }
        return dict
    }
}

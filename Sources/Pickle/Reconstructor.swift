/// The callables this reader knows how to apply without running Python: NumPy's array,
/// dtype and scalar reconstructors, `_codecs.encode`, `copyreg._reconstructor` and a few
/// builtins. Every other callable gives an opaque `PickleObject` that only records the call.
///
/// Arguments are checked as the real callables check them, so that a pickle CPython
/// refuses to load is refused here too (see fuzz/KNOWN_DIFFERENCES.md for the exceptions).
enum Reconstructor {
    /// Why a known callable's arguments were refused; `isArrayProblem` selects the error kind.
    struct Failure: Error {
        let reason: String
        var isArrayProblem = false
    }

    /// The known functions, which NEWOBJ cannot instantiate (it needs a class).
    private static let functions: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy.core._internal._reconstruct", "numpy.core.multiarray.scalar",
        "numpy.core.numeric._frombuffer", "_codecs.encode", "copyreg._reconstructor",
    ]

    /// The known classes other than `numpy.ndarray` and `object`.
    static let builtinTypes: Set<String> = [
        "builtins.set", "builtins.frozenset", "builtins.bytearray", "builtins.bytes", "builtins.complex",
        "collections.OrderedDict", "numpy.dtype",
    ]

    /// Whether `value` names a known function or class that is not `numpy.ndarray` (so
    /// certainly not a subclass of it).
    static func isKnownNonArrayGlobal(_ value: PickleValue, mapsPythonTwoNames: Bool) -> Bool {
        guard case let .global(module, name) = value else { return false }
        let qualified = "\(canonicalModule(module, mapsPythonTwoNames: mapsPythonTwoNames)).\(name)"
        return functions.contains(qualified) || builtinTypes.contains(qualified) || qualified == "builtins.object"
    }

    /// What `callable(*arguments)` (REDUCE, OBJ, INST) or `cls.__new__(cls, *arguments)`
    /// (NEWOBJ, NEWOBJ_EX) makes. `mapsPythonTwoNames`: whether Python 2 module names
    /// (`__builtin__`, `copy_reg`) mean their Python 3 modules, as CPython maps them below
    /// protocol 3.
    static func apply(_ callable: PickleValue, arguments: [PickleValue], keywordArguments: PickleValue? = nil,
                      creator: Opcode, mapsPythonTwoNames: Bool) throws(Failure) -> PickleValue {
        let opaque = PickleValue.object(PickleObject(
            creator: creator, callable: callable,
            arguments: .tuple(PickleTuple(arguments)), keywordArguments: keywordArguments))
        let isNew = creator == .newObj || creator == .newObjEx
        let module: String, name: String
        switch callable {
        case let .global(globalModule, globalName): (module, name) = (globalModule, globalName)
        case .object: return opaque   // made by a call this reader did not make: it may well be callable
        default:
            throw Failure(reason: isNew ? "\(creator.name) needs a class, not \(callable.typeName)" : "'\(callable.typeName)' object is not callable")
        }
        let canonical = canonicalModule(module, mapsPythonTwoNames: mapsPythonTwoNames)
        if isNew, functions.contains("\(canonical).\(name)") {
            throw Failure(reason: "\(creator.name) needs a class, but \(module).\(name) is a function")
        }
        switch (canonical, name) {
        case ("numpy.core.multiarray", "_reconstruct"), ("numpy.core._internal", "_reconstruct"):
            return try reconstructArray(arguments, mapsPythonTwoNames: mapsPythonTwoNames) ?? opaque
        case ("numpy", "ndarray"), ("numpy.core.multiarray", "ndarray"):
            throw Failure(reason: "calling numpy.ndarray directly makes an array of uninitialized memory, which this reader does not reproduce",
                          isArrayProblem: true)
        case ("numpy", "dtype"):
            return try makeDType(arguments)
        case ("numpy.core.multiarray", "scalar"):
            return try makeScalar(arguments)
        case ("numpy.core.numeric", "_frombuffer"):
            return try arrayFromBuffer(arguments)
        case ("_codecs", "encode"):
            return .bytes(try encode(arguments))
        case ("copyreg", "_reconstructor"):
            return try reconstructObject(arguments, creator: creator, mapsPythonTwoNames: mapsPythonTwoNames)
        case ("builtins", "object"):
            guard arguments.isEmpty else { throw Failure(reason: "object() takes no arguments, got \(arguments.count)") }
            return opaque
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

    /// The module a name resolves to: NumPy 2's private module names are NumPy 1's, and
    /// below protocol 3 the Python 2 spellings are Python 3's.
    static func canonicalModule(_ module: String, mapsPythonTwoNames: Bool) -> String {
        switch module {
        case "__builtin__" where mapsPythonTwoNames: return "builtins"
        case "copy_reg" where mapsPythonTwoNames: return "copyreg"
        default:
            if module.hasPrefix("numpy._core") { return "numpy.core" + module.dropFirst("numpy._core".count) }
            return module
        }
    }

    /// Whether `value` names NumPy's `module.name` (NumPy 1 or 2 spelling).
    static func isNumpyGlobal(_ value: PickleValue, _ module: String, _ name: String) -> Bool {
        if case let .global(valueModule, valueName) = value {
            return canonicalModule(valueModule, mapsPythonTwoNames: false) == module && valueName == name
        }
        return false
    }

    static func latin1Bytes(_ text: String) throws(Failure) -> ByteSlice {
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
}

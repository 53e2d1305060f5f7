/// NumPy's reconstructors: `_reconstruct`, `dtype`, `scalar` and `_frombuffer`, with the
/// argument checks NumPy makes.
extension Reconstructor {
    /// NumPy's limit on the number of dimensions (`NPY_MAXDIMS`).
    static let maximumDimensions = 64

    /// `_reconstruct(numpy.ndarray, (0,), b'b')`: the empty array BUILD fills in. Subclasses
    /// of ndarray (matrix, masked arrays) stay opaque (nil): their extra state is not
    /// understood. NumPy allocates the shape it is given, uninitialized; pickles always
    /// give an empty one, and anything else is refused.
    static func reconstructArray(_ arguments: [PickleValue], mapsPythonTwoNames: Bool) throws(Failure) -> PickleValue? {
        guard arguments.count == 3 else {
            throw Failure(reason: "_reconstruct takes 3 arguments (subtype, shape, typecode), got \(arguments.count)")
        }
        switch arguments[0] {
        case .global where isKnownNonArrayGlobal(arguments[0], mapsPythonTwoNames: mapsPythonTwoNames):
            throw Failure(reason: "_reconstruct's first argument must be a subtype of numpy.ndarray, not \(arguments[0].typeName)",
                          isArrayProblem: true)
        case .global:
            guard isNumpyGlobal(arguments[0], "numpy", "ndarray") || isNumpyGlobal(arguments[0], "numpy.core.multiarray", "ndarray") else {
                return nil
            }
        case .object:
            return nil
        default:
            throw Failure(reason: "_reconstruct's first argument must be a subtype of numpy.ndarray, not \(arguments[0].typeName)",
                          isArrayProblem: true)
        }
        let shape: [Int]
        if case .int = arguments[1] {
            shape = try shapeArgument(.tuple(PickleTuple([arguments[1]])))
        } else {
            shape = try shapeArgument(arguments[1])
        }
        let dtype = try typecode(arguments[2])
        guard shape.contains(0) else {
            throw Failure(reason: "_reconstruct with shape \(shape) makes an array of uninitialized memory (NumPy's pickles pass an empty shape)",
                          isArrayProblem: true)
        }
        return .ndarray(NDArray(placeholderOf: dtype, shape: shape))
    }

    /// `_reconstruct`'s third argument: a dtype, a type name or code ("b"), or None (float64).
    private static func typecode(_ value: PickleValue) throws(Failure) -> DType {
        let name: String
        switch value {
        case let .dtype(dtype): return try checked(dtype)
        case .none: return .float64
        case let .string(text): name = text
        case let .py2String(bytes), let .bytes(bytes): name = bytes.latin1String
        default: throw Failure(reason: "_reconstruct's typecode must be a dtype or a type name, not \(value.typeName)", isArrayProblem: true)
        }
        do {
            return try DType(typeName: name)
        } catch {
            throw Failure(reason: error.description, isArrayProblem: true)
        }
    }

    /// `numpy.dtype(name, align=False, copy=False, metadata={})`. Without `copy` the result
    /// is NumPy's shared descriptor, whose state BUILD cannot change; given a dtype, it is
    /// that dtype, or a copy of it.
    static func makeDType(_ arguments: [PickleValue]) throws(Failure) -> PickleValue {
        guard (1...4).contains(arguments.count) else {
            throw Failure(reason: "numpy.dtype takes 1 to 4 arguments, got \(arguments.count)", isArrayProblem: true)
        }
        if arguments.count == 4, case .dict = arguments[3] {} else if arguments.count == 4 {
            throw Failure(reason: "numpy.dtype's metadata must be a dict, not \(arguments[3].typeName)", isArrayProblem: true)
        }
        var copy = false
        if arguments.count >= 3 {
            guard let flag = arguments[2].truthValue else {
                throw Failure(reason: "numpy.dtype's copy flag is a \(arguments[2].typeName), whose truth this reader cannot tell", isArrayProblem: true)
            }
            copy = flag
        }
        let name: String
        switch arguments[0] {
        case let .string(text): name = text
        case let .py2String(bytes), let .bytes(bytes): name = bytes.latin1String
        case .none: name = "f8"   // numpy.dtype(None) is the default float type
        case let .dtype(given): return .dtype(copy ? NumpyDType(copying: given) : given)
        default: throw Failure(reason: "numpy.dtype needs a type name as its first argument, not \(arguments[0].typeName)", isArrayProblem: true)
        }
        do {
            return .dtype(try NumpyDType(typeName: name, copy: copy))
        } catch {
            throw Failure(reason: error.description, isArrayProblem: true)
        }
    }

    /// `scalar(dtype[, data])`: a NumPy scalar, held as a 0-d array in this machine's byte
    /// order; zero without data; at least the item's bytes (more are ignored, as NumPy
    /// does). For a dtype that pickles its data as a list (object), the data is the object.
    static func makeScalar(_ arguments: [PickleValue]) throws(Failure) -> PickleValue {
        guard (1...2).contains(arguments.count), case let .dtype(numpyDType) = arguments[0] else {
            throw Failure(reason: "numpy scalar() takes a dtype and its data", isArrayProblem: true)
        }
        let dtype = try checked(numpyDType)
        if numpyDType.picklesDataAsList {
            return arguments.count == 2 ? arguments[1] : .none
        }
        guard dtype.kind != .object else {
            throw Failure(reason: "an object scalar's data must be an object (its dtype's flags ask for bytes)", isArrayProblem: true)
        }
        var data = [UInt8](repeating: 0, count: dtype.itemSize)
        if arguments.count == 2 {
            let bytes: ByteSlice
            switch arguments[1] {
            case let .bytes(given), let .py2String(given): bytes = given
            case let .string(text): bytes = try latin1Bytes(text)
            default: throw Failure(reason: "a scalar's data must be bytes, not \(arguments[1].typeName)", isArrayProblem: true)
            }
            guard bytes.count >= dtype.itemSize else {
                throw Failure(reason: "a \(dtype) scalar needs \(dtype.itemSize) bytes of data but \(bytes.count) are given", isArrayProblem: true)
            }
            data = Array(bytes.array.prefix(dtype.itemSize))
        }
        if dtype.needsByteSwap { data.reverse() }
        let native = DType(kind: dtype.kind, itemSize: dtype.itemSize, byteOrder: .little)
        let scalar = try makeArray(dtype: native, shape: [], isFortranOrder: false, data: .bytes(ByteSlice(copying: data)))
        scalar.isScalar = true
        return .ndarray(scalar)
    }

    /// Protocol 5's `_frombuffer(buffer, dtype, shape, order[, axis_order])`:
    /// `frombuffer(buffer, dtype).reshape(shape, order=order)`. (The axis order only serves
    /// order "K", a permuted layout, which is not supported.)
    static func arrayFromBuffer(_ arguments: [PickleValue]) throws(Failure) -> PickleValue {
        guard arguments.count == 4 || arguments.count == 5, case let .dtype(dtype) = arguments[1] else {
            throw Failure(reason: "_frombuffer takes (buffer, dtype, shape, order)", isArrayProblem: true)
        }
        let buffer: ByteSlice
        switch arguments[0] {
        case let .bytes(bytes), let .bytearray(bytes): buffer = bytes
        default: throw Failure(reason: "_frombuffer's buffer must be bytes or a bytearray, not \(arguments[0].typeName)", isArrayProblem: true)
        }
        let shape = try shapeArgument(arguments[2])
        guard let order = arguments[3].text, ["C", "F", "A"].contains(order) else {
            throw Failure(reason: "_frombuffer order must be 'C', 'F' or 'A' (a permuted layout, 'K', is not supported)", isArrayProblem: true)
        }
        let elementType = try checked(dtype)
        guard elementType.kind != .object else {
            throw Failure(reason: "an object array cannot be made from a memory buffer", isArrayProblem: true)
        }
        return .ndarray(try makeArray(dtype: elementType, shape: shape, isFortranOrder: order == "F", data: .bytes(buffer)))
    }

    /// The dtype's element type, refusing a void (structured) type.
    static func checked(_ dtype: NumpyDType) throws(Failure) -> DType {
        do {
            return try dtype.checkedDType()
        } catch {
            throw Failure(reason: error.description, isArrayProblem: true)
        }
    }

    /// A shape: a tuple or list of non-negative integers (not bools), at most 64 of them.
    static func shapeArgument(_ value: PickleValue) throws(Failure) -> [Int] {
        let items: [PickleValue]
        switch value {
        case let .tuple(tuple): items = tuple.items
        case let .list(list): items = list.items
        default: throw Failure(reason: "an array shape must be a tuple of integers, not \(value.typeName)", isArrayProblem: true)
        }
        guard items.count <= maximumDimensions else {
            throw Failure(reason: "an array shape of \(items.count) dimensions is more than NumPy's \(maximumDimensions)", isArrayProblem: true)
        }
        var shape: [Int] = []
        for item in items {
            guard case let .int(dimension) = item, dimension >= 0 else {
                throw Failure(reason: "an array shape must hold non-negative integers, found \(item.typeName)", isArrayProblem: true)
            }
            shape.append(Int(dimension))
        }
        return shape
    }

    /// An array from its description and checked data.
    static func makeArray(dtype: DType, shape: [Int], isFortranOrder: Bool, data: NDArray.Storage) throws(Failure) -> NDArray {
        do {
            return try NDArray(dtype: dtype, shape: shape, isFortranOrder: isFortranOrder, data: data)
        } catch {
            throw Failure(reason: error.description, isArrayProblem: true)
        }
    }
}

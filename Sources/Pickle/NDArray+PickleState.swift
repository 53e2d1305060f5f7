extension NDArray {
    /// Applies NumPy's `ndarray.__setstate__` state, as BUILD does after `_reconstruct`:
    /// `(version, shape, dtype, is_fortran, data)`, or the older form without `version`,
    /// with NumPy's checks: the shape a tuple of integers, the flags integers, the data
    /// bytes (or, from Python 2, a str of Latin-1 characters) of exactly the array's size,
    /// or a list for a dtype that pickles its data as one (object arrays).
    /// Like NumPy, data stored big-endian is converted to this machine's (little-endian)
    /// order here, so the array reads back with the dtype a Python user would see.
    func setState(_ state: PickleValue) throws(Reconstructor.Failure) {
        // NumPy unpacks the state as a sequence: a list will do.
        let items: [PickleValue]
        switch state {
        case let .tuple(tuple): items = tuple.items
        case let .list(list): items = list.items
        default: throw Reconstructor.Failure(reason: "array state must be a tuple, not \(state.typeName)", isArrayProblem: true)
        }
        let fields = try Self.stateFields(items)
        guard fields.version == 0 || fields.version == 1 else {
            throw Reconstructor.Failure(reason: "version \(fields.version) of the array state is not 0 or 1", isArrayProblem: true)
        }
        let shape = try Reconstructor.shapeArgument(.tuple(fields.shape))
        let dtype = try Reconstructor.checked(fields.dtype)
        let data: Storage
        if fields.dtype.picklesDataAsList {
            guard case let .list(list) = fields.data else {
                throw Reconstructor.Failure(reason: "an object array's data must be a list, not \(fields.data.typeName)", isArrayProblem: true)
            }
            data = .objects(list.items)
        } else {
            guard dtype.kind != .object else {
                throw Reconstructor.Failure(reason: "an object array's data must be a list (its dtype's flags ask for bytes)", isArrayProblem: true)
            }
            data = .bytes(try Self.byteData(fields.data))
        }
        do {
            try setContents(dtype: dtype, shape: shape, isFortranOrder: fields.isFortranOrder, data: data)
            if dtype.needsByteSwap, case let .bytes(bytes) = data {
                let native = DType(kind: dtype.kind, itemSize: dtype.itemSize, byteOrder: .little)
                try setContents(dtype: native, shape: shape, isFortranOrder: fields.isFortranOrder,
                                data: .bytes(Self.byteSwapped(bytes, itemSize: dtype.itemSize)))
            }
        } catch {
            throw Reconstructor.Failure(reason: error.description, isArrayProblem: true)
        }
    }

    private struct StateFields {
        var version: Int64
        var shape: PickleTuple
        var dtype: NumpyDType
        var isFortranOrder: Bool
        var data: PickleValue
    }

    /// The state's items as NumPy unpacks them: `(int, tuple, dtype, int, data)`, or else
    /// `(tuple, dtype, int, data)` with version 0.
    private static func stateFields(_ items: [PickleValue]) throws(Reconstructor.Failure) -> StateFields {
        func fields(_ items: ArraySlice<PickleValue>, version: Int64) -> StateFields? {
            guard items.count == 4, case let .tuple(shape) = items[items.startIndex],
                  case let .dtype(dtype) = items[items.startIndex + 1],
                  let order = int32(items[items.startIndex + 2]) else { return nil }
            return StateFields(version: version, shape: shape, dtype: dtype, isFortranOrder: order != 0, data: items[items.startIndex + 3])
        }
        if items.count == 5, let version = int32(items[0]), let parsed = fields(items.dropFirst(), version: version) {
            return parsed
        }
        if let parsed = fields(items[...], version: 0) { return parsed }
        let kinds = items.map(\.typeName).joined(separator: ", ")
        throw Reconstructor.Failure(
            reason: "array state (\(kinds)) is not (version, shape tuple, dtype, order flag, data) or (shape tuple, dtype, order flag, data)",
            isArrayProblem: true)
    }

    /// An integer that fits 32 bits (a bool counts), as NumPy's argument parser takes it.
    private static func int32(_ value: PickleValue) -> Int64? {
        guard let number = value.int64, number >= Int64(Int32.min), number <= Int64(Int32.max) else { return nil }
        return number
    }

    /// Numeric data as NumPy accepts it: bytes, or a str of Latin-1 characters (how Python 3
    /// reads a Python 2 str with `encoding='latin1'`). Not a bytearray.
    private static func byteData(_ value: PickleValue) throws(Reconstructor.Failure) -> ByteSlice {
        switch value {
        case let .bytes(bytes), let .py2String(bytes): return bytes
        case let .string(text): return try Reconstructor.latin1Bytes(text)
        default: throw Reconstructor.Failure(reason: "array data must be bytes, not \(value.typeName)", isArrayProblem: true)
        }
    }

    /// A copy of `bytes` with each `itemSize`-byte element reversed.
    private static func byteSwapped(_ bytes: ByteSlice, itemSize: Int) -> ByteSlice {
        let storage = ByteStorage(capacity: bytes.count)
        bytes.withUnsafeBytes { source in
            let target = UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: bytes.count)
            for start in stride(from: 0, to: bytes.count, by: itemSize) {
                for offset in 0..<itemSize {
                    target[start + offset] = source[start + itemSize - 1 - offset]
                }
            }
        }
        storage.setCount(bytes.count)
        return storage.slice
    }
}

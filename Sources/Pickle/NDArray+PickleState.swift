extension NDArray {
    /// Applies NumPy's `ndarray.__setstate__` state, as BUILD does after `_reconstruct`:
    /// `(version, shape, dtype, is_fortran, data)`, or the older form without `version`.
    /// Like NumPy, data stored big-endian is converted to this machine's (little-endian)
    /// order here, so the array reads back with the dtype a Python user would see.
    func setState(_ state: PickleValue) throws(Reconstructor.Failure) {
        guard var items = state.tupleItems else {
            throw Reconstructor.Failure(reason: "array state must be a tuple, not \(state.typeName)", isArrayProblem: true)
        }
        if items.count == 5 { items.removeFirst() }
        guard items.count == 4 else {
            throw Reconstructor.Failure(reason: "array state must hold 4 or 5 items, not \(items.count)", isArrayProblem: true)
        }
        let shape = try Reconstructor.shapeArgument(items[0])
        guard case let .dtype(dtype) = items[1] else {
            throw Reconstructor.Failure(reason: "array state's dtype is a \(items[1].typeName)", isArrayProblem: true)
        }
        guard let fortranFlag = items[2].int64 else {
            throw Reconstructor.Failure(reason: "array state's order flag is a \(items[2].typeName)", isArrayProblem: true)
        }
        let built = try Reconstructor.makeArray(dtype: try Reconstructor.checked(dtype), shape: shape, isFortranOrder: fortranFlag != 0, data: items[3])
        var builtDType = built.dtype
        var builtStorage = built.storage
        if builtDType.needsByteSwap, case let .bytes(bytes) = builtStorage {
            builtStorage = .bytes(Self.byteSwapped(bytes, itemSize: builtDType.itemSize))
            builtDType = DType(kind: builtDType.kind, itemSize: builtDType.itemSize, byteOrder: .little)
        }
        do {
            try setContents(dtype: builtDType, shape: built.shape, isFortranOrder: built.isFortranOrder, data: builtStorage)
        } catch {
            throw Reconstructor.Failure(reason: error.description, isArrayProblem: true)
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

/// A `numpy.dtype` object as it is being unpickled: created by REDUCE from a type name,
/// then given its byte order (and checked for fields) by BUILD.
public final class NumpyDType {
    public private(set) var dtype: DType
    /// The type name it was created from ("f4"), for messages.
    public let typeName: String
    /// Why a void ("V12") type is refused. Structured dtypes are void types whose fields only
    /// BUILD names, so the refusal waits for BUILD (or for the dtype's use, via `checkedDType`).
    private var voidRefusal: DTypeError?
    /// Whether this is NumPy's shared descriptor of a built-in type, which `numpy.dtype(name)`
    /// returns unless asked to copy (`numpy.dtype(name, align, copy)`). Its `__setstate__`
    /// ignores whatever state it is given, so BUILD changes nothing.
    let isShared: Bool
    /// NumPy's descriptor flags; the state of a BUILD sets them.
    private var flags: Int64

    /// NumPy's flags of an object dtype (`NPY_OBJECT_DTYPE_FLAGS`).
    private static let objectFlags: Int64 = 0x3F
    /// The flag that makes an array of this type pickle its data as a list (`NPY_LIST_PICKLE`).
    private static let listPickleFlag: Int64 = 0x02
    /// The flags that say the elements are object pointers (`NPY_ITEM_HASOBJECT`,
    /// `NPY_LIST_PICKLE`).
    private static let holdsObjectsFlags: Int64 = 0x03

    init(typeName: String, copy: Bool) throws(DTypeError) {
        self.typeName = typeName
        do {
            self.dtype = try DType(typeName: typeName)
        } catch where typeName.drop(while: { "<>|=".contains($0) }).first == "V" {
            self.dtype = DType(kind: .unsignedInteger, itemSize: 1, byteOrder: .notApplicable)   // never used
            self.voidRefusal = error
        }
        // Only a big-endian multi-byte type is not one of NumPy's shared descriptors.
        isShared = !copy && dtype.byteOrder != .big
        flags = dtype.kind == .object ? Self.objectFlags : 0
    }

    /// A new descriptor equal to `other` (`numpy.dtype(other, copy=True)`).
    init(copying other: NumpyDType) {
        dtype = other.dtype
        typeName = other.typeName
        voidRefusal = other.voidRefusal
        isShared = false
        flags = other.flags
    }

    /// Whether arrays of this type pickle their data as a list of objects rather than bytes:
    /// true for object dtypes, unless a BUILD state cleared the flag (never for others:
    /// `setState` refuses to set it on them).
    var picklesDataAsList: Bool { flags & Self.listPickleFlag != 0 }

    /// The element type, or the reason a void type cannot be one.
    func checkedDType() throws(DTypeError) -> DType {
        if let voidRefusal { throw voidRefusal }
        return dtype
    }

    /// Applies a pickled dtype state as NumPy's `dtype.__setstate__` does. By its length the
    /// state is `(version, byteorder, subarray, names, fields, elsize, alignment[, flags
    /// [, metadata]])` or the old `(byteorder, subarray, fields, elsize, alignment)`.
    /// Only plain dtypes are accepted: a state that names fields is a structured dtype,
    /// refused with the field names.
    func setState(_ state: PickleValue) throws(DTypeError) {
        if isShared { return }
        guard let items = state.tupleItems else {
            throw DTypeError(typeName: typeName, reason: "its state is a \(state.typeName), not a tuple")
        }
        let parsed = try parse(items)
        guard parsed.version >= 0 && parsed.version <= 4 else {
            throw DTypeError(typeName: typeName, reason: "version \(parsed.version) of the dtype state is not one of 0 to 4")
        }
        let order = try byteOrder(parsed.byteOrder)
        if case .none = parsed.subarray {} else {
            throw DTypeError(typeName: typeName, reason: "sub-array dtypes are not supported")
        }
        switch (parsed.names, parsed.fields) {
        case (.none, .none): break
        case (.tuple, .dict):
            let names = parsed.names.tupleItems?.compactMap(\.text).joined(separator: ", ") ?? ""
            throw DTypeError(typeName: typeName, reason: "structured dtype with fields (\(names)) is not supported")
        default:
            throw DTypeError(typeName: typeName, reason: "its state's field names (\(parsed.names.typeName)) and fields (\(parsed.fields.typeName)) do not go together")
        }
        if let voidRefusal { throw voidRefusal }
        // NumPy recomputes the flags of states older than version 3.
        let newFlags = parsed.version < 3 ? (dtype.kind == .object ? Self.objectFlags : 0) : parsed.flags
        if dtype.kind != .object, newFlags & Self.holdsObjectsFlags != 0 {
            throw DTypeError(typeName: typeName, reason: "its state's flags (\(newFlags)) mark its numbers as object pointers, which NumPy would dereference")
        }
        dtype = dtype.withPickledByteOrder(order)
        flags = newFlags
    }

    private struct ParsedState {
        var version: Int64
        var byteOrder: PickleValue
        var subarray: PickleValue
        var names: PickleValue
        var fields: PickleValue
        var flags: Int64 = 0
    }

    /// The state's items by position, with NumPy's type checks: the version, sizes and
    /// flags must be integers that fit 32 bits.
    private func parse(_ items: [PickleValue]) throws(DTypeError) -> ParsedState {
        switch items.count {
        case 7...9:
            var parsed = ParsedState(version: try int32(items[0], "version"), byteOrder: items[1], subarray: items[2],
                                     names: items[3], fields: items[4])
            _ = try int32(items[5], "element size")
            _ = try int32(items[6], "alignment")
            if items.count >= 8 {
                // NumPy once stored the flags in a signed char: -128…-1 stand for 0…127.
                let flags = try int32(items[7], "flags")
                parsed.flags = (-128 ..< 0).contains(flags) ? flags + 128 : flags
            }
            return parsed
        case 5:
            _ = try int32(items[3], "element size")
            _ = try int32(items[4], "alignment")
            return ParsedState(version: 0, byteOrder: items[0], subarray: items[1], names: .none, fields: items[2])
        default:
            // NumPy refuses these lengths; the 6-item form leaves out the field names.
            throw DTypeError(typeName: typeName, reason: "a dtype state of \(items.count) items is not one NumPy reads (5, 7, 8 or 9)")
        }
    }

    private func int32(_ value: PickleValue, _ role: String) throws(DTypeError) -> Int64 {
        guard let number = value.int64, number >= Int64(Int32.min), number <= Int64(Int32.max) else {
            throw DTypeError(typeName: typeName, reason: "the \(role) in its state is a \(value.typeName), not a 32-bit integer")
        }
        return number
    }

    /// The state's byte order: one ASCII character, as a str or bytes.
    private func byteOrder(_ value: PickleValue) throws(DTypeError) -> Character {
        let scalars: [UInt32]
        switch value {
        case let .string(text): scalars = text.unicodeScalars.map(\.value)
        case let .py2String(bytes), let .bytes(bytes): scalars = bytes.array.map(UInt32.init)
        default: throw DTypeError(typeName: typeName, reason: "its byte order is a \(value.typeName), not a string")
        }
        guard scalars.count == 1, let scalar = scalars.first, value.isBytes || scalar < 0x80 else {
            throw DTypeError(typeName: typeName, reason: "its byte order must be one ASCII character")
        }
        return Character(Unicode.Scalar(UInt8(truncatingIfNeeded: scalar)))
    }
}

private extension PickleValue {
    var isBytes: Bool {
        if case .bytes = self { return true }
        return false
    }
}

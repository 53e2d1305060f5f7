/// A `numpy.dtype` object as it is being unpickled: created by REDUCE from a type name,
/// then given its byte order (and checked for fields) by BUILD.
public final class NumpyDType {
    public private(set) var dtype: DType
    /// The type name it was created from ("f4"), for messages.
    public let typeName: String
    /// Why a void ("V12") type is refused. Structured dtypes are void types whose fields only
    /// BUILD names, so the refusal waits for BUILD (or for the dtype's use, via `checkedDType`).
    private var voidRefusal: DTypeError?

    init(typeName: String) throws(DTypeError) {
        self.typeName = typeName
        do {
            self.dtype = try DType(typeName: typeName)
        } catch where typeName.drop(while: { "<>|=".contains($0) }).first == "V" {
            self.dtype = DType(kind: .unsignedInteger, itemSize: 1, byteOrder: .notApplicable)   // never used
            self.voidRefusal = error
        }
    }

    /// The element type, or the reason a void type cannot be one.
    func checkedDType() throws(DTypeError) -> DType {
        if let voidRefusal { throw voidRefusal }
        return dtype
    }

    /// Applies a pickled dtype state: `(version, byteorder, subarray, names, fields,
    /// elsize, alignment, flags[, metadata])`. Only plain dtypes are accepted: a state that
    /// names fields is a structured dtype, refused with the field names.
    func setState(_ state: PickleValue) throws(DTypeError) {
        guard let items = state.tupleItems, items.count >= 5 else {
            throw DTypeError(typeName: typeName, reason: "its state is not a tuple of at least 5 items")
        }
        guard let order = items[1].text, order.count == 1, let character = order.first,
              let ordered = dtype.withByteOrder(character) else {
            throw DTypeError(typeName: typeName, reason: "byte order \(items[1].typeName) is not one of '<', '>', '|', '='")
        }
        if case .none = items[2] {} else {
            throw DTypeError(typeName: typeName, reason: "sub-array dtypes are not supported")
        }
        if case .none = items[3] {} else {
            let names = items[3].tupleItems?.compactMap(\.text).joined(separator: ", ") ?? "?"
            throw DTypeError(typeName: typeName, reason: "structured dtype with fields (\(names)) is not supported")
        }
        if let voidRefusal { throw voidRefusal }
        dtype = ordered
    }
}

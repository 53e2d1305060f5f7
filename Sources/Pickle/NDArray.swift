/// A NumPy array rebuilt from a pickle: element type, shape, memory order and the data.
///
/// Numeric data is a `ByteSlice`, usually a view into the buffer the pickle was read from
/// (so it may start at any alignment), kept exactly as stored: byte order as the dtype
/// says, elements in C or Fortran order as `isFortranOrder` says. Object arrays hold values.
///
/// A reference type because NumPy unpickles an array in two steps on one object: REDUCE
/// makes an empty array and BUILD fills it, and the memo may refer to it in between.
public final class NDArray {
    public enum Storage {
        case bytes(ByteSlice)
        case objects([PickleValue])
    }

    public private(set) var dtype: DType
    public private(set) var shape: [Int]
    /// Whether the data is laid out in Fortran (column-major) order.
    public private(set) var isFortranOrder: Bool
    public private(set) var storage: Storage
    /// Whether this is a NumPy scalar (`np.float32(1.5)`), shown as a 0-d array: unlike an
    /// array it hashes like its value, and its `__setstate__` ignores any state.
    public internal(set) var isScalar = false

    /// The number of elements (the product of the shape).
    public var count: Int { shape.reduce(1, *) }

    /// An array whose description and data are checked to agree.
    public init(dtype: DType, shape: [Int], isFortranOrder: Bool, data: Storage) throws(ArrayError) {
        self.dtype = dtype
        self.shape = []
        self.isFortranOrder = false
        self.storage = .bytes(ByteSlice(copying: []))
        try setContents(dtype: dtype, shape: shape, isFortranOrder: isFortranOrder, data: data)
    }

    /// The empty placeholder `numpy.core.multiarray._reconstruct` makes before BUILD
    /// (`shape` has a zero dimension).
    init(placeholderOf dtype: DType, shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
        self.isFortranOrder = false
        self.storage = dtype.kind == .object ? .objects([]) : .bytes(ByteSlice(copying: []))
    }

    /// Replaces everything after checking that `shape` × item size matches the data
    /// (with overflow-checked arithmetic: a hostile shape cannot wrap around).
    func setContents(dtype: DType, shape: [Int], isFortranOrder: Bool, data: Storage) throws(ArrayError) {
        var elements = 1
        for dimension in shape {
            guard dimension >= 0 else { throw ArrayError("shape \(shape) has a negative dimension") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw ArrayError("shape \(shape) has more elements than memory can address") }
            elements = product
        }
        switch data {
        case let .bytes(bytes):
            guard dtype.kind != .object else { throw ArrayError("an object array's data must be a list, not bytes") }
            let (needed, overflow) = elements.multipliedReportingOverflow(by: dtype.itemSize)
            guard !overflow, needed == bytes.count else {
                throw ArrayError("shape \(shape) of \(dtype) needs \(overflow ? "more than \(Int.max)" : String(needed)) bytes of data but \(bytes.count) are given")
            }
        case let .objects(items):
            guard dtype.kind == .object else { throw ArrayError("a \(dtype) array's data must be bytes, not a list") }
            guard items.count == elements else {
                throw ArrayError("shape \(shape) needs \(elements) objects but the list holds \(items.count)")
            }
        }
        self.dtype = dtype
        self.shape = shape
        self.isFortranOrder = isFortranOrder
        self.storage = data
    }

    /// "C" or "F" as NumPy reports it after loading: an array with at most one dimension
    /// longer than 1, or with no elements, is both C- and F-contiguous and reports "C".
    public var reportedOrder: String {
        guard isFortranOrder, !shape.contains(0) else { return "C" }
        return shape.filter { $0 > 1 }.count > 1 ? "F" : "C"
    }

    /// The raw bytes, for numeric arrays.
    public var bytes: ByteSlice? {
        if case let .bytes(bytes) = storage { return bytes }
        return nil
    }

    func takeChildren() -> [PickleValue] {
        guard case let .objects(items) = storage else { return [] }
        storage = .objects([])
        return items
    }

    deinit {
        var items = takeChildren()
        PickleValue.dismantle(&items)
    }
}

/// Why an array's description and data disagree.
public struct ArrayError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

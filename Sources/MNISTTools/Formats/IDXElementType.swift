import Pickle

/// The element types of LeCun's IDX format: the third byte of the magic number.
///
/// IDX data is big-endian, so each type reads as a big-endian NumPy dtype.
public enum IDXElementType: UInt8, CaseIterable, Sendable {
    case uint8 = 0x08
    case int8 = 0x09
    case int16 = 0x0B
    case int32 = 0x0C
    case float32 = 0x0D
    case float64 = 0x0E

    /// The matching NumPy dtype: `|u1`, `|i1`, `>i2`, `>i4`, `>f4` or `>f8`.
    public var dtype: DType {
        switch self {
        case .uint8: DType(kind: .unsignedInteger, itemSize: 1, byteOrder: .notApplicable)
        case .int8: DType(kind: .signedInteger, itemSize: 1, byteOrder: .notApplicable)
        case .int16: DType(kind: .signedInteger, itemSize: 2, byteOrder: .big)
        case .int32: DType(kind: .signedInteger, itemSize: 4, byteOrder: .big)
        case .float32: DType(kind: .float, itemSize: 4, byteOrder: .big)
        case .float64: DType(kind: .float, itemSize: 8, byteOrder: .big)
        }
    }

    /// Bytes per element.
    public var itemSize: Int { dtype.itemSize }

    /// LeCun's name for the type, as in file names such as `train-images-idx3-ubyte`.
    public var name: String {
        switch self {
        case .uint8: "ubyte"
        case .int8: "byte"
        case .int16: "short"
        case .int32: "int"
        case .float32: "float"
        case .float64: "double"
        }
    }

    /// The IDX type holding elements of `dtype` (of either byte order), or nil when IDX has
    /// none (bool, unsigned 16–64-bit, int64, float16, objects).
    public init?(dtype: DType) {
        guard let match = Self.allCases.first(where: {
            $0.dtype.kind == dtype.kind && $0.dtype.itemSize == dtype.itemSize
        }) else { return nil }
        self = match
    }

    /// Every type code with its name, for error messages: "0x08 (ubyte), 0x09 (byte), …".
    static var listing: String {
        allCases.map { "0x\(hexByte($0.rawValue)) (\($0.name))" }.joined(separator: ", ")
    }
}

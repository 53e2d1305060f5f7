/// A run of bytes inside a `ByteStorage`, kept alive by holding the storage.
///
/// This is how pickled strings, bytes and array payloads are held without copying. The
/// start may have any alignment: read multi-byte values with `loadUnaligned`.
public struct ByteSlice: @unchecked Sendable {
    public let storage: ByteStorage
    public let offset: Int
    public let count: Int

    public init(storage: ByteStorage, offset: Int, count: Int) {
        precondition(offset >= 0 && count >= 0 && offset <= storage.count - count, "slice outside its storage")
        self.storage = storage
        self.offset = offset
        self.count = count
    }

    /// A slice holding a copy of `bytes`.
    public init<Bytes: Collection>(copying bytes: Bytes) where Bytes.Element == UInt8 {
        let storage = ByteStorage(copying: bytes)
        self.init(storage: storage, offset: 0, count: storage.count)
    }

    /// Calls `body` with the bytes. The pointer is valid only inside `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let buffer = UnsafeRawBufferPointer(start: storage.baseAddress + offset, count: count)
        return try withExtendedLifetime(storage) { try body(buffer) }
    }

    /// The bytes as an array (a copy).
    public var array: [UInt8] { withUnsafeBytes { Array($0) } }

    /// A part of this slice, sharing the storage.
    public func subslice(from start: Int, count length: Int) -> ByteSlice {
        precondition(start >= 0 && length >= 0 && start <= count - length, "subslice outside its slice")
        return ByteSlice(storage: storage, offset: offset + start, count: length)
    }

    /// The bytes read as Latin-1: each byte is the code point of the same number.
    /// This is how Python 3 reads a Python 2 `str` with `encoding='latin1'`.
    public var latin1String: String {
        withUnsafeBytes { bytes in
            var result = String()
            result.unicodeScalars.reserveCapacity(bytes.count)
            for byte in bytes { result.unicodeScalars.append(Unicode.Scalar(byte)) }
            return result
        }
    }

    /// The bytes decoded as UTF-8, or nil when they are not valid UTF-8.
    public var utf8String: String? {
        withUnsafeBytes { bytes in
            String(validating: bytes, as: UTF8.self)
        }
    }
}

extension ByteSlice: Equatable {
    public static func == (lhs: ByteSlice, rhs: ByteSlice) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in left.elementsEqual(right) }
        }
    }
}

extension ByteSlice: Hashable {
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

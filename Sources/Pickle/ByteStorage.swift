/// A block of bytes that owns its memory and frees it exactly once.
///
/// The memory may come from the heap (`init(capacity:)`) or from elsewhere, such as a file
/// mapping, together with the function that gives it back (`init(adopting:count:release:)`).
/// Arrays and strings read from a pickle keep a reference to the storage their bytes live in,
/// so a whole inflated file can be shared by every array in it without a copy.
public final class ByteStorage: @unchecked Sendable {
    /// The first byte. Valid for `count` bytes; never null, even when `count` is zero.
    public let baseAddress: UnsafeMutableRawPointer
    /// The number of bytes that hold data.
    public private(set) var count: Int
    /// The number of bytes allocated (at least `count`).
    public let capacity: Int
    private let release: @Sendable (UnsafeMutableRawPointer, Int) -> Void

    /// Heap memory aligned to 64 bytes (a cache line, and enough for any SIMD type).
    /// `count` starts at zero; writers fill the bytes and call `setCount(_:)`.
    public init(capacity: Int) {
        precondition(capacity >= 0, "negative capacity")
        self.capacity = capacity
        self.count = 0
        self.baseAddress = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1), alignment: 64)
        self.release = { pointer, _ in pointer.deallocate() }
    }

    /// Takes ownership of `count` bytes at `baseAddress`; `release` is called once, on deinit.
    public init(
        adopting baseAddress: UnsafeMutableRawPointer,
        count: Int,
        release: @escaping @Sendable (UnsafeMutableRawPointer, Int) -> Void
    ) {
        self.baseAddress = baseAddress
        self.count = count
        self.capacity = count
        self.release = release
    }

    /// A copy of `bytes` in fresh heap storage.
    public convenience init<Bytes: Collection>(copying bytes: Bytes) where Bytes.Element == UInt8 {
        self.init(capacity: bytes.count)
        UnsafeMutableRawBufferPointer(start: baseAddress, count: bytes.count).copyBytes(from: bytes)
        count = bytes.count
    }

    deinit { release(baseAddress, capacity) }

    /// Records how many bytes have been written (at most `capacity`).
    public func setCount(_ newCount: Int) {
        precondition(newCount >= 0 && newCount <= capacity, "count \(newCount) outside 0...\(capacity)")
        count = newCount
    }

    /// The bytes that hold data.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: baseAddress, count: count) }

    /// The whole storage as a slice.
    public var slice: ByteSlice { ByteSlice(storage: self, offset: 0, count: count) }
}

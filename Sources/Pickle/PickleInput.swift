/// The bytes of a pickle, read front to back, either from one buffer in memory or from a
/// stream.
///
/// From a buffer, every string and array payload is a view into it (no copy). From a
/// stream, small items pass through a fixed read-ahead buffer and a large payload is read
/// straight into the storage its value keeps. No declared length can make it allocate more
/// than the input can still provide.
public final class PickleInput {
    private enum Source {
        case whole(ByteStorage)
        case stream(PickleByteStream)
    }

    private let source: Source
    /// Read-ahead buffer: the whole storage, or a chunk of the stream.
    private var window: ByteStorage
    /// Absolute offset of `window`'s first byte.
    private var windowStart = 0
    /// Index of the next unread byte in `window`.
    private var position = 0
    private var streamEnded = false
    private static let chunkSize = 1 << 16
    /// Payloads at least this long are read straight into their own storage.
    private static let directReadThreshold = 1 << 14

    /// Reads a pickle held whole in `storage`; values are views into it.
    public init(storage: ByteStorage) {
        source = .whole(storage)
        window = storage
        streamEnded = true
    }

    /// Reads a pickle from a stream.
    public init(stream: PickleByteStream) {
        source = .stream(stream)
        window = ByteStorage(capacity: Self.chunkSize)
    }

    /// Reads a pickle from bytes in memory (a copy is made).
    public convenience init<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        self.init(storage: ByteStorage(copying: bytes))
    }

    /// Absolute offset of the next byte to be read.
    public var offset: Int { windowStart + position }

    private var buffered: Int { window.count - position }

    /// Bytes still to come: exact for a buffer; for a stream, what is buffered plus the
    /// stream's upper bound, or nil when unknown.
    public var remainingUpperBound: Int? {
        switch source {
        case .whole: return buffered
        case let .stream(stream):
            if streamEnded { return buffered }
            return stream.remainingUpperBound.map { buffered + $0 }
        }
    }

    /// Whether `remainingUpperBound` is the exact count.
    public var remainingIsExact: Bool { streamEnded }

    /// The next byte, or nil at the end of the input.
    @inline(__always)
    public func readByte() throws -> UInt8? {
        if position == window.count {
            guard try refill(atLeast: 1) else { return nil }
        }
        let byte = window.baseAddress.load(fromByteOffset: position, as: UInt8.self)
        position += 1
        return byte
    }

    /// The next `count` bytes (count ≤ 8) as a little-endian unsigned integer, or nil when
    /// fewer remain (nothing is consumed then).
    public func readLittleEndian(count: Int) throws -> UInt64? {
        precondition(count > 0 && count <= 8)
        if buffered < count {
            guard try refill(atLeast: count) else { return nil }
        }
        var value: UInt64 = 0
        for index in 0..<count {
            let byte = window.baseAddress.load(fromByteOffset: position + index, as: UInt8.self)
            value |= UInt64(byte) << (8 * UInt64(index))
        }
        position += count
        return value
    }

    /// The next `count` bytes. On a short input returns `.short(available:)` and consumes
    /// nothing meaningful (the input is at its end then).
    public func readBytes(count: Int) throws -> ReadResult {
        precondition(count >= 0)
        if count <= buffered {
            return .bytes(takeFromWindow(count))
        }
        switch source {
        case .whole:
            return .short(available: buffered, exact: true)
        case let .stream(stream):
            if let bound = remainingUpperBound, count > bound {
                return .short(available: bound, exact: streamEnded)
            }
            if count < Self.directReadThreshold {
                guard try refill(atLeast: count) else { return .short(available: buffered, exact: true) }
                return .bytes(takeFromWindow(count))
            }
            return try readLarge(count: count, from: stream)
        }
    }

    /// Reads and drops up to `count` bytes; returns how many there were.
    public func discard(count: Int) throws -> Int {
        var left = count
        while left > 0 {
            if buffered == 0 {
                guard try refill(atLeast: 1) else { break }
            }
            let step = min(left, buffered)
            position += step
            left -= step
        }
        return count - left
    }

    public enum ReadResult {
        case bytes(ByteSlice)
        case short(available: Int, exact: Bool)
    }

    /// The bytes up to the next newline (the newline is consumed, not returned), or nil when
    /// the input ends before a newline.
    public func readLine() throws -> ByteSlice? {
        var scanned = 0
        while true {
            let start = window.baseAddress + position
            let searchFrom = scanned
            if let found = UnsafeRawBufferPointer(start: start + searchFrom, count: buffered - searchFrom)
                .firstIndex(of: 0x0A) {
                let line = takeFromWindow(searchFrom + found)
                position += 1
                return line
            }
            scanned = buffered
            // A line longer than the window: grow the window to hold it.
            guard try refill(atLeast: buffered + 1, growing: true) else { return nil }
        }
    }

    private func takeFromWindow(_ count: Int) -> ByteSlice {
        let slice: ByteSlice
        switch source {
        case .whole:
            slice = ByteSlice(storage: window, offset: position, count: count)
        case .stream:
            // The window is reused: small items get storage of their own.
            slice = ByteSlice(copying: UnsafeRawBufferPointer(start: window.baseAddress + position, count: count))
        }
        position += count
        return slice
    }

    /// Makes at least `needed` unread bytes available in the window. Returns false when the
    /// stream ends first (what was read stays buffered).
    private func refill(atLeast needed: Int, growing: Bool = false) throws -> Bool {
        guard case let .stream(stream) = source, !streamEnded else { return buffered >= needed }
        // Move the unread bytes to the front, into a larger window when they would not fit
        // (doubling when growing for a long line, so its search stays linear).
        let unread = buffered
        let capacity = needed <= window.capacity ? window.capacity : max(needed, growing ? window.capacity * 2 : 0)
        let target = capacity > window.capacity ? ByteStorage(capacity: capacity) : window
        (target.baseAddress).copyMemory(from: window.baseAddress + position, byteCount: unread)
        windowStart += position
        position = 0
        window = target
        window.setCount(unread)
        while window.count < needed {
            let free = UnsafeMutableRawBufferPointer(start: window.baseAddress + window.count, count: window.capacity - window.count)
            let got = try readStream(stream, into: free)
            if got == 0 {
                streamEnded = true
                return false
            }
            window.setCount(window.count + got)
        }
        return true
    }

    /// Reads a large payload into storage of its own: the buffered bytes first, then the rest
    /// straight from the stream. When the stream cannot bound what is left, storage grows
    /// as bytes arrive rather than trusting the declared length.
    private func readLarge(count: Int, from stream: PickleByteStream) throws -> ReadResult {
        let boundKnown = remainingUpperBound != nil
        let head = buffered
        // At least the buffered head, which a window grown for a long line can make large.
        var storage = ByteStorage(capacity: boundKnown ? count : max(head, min(count, 1 << 20)))
        storage.baseAddress.copyMemory(from: window.baseAddress + position, byteCount: head)
        storage.setCount(head)
        position += head
        while storage.count < count {
            if storage.count == storage.capacity {
                let grown = ByteStorage(capacity: min(count, storage.capacity * 2))
                grown.baseAddress.copyMemory(from: storage.baseAddress, byteCount: storage.count)
                grown.setCount(storage.count)
                storage = grown
            }
            let free = UnsafeMutableRawBufferPointer(
                start: storage.baseAddress + storage.count, count: storage.capacity - storage.count)
            let got = try readStream(stream, into: free)
            if got == 0 {
                streamEnded = true
                // Leave the partial payload consumed: the input is over anyway.
                windowStart += storage.count - head
                return .short(available: storage.count, exact: true)
            }
            storage.setCount(storage.count + got)
        }
        windowStart += count - head
        return .bytes(storage.slice)
    }

    /// Errors of the stream (such as corrupt gzip data) pass through unchanged.
    private func readStream(_ stream: PickleByteStream, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try stream.read(into: buffer)
    }
}

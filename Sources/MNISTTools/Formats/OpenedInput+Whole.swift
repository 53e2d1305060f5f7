import Pickle

extension OpenedInput {
    /// All the decompressed bytes in one storage: the mapped or inflated buffer itself, or a
    /// stream read to its end into storage that grows (doubling) as bytes arrive.
    /// Throws what the stream throws (a damaged gzip member, a read error).
    public func wholeStorage() throws -> ByteStorage {
        switch bytes {
        case let .whole(storage):
            return storage
        case let .stream(stream):
            return try Self.readToEnd(stream)
        }
    }

    /// Reads `stream` to its end. Starts with what the stream promises at most, up to 1 MiB.
    private static func readToEnd(_ stream: PickleByteStream) throws -> ByteStorage {
        let initial = 1 << 20
        var storage = ByteStorage(capacity: min(stream.remainingUpperBound ?? initial, initial))
        while true {
            if storage.count == storage.capacity {
                // A full buffer may be the exact size: look for one more byte before growing.
                var probe: UInt8 = 0
                let got = try withUnsafeMutableBytes(of: &probe) { try stream.read(into: $0) }
                if got == 0 { return storage }
                let (doubled, overflow) = max(storage.capacity, 1).multipliedReportingOverflow(by: 2)
                let grown = ByteStorage(capacity: overflow ? Int.max : doubled)
                grown.baseAddress.copyMemory(from: storage.baseAddress, byteCount: storage.count)
                grown.baseAddress.storeBytes(of: probe, toByteOffset: storage.count, as: UInt8.self)
                grown.setCount(storage.count + 1)
                storage = grown
            }
            let free = UnsafeMutableRawBufferPointer(
                start: storage.baseAddress + storage.count, count: storage.capacity - storage.count)
            let got = try stream.read(into: free)
            if got == 0 { return storage }
            storage.setCount(storage.count + got)
        }
    }
}

/// The decompressed bytes of `path` (plain or gzip, "-" for standard input) in one storage;
/// see `openInput(path:options:)` and `OpenedInput.wholeStorage()`.
func readWholeInput(path: String) throws -> ByteStorage {
    try openInput(path: path).wholeStorage()
}

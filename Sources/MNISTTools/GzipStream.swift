import CZlib
import Glibc
import Pickle

/// Inflates gzip data front to back with zlib's `inflate`, one member after another,
/// straight into the buffer each `read(into:)` is given.
///
/// zlib runs in gzip mode (`inflateInit2_` with window bits 31), so each member's header,
/// CRC-32 and ISIZE are checked. After a member ends, more input must be another member
/// (`1f 8b`; zlib is reset with `inflateReset`); anything else is refused as trailing garbage,
/// and input that stops inside a member is `truncatedGzip`. The compressed bytes come from a
/// mapped file or, in chunks of 256 KiB, from a descriptor (`read(2)`).
final class GzipStream: PickleByteStream {
    /// How many compressed bytes are read from a descriptor, or handed to zlib from a map, at once.
    static let chunkSize = 256 * 1024
    /// DEFLATE's largest expansion: 258 bytes from a 2-bit code, about 1032 bytes per input byte.
    static let maximumExpansion = 1032
    /// Output a member may still yield beyond `maximumExpansion` × input left: a match zlib
    /// has begun copying (up to 258 bytes) and bits it already holds.
    static let boundSlack = 16 * 1024

    /// Where the compressed bytes come from.
    private enum Source {
        /// A whole file, mapped (`MappedFile.map`); zlib reads it in place.
        case mapped(ByteStorage)
        /// A descriptor read into `buffer` (`chunkSize` bytes, owned here).
        case descriptor(FileDescriptor, buffer: UnsafeMutableRawPointer)
    }

    /// The name used in error messages.
    let path: String
    private let source: Source
    private let stream: UnsafeMutablePointer<z_stream>
    /// Compressed offset of the descriptor buffer's first byte.
    private var bufferStartOffset = 0
    private var descriptorAtEnd = false
    /// True after a member's trailer, until the next member's magic is seen.
    private var betweenMembers = false
    private var finished = false
    /// The number of gzip members inflated and checked so far.
    private(set) var membersCompleted = 0

    /// A stream over a mapped gzip file (which must start with `1f 8b`).
    convenience init(mapped storage: ByteStorage, path: String) throws {
        try self.init(source: .mapped(storage), path: path, prefix: [])
    }

    /// A stream over `descriptor`, whose first bytes `prefix` were already read from it.
    convenience init(descriptor: FileDescriptor, prefix: [UInt8]) throws {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        try self.init(source: .descriptor(descriptor, buffer: buffer), path: descriptor.path, prefix: prefix)
    }

    private init(source: Source, path: String, prefix: [UInt8]) throws {
        self.path = path
        self.source = source
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            if case let .descriptor(_, buffer) = source { buffer.deallocate() }
            throw MNISTToolsError.cannotRead(path: path, reason: "zlib inflateInit2 failed with code \(status)")
        }
        switch source {
        case let .mapped(storage):
            stream.pointee.next_in = storage.baseAddress.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = 0
        case let .descriptor(_, buffer):
            precondition(prefix.count <= Self.chunkSize)
            prefix.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
            }
            stream.pointee.next_in = buffer.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = UInt32(prefix.count)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        if case let .descriptor(_, buffer) = source { buffer.deallocate() }
    }

    /// The compressed offset of the next byte zlib will read.
    var compressedOffset: Int {
        switch source {
        case let .mapped(storage):
            guard let next = stream.pointee.next_in else { return 0 }
            return UnsafeRawPointer(next) - UnsafeRawPointer(storage.baseAddress)
        case let .descriptor(_, buffer):
            guard let next = stream.pointee.next_in else { return bufferStartOffset }
            return bufferStartOffset + (UnsafeRawPointer(next) - UnsafeRawPointer(buffer))
        }
    }

    /// For a file, (compressed bytes not yet inflated) × `maximumExpansion` + `boundSlack`;
    /// 0 once the end is reached; nil for a descriptor, whose length is unknown.
    var remainingUpperBound: Int? {
        if finished { return 0 }
        guard case let .mapped(storage) = source else { return nil }
        let left = storage.count - compressedOffset
        let (bound, overflow) = left.multipliedReportingOverflow(by: Self.maximumExpansion)
        return overflow ? Int.max : bound.addingReportingOverflow(Self.boundSlack).partialValue
    }

    /// Inflates into `buffer` until it is full or the last member ends; returns the count,
    /// 0 only at the end. Throws `corruptGzip` or `truncatedGzip` with the compressed offset.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var produced = 0
        while produced < buffer.count, !finished {
            if betweenMembers {
                guard try startNextMember() else { finished = true; break }
            }
            if stream.pointee.avail_in == 0 {
                guard try refill(atLeast: 1) else {
                    throw MNISTToolsError.truncatedGzip(path: path, offset: compressedOffset)
                }
            }
            let room = UInt32(clamping: buffer.count - produced)
            stream.pointee.next_out = (base + produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = room
            let inputBefore = stream.pointee.avail_in
            let status = inflate(stream, Z_NO_FLUSH)
            produced += Int(room - stream.pointee.avail_out)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                membersCompleted += 1
                betweenMembers = true
            case Z_BUF_ERROR:
                // No progress was possible: zlib wants input (refilled above) or output room.
                if stream.pointee.avail_in == inputBefore, stream.pointee.avail_in > 0,
                   stream.pointee.avail_out > 0 {
                    throw MNISTToolsError.corruptGzip(
                        path: path, offset: compressedOffset, reason: "zlib made no progress")
                }
            case Z_DATA_ERROR:
                throw MNISTToolsError.corruptGzip(path: path, offset: compressedOffset, reason: zlibMessage(status))
            case Z_NEED_DICT:
                throw MNISTToolsError.corruptGzip(
                    path: path, offset: compressedOffset, reason: "gzip member asks for a preset dictionary")
            case Z_MEM_ERROR:
                throw MNISTToolsError.cannotRead(path: path, reason: "zlib ran out of memory")
            default:
                throw MNISTToolsError.corruptGzip(path: path, offset: compressedOffset, reason: zlibMessage(status))
            }
        }
        return produced
    }

    /// After a member's trailer: returns false at the end of the input, resets zlib when
    /// another member follows, and throws when the bytes that follow are not a gzip member.
    private func startNextMember() throws -> Bool {
        let complete = try refill(atLeast: 2)
        let available = Int(stream.pointee.avail_in)
        if available == 0 { return false }
        let next = stream.pointee.next_in
        guard complete, let next, next[0] == 0x1f, next[1] == 0x8b else {
            throw MNISTToolsError.corruptGzip(
                path: path, offset: compressedOffset,
                reason: "\(available < 2 ? "\(available) byte" : "data") after the end of gzip member "
                    + "\(membersCompleted) is not another gzip member (trailing garbage is refused)")
        }
        guard inflateReset(stream) == Z_OK else {
            throw MNISTToolsError.corruptGzip(path: path, offset: compressedOffset, reason: "zlib inflateReset failed")
        }
        betweenMembers = false
        return true
    }

    /// Makes at least `minimum` compressed bytes available to zlib where the input has them;
    /// returns false when it ends first (what is left stays available).
    private func refill(atLeast minimum: Int) throws -> Bool {
        if Int(stream.pointee.avail_in) >= minimum { return true }
        switch source {
        case let .mapped(storage):
            let offset = compressedOffset
            let count = min(storage.count - offset, Self.chunkSize)
            stream.pointee.next_in = (storage.baseAddress + offset).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = UInt32(count)
            return count >= minimum
        case let .descriptor(descriptor, buffer):
            var pending = Int(stream.pointee.avail_in)
            let offset = compressedOffset
            if pending > 0, let next = stream.pointee.next_in {
                buffer.copyMemory(from: UnsafeRawPointer(next), byteCount: pending)
            }
            bufferStartOffset = offset
            stream.pointee.next_in = buffer.assumingMemoryBound(to: Bytef.self)
            while pending < minimum, !descriptorAtEnd {
                let count = try descriptor.readSome(
                    into: UnsafeMutableRawBufferPointer(start: buffer + pending, count: Self.chunkSize - pending))
                if count == 0 { descriptorAtEnd = true } else { pending += count }
                stream.pointee.avail_in = UInt32(pending)
            }
            return pending >= minimum
        }
    }

    /// zlib's message for the last error, with the CRC and length checks named plainly.
    private func zlibMessage(_ status: Int32) -> String {
        guard let message = stream.pointee.msg.map({ String(cString: $0) }) else {
            return "zlib error \(status)"
        }
        switch message {
        case "incorrect data check": return "CRC-32 mismatch: checksum in the trailer is wrong (zlib: \(message))"
        case "incorrect length check":
            return "ISIZE mismatch: the trailer's length differs from the inflated length (zlib: \(message))"
        default: return message
        }
    }
}

import Glibc

/// A file being written: buffered `write(2)` calls, then `fsync(2)` and `close(2)` in
/// `finish()`. Every failure becomes `MNISTToolsError.cannotWrite` naming the path.
public final class OutputFile {
    public let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 20

    /// Creates `path` (which must not exist: `O_EXCL`), readable by all (0644 less umask).
    public init(creating path: String) throws {
        self.path = path
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw MNISTToolsError.cannotWrite(path: path, reason: systemErrorMessage(errno)) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > Self.bufferSize { try flush() }
        if bytes.count >= Self.bufferSize {
            try writeFully(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Writes what is buffered, flushes it to the disk and closes the file.
    public func finish() throws {
        try flush()
        guard fsync(descriptor) == 0 else { throw MNISTToolsError.cannotWrite(path: path, reason: systemErrorMessage(errno)) }
        let result = Glibc.close(descriptor)
        descriptor = -1
        guard result == 0 else { throw MNISTToolsError.cannotWrite(path: path, reason: systemErrorMessage(errno)) }
    }

    private func flush() throws {
        try buffer.withUnsafeBytes { try writeFully($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw MNISTToolsError.cannotWrite(path: path, reason: systemErrorMessage(errno))
            }
            offset += written
        }
    }
}

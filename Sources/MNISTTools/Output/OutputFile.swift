import Glibc

/// A file being written: buffered `write(2)` calls, then `fsync(2)` and `close(2)` in
/// `finish()`. Every failure (a full disk: "No space left on device"; a size limit: "File
/// too large") becomes `MNISTToolsError.cannotWrite` naming `path`.
public final class OutputFile {
    /// The path named in errors: the file's final name when it is written under a
    /// temporary one.
    public let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 20

    /// Creates `file` (which must not exist: `O_EXCL`), readable by all (0644 less umask).
    /// Errors name `shownPath` when given, else `file`.
    public init(creating file: String, reportingAs shownPath: String? = nil) throws {
        path = shownPath ?? file
        descriptor = Glibc.open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
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

    /// Writes what is buffered, flushes it to the disk and closes the file; once finished,
    /// calling it again does nothing. A file system may report a full disk only here, at
    /// `fsync` or `close`, rather than at `write`.
    public func finish() throws {
        guard descriptor >= 0 else { return }
        try flush()
        buffer = []
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

import Glibc

/// An open file descriptor, closed with `close(2)` when the last reference to it goes.
///
/// Wraps `open(2)`, `fstat(2)`, `read(2)` and `lseek(2)`; every failure becomes
/// `MNISTToolsError.cannotRead` naming the path and the system's message (`strerror(3)`).
final class FileDescriptor {
    /// The descriptor number.
    let rawValue: Int32
    /// The name used in error messages ("-" for standard input).
    let path: String
    private let closesOnDeinit: Bool

    /// Adopts `rawValue`; when `closesOnDeinit` is false (standard input) it is left open.
    init(rawValue: Int32, path: String, closesOnDeinit: Bool) {
        self.rawValue = rawValue
        self.path = path
        self.closesOnDeinit = closesOnDeinit
    }

    /// Standard input, which is never closed.
    static func standardInput() -> FileDescriptor {
        FileDescriptor(rawValue: STDIN_FILENO, path: "-", closesOnDeinit: false)
    }

    /// Opens `path` read-only with `open(2)` (`O_RDONLY | O_CLOEXEC`).
    static func open(path: String) throws -> FileDescriptor {
        while true {
            let raw = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if raw >= 0 { return FileDescriptor(rawValue: raw, path: path, closesOnDeinit: true) }
            let code = errno
            if code == EINTR { continue }
            throw MNISTToolsError.cannotRead(path: path, reason: systemErrorMessage(code))
        }
    }

    deinit {
        if closesOnDeinit { _ = Glibc.close(rawValue) }
    }

    /// The file's type and size, from `fstat(2)`.
    func status() throws -> FileStatus {
        var info = stat()
        guard fstat(rawValue, &info) == 0 else {
            throw MNISTToolsError.cannotRead(path: path, reason: systemErrorMessage(errno))
        }
        let type = info.st_mode & S_IFMT
        let kind: FileStatus.Kind = type == S_IFREG ? .regular : type == S_IFDIR ? .directory : .other
        return FileStatus(kind: kind, size: Int(info.st_size))
    }

    /// The current read position, from `lseek(2)`; nil where the descriptor cannot seek.
    func currentOffset() -> Int? {
        let offset = lseek(rawValue, 0, SEEK_CUR)
        return offset < 0 ? nil : Int(offset)
    }

    /// Reads at most `buffer.count` bytes with `read(2)`, retrying on `EINTR`; 0 means end of file.
    func readSome(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = Glibc.read(rawValue, base, buffer.count)
            if count >= 0 { return count }
            let code = errno
            if code == EINTR { continue }
            throw MNISTToolsError.cannotRead(path: path, reason: systemErrorMessage(code))
        }
    }

    /// Reads until `buffer` is full or the file ends; returns the number of bytes read.
    func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = try readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if count == 0 { break }
            filled += count
        }
        return filled
    }
}

/// What `fstat(2)` says about an open file: its kind and its size in bytes.
struct FileStatus {
    /// The kinds of file the opener treats differently.
    enum Kind { case regular, directory, other }
    let kind: Kind
    /// `st_size`: meaningful for regular files only.
    let size: Int
}

/// The system's description of an `errno` value, from `strerror(3)`.
func systemErrorMessage(_ code: Int32) -> String {
    guard let message = strerror(code) else { return "error \(code)" }
    return String(cString: message)
}

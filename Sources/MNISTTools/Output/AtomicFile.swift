import Glibc

/// Whole files written atomically: readers of the destination see either nothing (or the
/// old file) or the complete new one, never part of it, even if the program dies midway.
public enum AtomicFile {
    /// Writes `bytes` to `path`: first to `.<name>.tmp-<pid>` in the destination's folder,
    /// flushed with `fsync(2)`, then moved into place. With `overwrite` the move is a
    /// `rename(2)`, replacing any existing file; without it, an existing `path` is refused
    /// (`MNISTToolsError.outputExists`) both before writing and at the move itself (a
    /// `link(2)`, which never replaces, falling back to `rename(2)` on file systems without
    /// hard links). On any failure the temporary file is removed; errors name `path`.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws {
        let (parent, name) = splitPath(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw MNISTToolsError.cannotWrite(path: path, reason: "not a file name")
        }
        if !overwrite && exists(path) { throw MNISTToolsError.outputExists(path: path) }

        let temporary = parent + "/." + name + ".tmp-\(getpid())"
        _ = unlink(temporary)  // left by an earlier run that had this process id and crashed
        var placed = false
        defer { if !placed { _ = unlink(temporary) } }
        do {
            let file = try OutputFile(creating: temporary)
            try file.write(bytes)
            try file.finish()
        } catch let MNISTToolsError.cannotWrite(_, reason) {
            throw MNISTToolsError.cannotWrite(path: path, reason: reason)
        }

        if overwrite {
            guard rename(temporary, path) == 0 else {
                throw MNISTToolsError.cannotWrite(path: path, reason: systemErrorMessage(errno))
            }
        } else if link(temporary, path) == 0 {
            _ = unlink(temporary)
        } else {
            let code = errno
            switch code {
            case EEXIST:
                throw MNISTToolsError.outputExists(path: path)
            case EPERM, EOPNOTSUPP, EXDEV, EMLINK:
                // No hard links here: the existence check above has to do.
                guard !exists(path) else { throw MNISTToolsError.outputExists(path: path) }
                guard rename(temporary, path) == 0 else {
                    throw MNISTToolsError.cannotWrite(path: path, reason: systemErrorMessage(errno))
                }
            default:
                throw MNISTToolsError.cannotWrite(path: path, reason: systemErrorMessage(code))
            }
        }
        placed = true
        syncDirectory(parent)
    }

    /// Whether anything (a file, a folder, a dangling link) is at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

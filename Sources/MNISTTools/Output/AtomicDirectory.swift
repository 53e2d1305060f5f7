import Glibc

/// A folder written under a temporary name beside its destination and renamed into place
/// only when complete, so the destination holds either the old folder or the whole new
/// one, never part of one. If `commit()` is never reached, `abandon()` (or deinit)
/// removes the temporary folder.
public final class AtomicDirectory {
    /// Where the folder will be.
    public let destination: String
    /// Where its files are written until `commit()`.
    public let temporaryPath: String

    private let overwrite: Bool
    private var committed = false

    /// Starts a folder for `destination`. An existing destination (a file, a folder or a
    /// link) is refused unless `overwrite`; it is then replaced only at `commit()`.
    public init(destination: String, overwrite: Bool) throws {
        let trimmed = destination.hasSuffix("/") && destination.count > 1 ? String(destination.dropLast()) : destination
        self.destination = trimmed
        self.overwrite = overwrite
        var info = stat()
        if lstat(trimmed, &info) == 0 && !overwrite {
            throw MNISTToolsError.outputExists(path: trimmed)
        }
        let (parent, name) = splitPath(trimmed)
        temporaryPath = parent + "/." + name + ".tmp-\(getpid())"
        removeTree(temporaryPath)
        guard mkdir(temporaryPath, 0o755) == 0 else {
            throw MNISTToolsError.cannotWrite(path: trimmed, reason: systemErrorMessage(errno))
        }
        InterruptCleanup.register(temporaryPath)
    }

    deinit { abandon() }

    /// The path of `name` inside the temporary folder.
    public func path(for name: String) -> String { temporaryPath + "/" + name }

    /// Renames the finished folder into place, replacing an existing destination.
    public func commit() throws {
        var info = stat()
        let (parent, name) = splitPath(destination)
        let previous = parent + "/." + name + ".old-\(getpid())"
        let hadPrevious = lstat(destination, &info) == 0
        if hadPrevious {
            // Made by someone else since `init`: replace it only when asked to.
            guard overwrite else { throw MNISTToolsError.outputExists(path: destination) }
            removeTree(previous)
            guard rename(destination, previous) == 0 else {
                throw MNISTToolsError.cannotWrite(path: destination, reason: systemErrorMessage(errno))
            }
        }
        guard rename(temporaryPath, destination) == 0 else {
            let reason = systemErrorMessage(errno)
            if hadPrevious { _ = rename(previous, destination) }
            throw MNISTToolsError.cannotWrite(path: destination, reason: reason)
        }
        committed = true
        InterruptCleanup.unregister(temporaryPath)
        if hadPrevious { removeTree(previous) }
        syncDirectory(parent)
    }

    /// Removes the temporary folder and everything in it.
    public func abandon() {
        guard !committed else { return }
        removeTree(temporaryPath)
        InterruptCleanup.unregister(temporaryPath)
        committed = true
    }
}

/// ("parent", "name") of a path; the parent of a bare name is ".".
func splitPath(_ path: String) -> (String, String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let parent = String(path[..<slash])
    return (parent.isEmpty ? "/" : parent, String(path[path.index(after: slash)...]))
}

/// Deletes a file, a link (not what it points to) or a folder with everything in it: the
/// folders this tool writes hold no subfolders, but `--force` may replace any folder.
func removeTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    guard (info.st_mode & S_IFMT) == S_IFDIR, let directory = opendir(path) else {
        _ = unlink(path)
        return
    }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    closedir(directory)
    for name in names { removeTree(path + "/" + name) }
    _ = rmdir(path)
}

/// Flushes a folder's entries (a rename) to the disk.
func syncDirectory(_ path: String) {
    let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    _ = Glibc.close(descriptor)
}

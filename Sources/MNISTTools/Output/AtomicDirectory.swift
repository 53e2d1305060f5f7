import CLinuxCalls
import Glibc

/// A folder written under a temporary name beside its destination and renamed into place
/// only when complete, so the destination holds either the old folder or the whole new
/// one, never part of one. If `commit()` is never reached, `abandon()` (or deinit)
/// removes the temporary folder.
///
/// "The whole new one" is the folder as `commit()` found it: every file in it written and
/// flushed by its writer (`OutputFile.finish()`); for a dataset folder, `dataset.json` is
/// written last and records each file's SHA-256, so a reader can check the folder too.
public final class AtomicDirectory {
    /// Where the folder will be.
    public let destination: String
    /// Where its files are written until `commit()`.
    public let temporaryPath: String

    private let overwrite: Bool
    private var committed = false

    /// Starts a folder for `destination`. An existing destination (a file, a folder or a
    /// link) is refused unless `overwrite`; it is then replaced only at `commit()`.
    /// Temporaries of `destination` left by killed runs are removed first.
    public init(destination: String, overwrite: Bool) throws {
        let trimmed = destination.hasSuffix("/") && destination.count > 1 ? String(destination.dropLast()) : destination
        self.destination = trimmed
        self.overwrite = overwrite
        var info = stat()
        if lstat(trimmed, &info) == 0 && !overwrite {
            throw MNISTToolsError.outputExists(path: trimmed)
        }
        StaleTemporaries.remove(for: trimmed)
        temporaryPath = StaleTemporaries.path(for: trimmed)
        guard mkdir(temporaryPath, 0o755) == 0 else {
            throw MNISTToolsError.cannotWrite(path: trimmed, reason: systemErrorMessage(errno))
        }
        InterruptCleanup.register(temporaryPath)
    }

    deinit { abandon() }

    /// The path of `name` inside the temporary folder.
    public func path(for name: String) -> String { temporaryPath + "/" + name }

    /// Where `name` will be once committed: the path to name in messages.
    public func finalPath(for name: String) -> String { destination + "/" + name }

    /// Puts the finished folder in place, replacing an existing destination in one step.
    public func commit() throws {
        // The files were flushed one by one; their names live in the folder itself, which
        // must reach the disk before the rename makes it the destination, or a power cut
        // could leave a destination that lacks some of its files.
        try syncDirectory(temporaryPath, destination: destination)
        var info = stat()
        let replacing = lstat(destination, &info) == 0
        if replacing {
            // Made by someone else since `init`: replace it only when asked to.
            guard overwrite else { throw MNISTToolsError.outputExists(path: destination) }
            try replaceDestination()
        } else {
            guard rename(temporaryPath, destination) == 0 else {
                throw MNISTToolsError.cannotWrite(path: destination, reason: systemErrorMessage(errno))
            }
        }
        committed = true
        // The rename reaches the disk when the parent folder is flushed. A failure there is
        // not reported: the destination is in place and cannot be taken back, and a power
        // cut could at worst bring back the old folder, whole.
        try? syncDirectory(splitPath(destination).0, destination: destination)
        // After an exchange the temporary name holds the old folder: removed now, or by
        // the next run if this one is killed first.
        if replacing { removeTree(temporaryPath) }
        InterruptCleanup.unregister(temporaryPath)
    }

    /// Swaps the new folder and the existing destination in one step (`RENAME_EXCHANGE`),
    /// so that at no moment is the destination missing or partial. Where the file system
    /// cannot exchange (NFS, some FUSE systems), the old destination is first moved to
    /// `.NAME.old-PID`: a kill between the two renames then leaves no destination, with the
    /// old folder under that name and the new one under `.NAME.tmp-PID`.
    private func replaceDestination() throws {
        if clinux_rename_exchange(temporaryPath, destination) == 0 { return }
        guard errno == EINVAL || errno == ENOSYS || errno == ENOTSUP else {
            throw MNISTToolsError.cannotWrite(path: destination, reason: systemErrorMessage(errno))
        }
        let (parent, name) = splitPath(destination)
        let previous = parent + "/." + name + ".old-\(getpid())"
        removeTree(previous)
        guard rename(destination, previous) == 0 else {
            throw MNISTToolsError.cannotWrite(path: destination, reason: systemErrorMessage(errno))
        }
        guard rename(temporaryPath, destination) == 0 else {
            let reason = systemErrorMessage(errno)
            _ = rename(previous, destination)
            throw MNISTToolsError.cannotWrite(path: destination, reason: reason)
        }
        removeTree(previous)
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

/// Flushes a folder's entries (files created or renamed in it) to the disk; errors name
/// `destination`, the output this is for.
func syncDirectory(_ path: String, destination: String) throws {
    let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw MNISTToolsError.cannotWrite(path: destination, reason: systemErrorMessage(errno)) }
    defer { _ = Glibc.close(descriptor) }
    // Some file systems cannot flush a folder (EINVAL): they have nothing to flush.
    guard fsync(descriptor) == 0 || errno == EINVAL else {
        throw MNISTToolsError.cannotWrite(path: destination, reason: systemErrorMessage(errno))
    }
}

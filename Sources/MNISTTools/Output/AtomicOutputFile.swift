import Glibc

/// A file written under a temporary name beside its destination and renamed into place
/// when complete: the destination holds the old file or the whole new one, never part of
/// one. Without `commit()`, deinit removes the temporary file.
public final class AtomicOutputFile {
    public let destination: String
    public let temporaryPath: String
    /// Where the bytes go until `commit()`.
    public let file: OutputFile
    private let overwrite: Bool
    private var committed = false

    /// Refuses an existing destination unless `overwrite`.
    public init(destination: String, overwrite: Bool) throws {
        self.destination = destination
        self.overwrite = overwrite
        let (parent, name) = splitPath(destination)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw MNISTToolsError.cannotWrite(path: destination, reason: "not a file name")
        }
        var info = stat()
        if lstat(destination, &info) == 0 {
            guard overwrite else { throw MNISTToolsError.outputExists(path: destination) }
            guard (info.st_mode & S_IFMT) != S_IFDIR else {
                throw MNISTToolsError.cannotWrite(path: destination, reason: "it is a folder")
            }
        }
        temporaryPath = parent + "/." + name + ".tmp-\(getpid())"
        _ = unlink(temporaryPath)
        do {
            file = try OutputFile(creating: temporaryPath)
        } catch let MNISTToolsError.cannotWrite(_, reason) {
            throw MNISTToolsError.cannotWrite(path: destination, reason: reason)
        }
        InterruptCleanup.register(temporaryPath)
    }

    deinit {
        if !committed {
            _ = unlink(temporaryPath)
            InterruptCleanup.unregister(temporaryPath)
        }
    }

    /// Flushes the file to the disk and renames it into place.
    public func commit() throws {
        try file.finish()
        var info = stat()
        // Made by someone else since `init`: replace it only when asked to.
        guard overwrite || lstat(destination, &info) != 0 else { throw MNISTToolsError.outputExists(path: destination) }
        guard rename(temporaryPath, destination) == 0 else {
            throw MNISTToolsError.cannotWrite(path: destination, reason: systemErrorMessage(errno))
        }
        committed = true
        InterruptCleanup.unregister(temporaryPath)
        syncDirectory(splitPath(destination).0)
    }
}

import Glibc

/// A file written under a temporary name beside its destination and renamed into place
/// when complete: the destination holds the old file or the whole new one, never part of
/// one. Without `commit()`, deinit removes the temporary file.
///
/// The order that makes this hold through a power cut as well as a kill: write, `fsync`
/// the file (`finish()`), rename over the destination, `fsync` the folder. A rename is
/// atomic, but without the first `fsync` it could reach the disk before the data does
/// and leave an empty or partial destination after a crash.
public final class AtomicOutputFile {
    public let destination: String
    public let temporaryPath: String
    /// Where the bytes go until `commit()`; its errors name the destination.
    public let file: OutputFile
    private let overwrite: Bool
    private var committed = false

    /// Refuses an existing destination unless `overwrite`. Temporaries of `destination`
    /// left by killed runs are removed first.
    public init(destination: String, overwrite: Bool) throws {
        self.destination = destination
        self.overwrite = overwrite
        let (_, name) = splitPath(destination)
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
        StaleTemporaries.remove(for: destination)
        temporaryPath = StaleTemporaries.path(for: destination)
        file = try OutputFile(creating: temporaryPath, reportingAs: destination)
        InterruptCleanup.register(temporaryPath)
    }

    deinit {
        if !committed {
            _ = unlink(temporaryPath)
            InterruptCleanup.unregister(temporaryPath)
        }
    }

    /// Writes out what is buffered and flushes the file to the disk, without renaming it.
    public func finish() throws {
        try file.finish()
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
        // A failure to flush the folder is not reported: the file is in place and cannot be
        // taken back, and a power cut could at worst bring back the old file, whole.
        try? syncDirectory(splitPath(destination).0, destination: destination)
    }

    /// Puts several files in place together: all are written out and flushed before the
    /// first is renamed, so a failure while writing (a full disk, say) leaves none of them
    /// at its destination. (A rename writes no data, so it hardly ever fails; a kill among
    /// the renames leaves each destination old or new, whole.)
    public static func commit(_ files: [AtomicOutputFile]) throws {
        for output in files { try output.finish() }
        for output in files { try output.commit() }
    }
}

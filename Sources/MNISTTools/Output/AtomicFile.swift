import Glibc

/// Whole files written atomically: readers of the destination see either nothing (or the
/// old file) or the complete new one, never part of it, even if the program dies midway.
public enum AtomicFile {
    /// Writes `bytes` to `path` through an `AtomicOutputFile`: a temporary name in the
    /// destination's folder, flushed, then renamed into place. An existing `path` is
    /// refused unless `overwrite`; errors name `path`.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws {
        try stage(bytes, to: path, overwrite: overwrite).commit()
    }

    /// Writes `bytes` under a temporary name beside `path` and flushes them, without
    /// renaming: `AtomicOutputFile.commit(_:)` then puts several such files in place
    /// together. Released uncommitted, the file is removed.
    public static func stage(_ bytes: [UInt8], to path: String, overwrite: Bool) throws -> AtomicOutputFile {
        let output = try AtomicOutputFile(destination: path, overwrite: overwrite)
        try output.file.write(bytes)
        try output.finish()
        return output
    }

    /// Whether anything (a file, a folder, a dangling link) is at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}

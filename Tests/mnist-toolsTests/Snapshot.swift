import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What is at a path, contents included: compared before and after a command to show that
/// an output is exactly its old or its new self, and written back to set up a trial.
indirect enum Snapshot: Equatable, CustomStringConvertible {
    case absent
    case file(Data)
    case link(String)
    case folder([String: Snapshot])

    /// Reads `path` (a link is recorded, not followed).
    static func take(_ path: String) throws -> Snapshot {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .absent }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            var entries: [String: Snapshot] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: path) {
                entries[name] = try take(path + "/" + name)
            }
            return .folder(entries)
        case S_IFLNK:
            return .link(try FileManager.default.destinationOfSymbolicLink(atPath: path))
        default:
            return .file(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    /// Makes `path` hold this (removing what was there first).
    func write(to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        switch self {
        case .absent:
            return
        case let .file(data):
            try data.write(to: URL(fileURLWithPath: path))
        case let .link(target):
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        case let .folder(entries):
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            for (name, entry) in entries { try entry.write(to: path + "/" + name) }
        }
    }

    /// Bytes in the file, or in the files of the folder; nil when absent.
    var byteCount: Int? {
        switch self {
        case .absent: nil
        case let .file(data): data.count
        case .link: 0
        case let .folder(entries): entries.values.reduce(0) { $0 + ($1.byteCount ?? 0) }
        }
    }

    var description: String {
        switch self {
        case .absent: "nothing"
        case let .file(data): "a file of \(data.count) bytes"
        case let .link(target): "a link to \(target)"
        case let .folder(entries):
            "a folder of \(entries.count) entries (" + entries.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
        }
    }

    /// Bytes written so far at `path`: a file's size, or the sum of the sizes of the files
    /// in a folder (one level); nil when nothing is there. Cheap enough to poll.
    static func bytesWritten(at path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) == S_IFDIR, let directory = opendir(path) else { return Int(info.st_size) }
        defer { closedir(directory) }
        var total = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != "..", lstat(path + "/" + name, &info) == 0 { total += Int(info.st_size) }
        }
        return total
    }
}

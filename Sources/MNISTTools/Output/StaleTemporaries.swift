import Glibc
import Synchronization

/// Clears what killed runs left behind: the atomic writers keep an unfinished output under
/// `.NAME.tmp-PID` beside its destination, and SIGKILL (or a power cut) gives the program no
/// chance to remove it. The next write to the same destination removes every such temporary
/// whose process no longer exists.
///
/// A process that still exists may be writing: its temporaries are left alone (so is one
/// whose number now belongs to another program; it goes on a later run). A process on
/// another machine sharing the folder cannot be seen, so two machines writing the same
/// destination at once may fail one of the runs at its rename; no destination is harmed.
enum StaleTemporaries {
    /// For each folder listed so far: the stale temporaries found there, by destination name.
    /// A folder is listed once per process, so writing thousands of files into one folder
    /// (`export-png --range`) reads it once, not once per file.
    private static let found = Mutex<[String: [String: [String]]]>([:])

    /// The temporary name of `destination` for the process `processID`.
    static func path(for destination: String, processID: Int32 = getpid()) -> String {
        let (parent, name) = splitPath(destination)
        return parent + "/" + prefix(of: name) + String(processID)
    }

    /// Removes the temporaries of `destination` left by processes that are gone, and this
    /// process's own (left by an earlier process with the same number).
    static func remove(for destination: String) {
        let (parent, name) = splitPath(destination)
        let stale = found.withLock { folders in
            if folders[parent] == nil { folders[parent] = list(parent) }
            return folders[parent]?.removeValue(forKey: name) ?? []
        }
        for path in stale { removeTree(path) }
        removeTree(path(for: destination))
    }

    private static func prefix(of name: String) -> String { "." + name + ".tmp-" }

    /// The temporaries in `folder` whose process is gone, by the name they were for.
    private static func list(_ folder: String) -> [String: [String]] {
        guard let directory = opendir(folder) else { return [:] }
        defer { closedir(directory) }
        var stale: [String: [String]] = [:]
        while let entry = readdir(directory) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let (name, processID) = parse(entryName), processID != getpid(), !isRunning(processID) else { continue }
            stale[name, default: []].append(folder + "/" + entryName)
        }
        return stale
    }

    /// `.NAME.tmp-PID` → (NAME, PID); nil for any other name.
    static func parse(_ entryName: String) -> (name: String, processID: Int32)? {
        let digits = entryName.reversed().prefix { $0.isASCII && $0.isNumber }
        let rest = entryName.dropLast(digits.count)
        guard !digits.isEmpty, let processID = Int32(String(digits.reversed())), processID > 0,
              rest.hasPrefix("."), rest.hasSuffix(".tmp-"), rest.count > ".tmp-".count + 1 else { return nil }
        return (String(rest.dropFirst().dropLast(".tmp-".count)), processID)
    }

    /// Whether a process with this number exists (`kill(pid, 0)`: EPERM means it exists but
    /// belongs to someone else).
    private static func isRunning(_ processID: Int32) -> Bool {
        kill(processID, 0) == 0 || errno != ESRCH
    }
}

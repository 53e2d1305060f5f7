import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Writing when the disk fills up: every writing command stops with one clear line naming
/// the file and the cause, exit status 1, and leaves the folder exactly as it found it:
/// no partial file, no temporary, an old output untouched, no folder it made.
///
/// Two ways to run out of room, each on every command:
/// - a 1 MiB tmpfs, filled to within a few KiB ("No space left on device"); mounting needs
///   root (or CAP_SYS_ADMIN), so these tests are skipped, saying why, where that fails;
/// - a file size limit (`ulimit -f`, set through Python's `resource` module), which
///   works for any user ("File too large").
@Suite struct FullDiskTests {
    /// One writing command, with what it finds at its destination beforehand.
    enum Write: String, CaseIterable, Sendable, CustomStringConvertible {
        case convertToFolder, convertToPickle, split, exportSheet, exportDigits, trainSave

        var description: String { rawValue }

        func arguments(_ folder: String) -> [String] {
            let sample = DatasetCommandSupport.sample
            let force = previous.isEmpty ? [] : ["--force"]
            switch self {
            case .convertToFolder: return ["convert", sample, "-o", folder + "/out"] + force
            case .convertToPickle: return ["convert", sample, "-o", folder + "/out.pkl.gz", "--format", "pkl"] + force
            case .split: return ["split", sample, "-o", folder + "/split", "--merge", "--valid", "500"] + force
            case .exportSheet: return ["export-png", sample, "--range", "0..<100", "--grid", "10", "--scale", "4", "-o", folder + "/sheet.png"] + force
            case .exportDigits: return ["export-png", sample, "--range", "0..<40", "--scale", "8", "-o", folder + "/digits"] + force
            case .trainSave:
                return ["train", sample, "--model", "logreg", "--epochs", "1",
                        "--save", folder + "/model.npz", "--save-pickle", folder + "/model.pkl"] + force
            }
        }

        /// Outputs already there (replaced with --force), by name.
        var previous: [String: Snapshot] {
            switch self {
            case .convertToFolder:
                [
                    "out": .folder(["dataset.json": .file(Data("{\"previous\": true}\n".utf8)),
                                    "train-images-idx3-ubyte": .file(Data(repeating: 7, count: 4096))]),
                ]
            case .exportSheet: ["sheet.txt": .file(Data("0 0 0 5\n".utf8))]
            case .trainSave: ["model.npz": .file(Data(String(repeating: "previous model\n", count: 100).utf8))]
            case .convertToPickle, .split, .exportDigits: [:]
            }
        }

        /// Free bytes left on the tmpfs: for `train`, room for the first of its two files
        /// but not the second, so that the first, already written, must go too.
        var free: Int { self == .trainSave ? 48 << 10 : 16 << 10 }

        /// The start of the error message: the file whose write failed.
        func failedFile(_ folder: String) -> String {
            switch self {
            case .convertToFolder: folder + "/out/train-images-idx3-ubyte: "
            case .convertToPickle: folder + "/out.pkl.gz: "
            case .split: folder + "/split/train-images-idx3-ubyte: "
            case .exportSheet: folder + "/sheet.png: "
            case .exportDigits: folder + "/digits/train-"
            case .trainSave: folder + "/model."
            }
        }
    }

    /// Why a tmpfs cannot be mounted here, or nil when it can (found once, by trying).
    static let tmpfsUnavailable: String? = {
        do {
            let folder = try DatasetCommandSupport.makeFolder()
            defer { DatasetCommandSupport.remove(folder) }
            _ = try SmallDisk(at: folder + "/disk")
            return nil
        } catch {
            print("FullDiskTests: skipping the tmpfs tests: \(error)")
            return "\(error)"
        }
    }()

    @Test(.enabled(if: tmpfsUnavailable == nil, "a tmpfs cannot be mounted here (mount needs root or CAP_SYS_ADMIN)"),
          arguments: Write.allCases)
    func fullTmpfs(_ write: Write) throws {
        let work = try DatasetCommandSupport.makeFolder()
        defer { DatasetCommandSupport.remove(work) }
        let disk = try SmallDisk(at: work + "/disk")
        try Self.check(write, in: disk.path, reason: "No space left on device", prepare: { try disk.fill(leaving: write.free) }) { arguments in
            try SpawnedTool(CommandRunner.binary.path, arguments, outputFolder: work)
        }
    }

    @Test(arguments: Write.allCases)
    func fileSizeLimit(_ write: Write) throws {
        let work = try DatasetCommandSupport.makeFolder()
        defer { DatasetCommandSupport.remove(work) }
        let folder = work + "/out"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        // Python ignores SIGXFSZ and would pass that on: the tool gets the default action,
        // as from a shell, so the test also shows that the tool ignores it itself.
        let shim = """
            import os, resource, signal, sys
            limit = int(sys.argv[1])
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
            os.execv(sys.argv[2], sys.argv[2:])
            """
        try Self.check(write, in: folder, reason: "File too large", prepare: {}) { arguments in
            try SpawnedTool("/usr/bin/env", ["python3", "-c", shim, "400", CommandRunner.binary.path] + arguments, outputFolder: work)
        }
    }

    /// Puts the previous outputs in `folder`, calls `prepare`, runs the command through
    /// `start` and checks the error and that `folder` is as it was.
    static func check(_ write: Write, in folder: String, reason: String, prepare: () throws -> Void,
                      start: ([String]) throws -> SpawnedTool) throws {
        for (name, snapshot) in write.previous { try snapshot.write(to: folder + "/" + name) }
        try prepare()
        let before = try Snapshot.take(folder)
        let tool = try start(write.arguments(folder))
        #expect(tool.wait() == .exited(1))
        let message = tool.standardError
        #expect(message.hasPrefix("mnist-tools: error: " + write.failedFile(folder)) && message.hasSuffix(": cannot write: \(reason)\n")
                && message.filter { $0 == "\n" }.count == 1, "\(message)")
        let after = try Snapshot.take(folder)
        #expect(after == before, "the folder changed: it holds \((try? DatasetCommandSupport.names(in: folder)) ?? [])")
    }
}

/// A 1 MiB tmpfs mounted for one test and unmounted when released.
final class SmallDisk {
    let path: String

    /// Mounts it at `path` (created); throws, saying why, where mounting is not allowed.
    init(at path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        guard mount("tmpfs", path, "tmpfs", 0, "size=1m,mode=0755") == 0 else {
            let reason = String(cString: strerror(errno))
            rmdir(path)
            throw MountFailure(description: "mount -t tmpfs -o size=1m on \(path): \(reason)")
        }
    }

    deinit {
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }

    /// Writes a file that takes all the free space but `free` bytes.
    func fill(leaving free: Int) throws {
        var info = statvfs()
        statvfs(path, &info)
        let available = Int(info.f_bavail) * Int(info.f_frsize)
        try Data(repeating: 0xAA, count: max(available - free, 0)).write(to: URL(fileURLWithPath: path + "/filler"))
    }

    struct MountFailure: Error, CustomStringConvertible {
        let description: String
    }
}

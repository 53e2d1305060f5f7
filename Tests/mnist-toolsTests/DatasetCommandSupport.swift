import Foundation
import Testing

/// Helpers shared by the `convert` and `split` tests: temporary folders, `python3` runs
/// (NumPy as the reference client), `sha256sum`, reading `dataset.json`, and listing what a
/// command left beside its destination.
enum DatasetCommandSupport {
    static let sample = CommandRunner.fixture("mnist-sample.pkl.gz")
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"
    static var hasFashionMNIST: Bool {
        FileManager.default.fileExists(atPath: fashionMNIST + "/train-images-idx3-ubyte.gz")
    }

    /// A fresh temporary folder; remove it with `remove`.
    static func makeFolder() throws -> String {
        try CommandRunner.temporaryFolder().path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    static func contents(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The names in `folder`, hidden ones included, sorted.
    static func names(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    /// Names in the destination's folder that a write to `destination` could have left:
    /// the destination itself and `.NAME.tmp-*` / `.NAME.old-*`.
    static func leftovers(of destination: String) throws -> [String] {
        let url = URL(fileURLWithPath: destination)
        let name = url.lastPathComponent
        return try names(in: url.deletingLastPathComponent().path).filter {
            $0 == name || $0.hasPrefix(".\(name).tmp-") || $0.hasPrefix(".\(name).old-")
        }
    }

    /// Runs `python3 -c SCRIPT ARGUMENTS…` with `np`, `json`, `pickle`, `gzip`, `sys`, `struct`
    /// and `os` imported, and returns its standard output; fails the test on a non-zero exit.
    @discardableResult
    static func python(_ script: String, _ arguments: [String] = []) throws -> String {
        try runTool(["python3", "-c", "import numpy as np, json, pickle, gzip, sys, struct, os\n" + script] + arguments)
    }

    /// Runs a script that prints one JSON document, and parses it.
    static func pythonJSON(_ script: String, _ arguments: [String] = []) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try python(script, arguments).utf8), options: [.fragmentsAllowed])
    }

    /// `sha256sum FILE`'s digest.
    static func sha256sum(_ path: String) throws -> String {
        String(try runTool(["sha256sum", path]).prefix(64))
    }

    /// Runs `/usr/bin/env ARGUMENTS…`; its standard output, or a thrown error with its
    /// standard error.
    static func runTool(_ arguments: [String]) throws -> String {
        let folder = try makeFolder()
        defer { remove(folder) }
        let outputPath = folder + "/stdout", errorPath = folder + "/stderr"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        process.waitUntilExit()
        let error = String(decoding: try contents(errorPath), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ToolFailure(description: "\(arguments.prefix(2).joined(separator: " ")) exited with \(process.terminationStatus): \(error)")
        }
        return String(decoding: try contents(outputPath), as: UTF8.self)
    }

    struct ToolFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// `dataset.json` of the folder at `path`, as Foundation objects.
    static func manifest(_ folder: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: contents(folder + "/dataset.json")) as? [String: Any])
    }

    /// The manifest's splits, in order.
    static func splits(_ manifest: [String: Any]) throws -> [[String: Any]] {
        try #require(manifest["splits"] as? [[String: Any]])
    }

    /// `images.sha256` or `labels.sha256` of a manifest split, with its file name.
    static func file(_ split: [String: Any], _ kind: String) throws -> (name: String, sha256: String) {
        let entry = try #require(split[kind] as? [String: Any])
        return (try #require(entry["file"] as? String), try #require(entry["sha256"] as? String))
    }

    /// Writes a small IDX dataset with LeCun's names into `folder`: `train` and `t10k`
    /// images (ubyte, `count`×rows×columns) and labels (ubyte), from a fixed seed.
    static func writeIDXFolder(_ folder: String, trainCount: Int = 7, testCount: Int = 3, rows: Int = 4, columns: Int = 5, seed: Int = 2) throws {
        try python("""
            folder, n_train, n_test, rows, columns, seed = sys.argv[1], *map(int, sys.argv[2:])
            r = np.random.default_rng(seed)
            def idx(path, a):
                with open(os.path.join(folder, path), 'wb') as f:
                    f.write(struct.pack('>BBBB', 0, 0, 8, a.ndim) + struct.pack('>' + 'I' * a.ndim, *a.shape) + a.tobytes())
            for prefix, n in (('train', n_train), ('t10k', n_test)):
                idx(prefix + '-images-idx3-ubyte', r.integers(0, 256, (n, rows, columns), dtype=np.uint8))
                idx(prefix + '-labels-idx1-ubyte', (np.arange(n) % 10).astype(np.uint8)[r.permutation(n)])
            """, [folder, String(trainCount), String(testCount), String(rows), String(columns), String(seed)])
    }

    /// Writes `((x, y), (x2, y2))` with `pickle.dumps(..., protocol=2)` to `path`, where the
    /// Python expression `make` (given `r`, a seeded generator) returns that value.
    static func writePickle(_ path: String, _ make: String) throws {
        try python("""
            r = np.random.default_rng(5)
            value = \(make)
            open(sys.argv[1], 'wb').write(pickle.dumps(value, protocol=2))
            """, [path])
    }

    /// The labels of `split` in a classic pickle, in file order.
    static func pickleLabels(_ path: String, split: Int) throws -> [Int] {
        try #require(try pythonJSON("""
            opener = gzip.open if open(sys.argv[1], 'rb').read(2) == b'\\x1f\\x8b' else open
            print(json.dumps(pickle.load(opener(sys.argv[1], 'rb'), encoding='latin1')[int(sys.argv[2])][1].tolist()))
            """, [path, String(split)]) as? [Int])
    }

    /// The labels of `file` (IDX or NPY) in a dataset folder.
    static func folderLabels(_ path: String) throws -> [Int] {
        try #require(try pythonJSON("""
            p = sys.argv[1]
            if p.endswith('.npy'):
                a = np.load(p)
            else:
                b = open(p, 'rb').read()
                assert b[:4] == b'\\x00\\x00\\x08\\x01', b[:4]
                a = np.frombuffer(b, dtype=np.uint8, offset=8)
            print(json.dumps(a.tolist()))
            """, [path]) as? [Int])
    }
}

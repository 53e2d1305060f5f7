import Foundation
import Glibc
import Pickle
import Testing
@testable import MNISTTools

/// Dataset folders: writing and reading back, `dataset.json` and its parse errors, the JSON
/// parser underneath, and `AtomicDirectory`, which makes the folder appear all at once.
@Suite struct DatasetFolderTests {
    static func makeFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mnist-folder-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static func names(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A dataset of two splits, byte pixels (divisor 256) or float32.
    static func dataset(floats: Bool = false) throws -> Dataset {
        func split(_ name: String, _ labels: [Int]) throws -> DatasetSplit {
            let pixelCount = labels.count * 6
            let pixels: ImageBlock.Pixels = floats
                ? .float32((0..<pixelCount).map { Float($0) / 3 }.withUnsafeBytes { ByteSlice(copying: $0) })
                : .bytes(ByteSlice(copying: (0..<pixelCount).map { UInt8($0 % 256) }), divisor: 256)
            let images = try ImageBlock(count: labels.count, rows: 2, columns: 3, pixels: pixels, source: name, field: "images")
            return try DatasetSplit(name: name, images: images, labels: LabelBlock(values: labels), source: name)
        }
        return Dataset(splits: [try split("train", [0, 1, 2, 1, 0]), try split("test", [2, 2, 300])])
    }

    // MARK: Writing and reading

    @Test(arguments: DatasetFolderWriter.FileFormat.allCases)
    func writesAndReadsBack(format: DatasetFolderWriter.FileFormat) throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        for floats in format == .npy ? [false, true] : [false] {
            let output = folder + "/out-\(floats)"
            let original = try Self.dataset(floats: floats)
            let manifest = try DatasetFolderWriter.write(original, to: output, format: format, sourcePath: "in.pkl",
                                                        sourceSHA256: { "abc" }, overwrite: false)
            #expect(manifest.fileFormat == format.rawValue)
            #expect(manifest.classCount == 301)
            #expect(manifest.sourceSHA256 == "abc")
            #expect(manifest.splits.map(\.name) == ["train", "test"])
            #expect(manifest.splits.map(\.classCounts) == [[2, 2, 1], [0, 0, 2] + Array(repeating: 0, count: 297) + [1]])
            #expect(manifest.splits.map(\.divisor) == (floats ? [nil, nil] : [256, 256]))
            // The manifest on disk is the one returned, and each sha256 is the file's.
            let read = try DatasetFolder.readManifest(output + "/dataset.json")
            #expect(read == manifest)
            for split in manifest.splits {
                for (file, digest) in [(split.imagesFile, split.imagesSHA256), (split.labelsFile, split.labelsSHA256)] {
                    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output + "/" + file)))
                    #expect(bytes.withUnsafeBytes { SHA256.hex($0) } == digest, "\(file)")
                }
            }
            let back = try DatasetFolder.read(path: output)
            #expect(back.splits.map(\.name) == ["train", "test"])
            for (a, b) in zip(original.splits, back.splits) {
                #expect(a.labels.values == b.labels.values)
                #expect((0..<a.count).allSatisfy { image in (0..<6).allSatisfy { a.images.value(image: image, pixel: $0) == b.images.value(image: image, pixel: $0) } })
                switch (a.images.pixels, b.images.pixels) {
                case let (.bytes(_, d1), .bytes(_, d2)): #expect(d1 == d2)
                case (.float32, .float32): break
                default: Issue.record("pixel storage changed")
                }
            }
            #expect(try Self.names(folder).filter { $0.hasPrefix(".") }.isEmpty)
        }
    }

    @Test func idxRefusesFloatPixelsBeforeCreatingAnything() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        #expect(throws: MNISTToolsError.invalidData(
            path: "in.pkl", field: "train images",
            reason: "pixels are not all multiples of 1/256 or 1/255, so bytes would lose precision; use --format npy to keep float32, or --quantize")) {
            try DatasetFolderWriter.write(try Self.dataset(floats: true), to: folder + "/out", format: .idx, sourcePath: "in.pkl",
                                          sourceSHA256: { nil }, overwrite: false)
        }
        #expect(try Self.names(folder).isEmpty)
    }

    @Test func failingChecksumLeavesNothing() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        struct Gone: Error {}
        #expect(throws: Gone.self) {
            try DatasetFolderWriter.write(try Self.dataset(), to: folder + "/out", format: .npy, sourcePath: "in.pkl",
                                          sourceSHA256: { throw Gone() }, overwrite: false)
        }
        #expect(try Self.names(folder).isEmpty)
    }

    @Test func readRefusesFilesThatDisagreeWithTheManifest() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        let output = folder + "/out"
        try DatasetFolderWriter.write(try Self.dataset(), to: output, format: .idx, sourcePath: "in", sourceSHA256: { nil }, overwrite: false)
        let manifestPath = output + "/dataset.json"
        let text = try String(contentsOfFile: manifestPath, encoding: .utf8)
        try Self.write(text.replacingOccurrences(of: "\"count\": 5", with: "\"count\": 4"), to: manifestPath)
        #expect(throws: MNISTToolsError.invalidData(
            path: output + "/train-images-idx3-ubyte", field: "header",
            reason: "the manifest promises 4×2×3 uint8, the file holds [5, 2, 3] |u1")) {
            try DatasetFolder.read(path: output)
        }
        try Self.write(text, to: manifestPath)
        try FileManager.default.removeItem(atPath: output + "/t10k-labels-idx1-ubyte")
        #expect(throws: MNISTToolsError.self) { try DatasetFolder.read(path: output) }
        do {
            _ = try DatasetFolder.read(path: output)
        } catch {
            #expect("\(error)".hasPrefix(output + "/t10k-labels-idx1-ubyte: cannot read"), "\(error)")
        }
        try Self.write("{\"format\": ", to: manifestPath)
        #expect(throws: MNISTToolsError.invalidData(path: manifestPath, field: "JSON", reason: "invalid JSON at byte 11: unexpected end of input")) {
            try DatasetFolder.read(path: output)
        }
        try Self.write("", to: manifestPath)
        #expect(throws: MNISTToolsError.self) { try DatasetFolder.read(path: output) }
    }

    // MARK: Manifest parse errors

    /// A valid manifest's JSON text, to be broken one field at a time.
    static let validManifest = """
        {"format": "mnist-tools dataset", "version": 1, "file_format": "idx", "classes": 10,
         "source": {"path": "in.pkl", "sha256": null},
         "splits": [{"name": "train", "count": 5, "rows": 28, "columns": 28, "pixels": {"dtype": "uint8", "divisor": 255},
                     "images": {"file": "train-images-idx3-ubyte", "sha256": "aa"},
                     "labels": {"file": "train-labels-idx1-ubyte", "sha256": "bb"},
                     "class_counts": [1, 2, 2]}]}
        """

    static func parse(_ text: String) throws -> DatasetManifest {
        try DatasetManifest(json: try JSONParser.parse(Array(text.utf8)), path: "m.json")
    }

    @Test func parsesAValidManifest() throws {
        let manifest = try Self.parse(Self.validManifest)
        #expect(manifest.fileFormat == "idx")
        #expect(manifest.classCount == 10)
        #expect(manifest.sourcePath == "in.pkl")
        #expect(manifest.sourceSHA256 == nil)
        let split = try #require(manifest.splits.first)
        #expect(split.name == "train")
        #expect(split.count == 5)
        #expect(split.divisor == 255)
        #expect(split.classCounts == [1, 2, 2])
        // What `json()` writes parses back to the same manifest.
        #expect(try Self.parse(manifest.json().formatted()) == manifest)
        // float32 pixels need no divisor (and keep none).
        let floats = try Self.parse(Self.validManifest.replacingOccurrences(of: "\"dtype\": \"uint8\", \"divisor\": 255", with: "\"dtype\": \"float32\""))
        #expect(floats.splits.first?.pixelType == "float32")
        #expect(floats.splits.first?.divisor == nil)
    }

    static let brokenManifests: [(String, String, String, String)] = [
        ("\"format\": \"mnist-tools dataset\"", "\"format\": \"other\"", "format", "expected \"mnist-tools dataset\""),
        ("\"version\": 1", "\"version\": 2", "version", "expected 1, the only version this tool writes"),
        ("\"file_format\": \"idx\"", "\"file_format\": \"pkl\"", "file_format", "expected \"idx\" or \"npy\""),
        ("\"classes\": 10", "\"classes\": -1", "classes", "expected a whole number"),
        ("\"classes\": 10", "\"classes\": 2.5", "classes", "expected a whole number"),
        ("\"path\": \"in.pkl\"", "\"path\": 3", "source.path", "expected a string"),
        ("\"sha256\": null}", "\"sha256\": 5}", "source.sha256", "expected a string or null"),
        ("\"splits\": [", "\"splits\": 5, \"x\": [", "splits", "expected a list"),
        ("\"dtype\": \"uint8\"", "\"dtype\": \"int8\"", "splits[0].pixels.dtype", "expected \"uint8\" or \"float32\""),
        ("\"divisor\": 255", "\"divisor\": 0", "splits[0].pixels.divisor", "expected a positive whole number"),
        (", \"divisor\": 255", "", "splits[0].pixels.divisor", "expected a positive whole number"),
        ("\"name\": \"train\"", "\"name\": \"../x\"", "splits[0].name", "expected a split name of letters, digits, '_' or '-'"),
        ("\"name\": \"train\"", "\"name\": \"\"", "splits[0].name", "expected a split name of letters, digits, '_' or '-'"),
        ("\"count\": 5", "\"count\": \"5\"", "splits[0].count", "expected a whole number"),
        ("\"rows\": 28", "\"rows\": 1e300", "splits[0].rows", "expected a whole number"),
        ("\"columns\": 28", "\"columns\": null", "splits[0].columns", "expected a whole number"),
        ("\"file\": \"train-images-idx3-ubyte\"", "\"file\": \"../train-images-idx3-ubyte\"", "splits[0].images.file", "expected a file name inside the folder"),
        ("\"file\": \"train-images-idx3-ubyte\"", "\"file\": \"/etc/passwd\"", "splits[0].images.file", "expected a file name inside the folder"),
        ("\"file\": \"train-labels-idx1-ubyte\"", "\"file\": \".hidden\"", "splits[0].labels.file", "expected a file name inside the folder"),
        ("\"sha256\": \"aa\"", "\"sha256\": [\"aa\"]", "splits[0].images.sha256", "expected a string"),
        ("\"sha256\": \"bb\"", "\"sha256\": false", "splits[0].labels.sha256", "expected a string"),
        ("\"class_counts\": [1, 2, 2]", "\"class_counts\": 5", "splits[0].class_counts", "expected a list of whole numbers"),
        ("\"class_counts\": [1, 2, 2]", "\"class_counts\": [1, \"2\", 2]", "splits[0].class_counts", "expected a list of whole numbers"),
        ("\"class_counts\": [1, 2, 2]", "\"class_counts\": [1, -2, 2]", "splits[0].class_counts", "expected a list of whole numbers"),
    ]

    @Test func manifestErrorsNameTheField() throws {
        for (original, replacement, field, reason) in Self.brokenManifests {
            let text = Self.validManifest.replacingOccurrences(of: original, with: replacement)
            #expect(text != Self.validManifest, "\(original) not found")
            #expect(throws: MNISTToolsError.invalidData(path: "m.json", field: field, reason: reason), "\(replacement)") {
                try Self.parse(text)
            }
        }
        for missing in ["\"format\": \"mnist-tools dataset\", ", "\"version\": 1, ", "\"file_format\": \"idx\", ", "\"classes\": 10,"] {
            #expect(throws: MNISTToolsError.self, "without \(missing)") { try Self.parse(Self.validManifest.replacingOccurrences(of: missing, with: "")) }
        }
        #expect(throws: MNISTToolsError.invalidData(path: "m.json", field: "format", reason: "expected \"mnist-tools dataset\"")) {
            try Self.parse("[1, 2]")
        }
    }

    @Test func manifestRefusesTwoSplitsOfOneName() throws {
        let split = """
            {"name": "train", "count": 5, "rows": 28, "columns": 28, "pixels": {"dtype": "float32"},
             "images": {"file": "a", "sha256": "aa"}, "labels": {"file": "b", "sha256": "bb"}, "class_counts": []}
            """
        let text = Self.validManifest.replacingOccurrences(of: "\"splits\": [", with: "\"splits\": [\(split), ")
        #expect(throws: MNISTToolsError.invalidData(path: "m.json", field: "splits[1].name", reason: "a second split called 'train'")) {
            try Self.parse(text)
        }
    }

    // MARK: JSON parser

    static func json(_ text: String) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func parsesJSON() throws {
        #expect(try Self.json(" {\"a\": [1, -0.5e-3, 2E+2, 0, -0, true, false, null], \"b\": {}} ")
                == .object([("a", .array([.number(1), .number(-0.0005), .number(200), .number(0), .number(-0.0), .bool(true), .bool(false), .null])),
                            ("b", .object([]))]))
        #expect(try Self.json("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 é\"") == .string("\"\\/\u{08}\u{0C}\n\r\té😀 é"))
        #expect(try Self.json("[]") == .array([]))
        #expect(try Self.json("123456789012345678901234567890") == .number(1.2345678901234568e29))
        // Nesting up to the limit is fine.
        #expect(throws: Never.self) { try Self.json(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) }
    }

    @Test(arguments: [
        ("", 0, "unexpected end of input"),
        ("   ", 3, "unexpected end of input"),
        ("{", 1, "expected a member name"),
        ("{\"a\" 1}", 5, "expected ':'"),
        ("{\"a\": 1,}", 8, "expected a member name"),
        ("{\"a\": 1 \"b\": 2}", 8, "expected ',' or '}'"),
        ("{\"a\": 1", 7, "unexpected end of input in an object"),
        ("[1, 2", 5, "unexpected end of input in an array"),
        ("[1 2]", 3, "expected ',' or ']'"),
        ("[1,]", 3, "expected a value"),
        ("[1] x", 4, "unexpected text after the document"),
        ("tru", 0, "expected true"),
        ("nul", 0, "expected null"),
        ("\"abc", 4, "unterminated string"),
        ("\"a\nb\"", 3, "control character in a string"),
        ("\"\\x\"", 3, "invalid escape"),
        ("\"\\", 2, "unterminated escape"),
        ("\"\\u12\"", 3, "truncated \\u escape"),
        ("\"\\u12g4\"", 6, "invalid hexadecimal digit"),
        ("\"\\udc00\"", 7, "lone surrogate in a string"),
        ("\"\\ud800\"", 7, "lone surrogate in a string"),
        ("\"\\ud800\\u0041\"", 13, "invalid surrogate pair"),
        ("+1", 0, "expected a value"),
        ("01", 0, "expected a value"),
        ("-01", 0, "expected a value"),
        ("1.", 0, "expected a value"),
        (".5", 0, "expected a value"),
        ("-", 0, "expected a value"),
        ("1e", 0, "expected a value"),
        ("1e+", 0, "expected a value"),
        ("1e999", 0, "expected a value"),
        ("[-]", 1, "expected a value"),
        ("NaN", 0, "expected a value"),
        ("Infinity", 0, "expected a value"),
        ("0x10", 1, "unexpected text after the document"),
    ] as [(String, Int, String)])
    func refusesBadJSON(text: String, offset: Int, reason: String) {
        do {
            let value = try Self.json(text)
            Issue.record("\(text.debugDescription) parsed as \(value)")
        } catch {
            #expect(error.offset == offset, "\(text.debugDescription)")
            #expect(error.reason == reason, "\(text.debugDescription)")
            #expect(error.description == "invalid JSON at byte \(offset): \(reason)")
        }
    }

    @Test func refusesDeepNesting() {
        do {
            _ = try Self.json(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))
            Issue.record("65 levels parsed")
        } catch {
            #expect(error.reason == "nested deeper than 64 levels")
            #expect(error.offset == 64)
        }
        // Far deeper input is refused just the same, without exhausting the stack.
        #expect(throws: JSONParser.Failure.self) { try Self.json(String(repeating: "{\"a\":", count: 1_000_000)) }
    }

    // MARK: AtomicDirectory

    @Test func atomicDirectoryAppearsOnlyAtCommit() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        let destination = folder + "/out"
        let directory = try AtomicDirectory(destination: destination, overwrite: false)
        #expect(directory.destination == destination)
        #expect(directory.temporaryPath == folder + "/.out.tmp-\(getpid())")
        #expect(directory.path(for: "a") == directory.temporaryPath + "/a")
        try Self.write("hello", to: directory.path(for: "a"))
        #expect(try Self.names(folder) == [".out.tmp-\(getpid())"])
        try directory.commit()
        #expect(try Self.names(folder) == ["out"])
        #expect(try Self.names(destination) == ["a"])
        // After a commit, abandoning (or deinit) removes nothing.
        directory.abandon()
        #expect(try Self.names(destination) == ["a"])
    }

    @Test func abandonedOrReleasedDirectoryLeavesNothing() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        let directory = try AtomicDirectory(destination: folder + "/out", overwrite: false)
        try Self.write("x", to: directory.path(for: "a"))
        directory.abandon()
        #expect(try Self.names(folder).isEmpty)
        do {
            let released = try AtomicDirectory(destination: folder + "/out", overwrite: false)
            try Self.write("x", to: released.path(for: "a"))
            let names = try Self.names(folder)
            withExtendedLifetime(released) {}
            #expect(names.count == 1)
        }
        #expect(try Self.names(folder).isEmpty)
    }

    @Test func atomicDirectoryRefusesAnExistingDestinationUnlessOverwriting() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        let destination = folder + "/out"
        try FileManager.default.createDirectory(atPath: destination + "/sub/deeper", withIntermediateDirectories: true)
        try Self.write("old", to: destination + "/old.txt")
        try Self.write("old", to: destination + "/sub/deeper/old.txt")
        #expect(throws: MNISTToolsError.outputExists(path: destination)) { try AtomicDirectory(destination: destination, overwrite: false) }
        #expect(throws: MNISTToolsError.outputExists(path: destination)) { try AtomicDirectory(destination: destination + "/", overwrite: false) }
        #expect(try Self.names(folder) == ["out"])

        let directory = try AtomicDirectory(destination: destination + "/", overwrite: true)
        #expect(directory.destination == destination)
        try Self.write("new", to: directory.path(for: "new.txt"))
        // Until the commit, the old folder is untouched.
        #expect(try Self.names(destination) == ["old.txt", "sub"])
        try directory.commit()
        #expect(try Self.names(destination) == ["new.txt"])
        // The old folder, subfolders included, is gone: nothing is left beside the new one.
        #expect(try Self.names(folder) == ["out"])
    }

    @Test func atomicDirectoryReplacesAFileOrALinkButNotWhatItPointsTo() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        try Self.write("a file", to: folder + "/file")
        let overFile = try AtomicDirectory(destination: folder + "/file", overwrite: true)
        try overFile.commit()
        #expect(try Self.names(folder + "/file").isEmpty)

        try FileManager.default.createDirectory(atPath: folder + "/target", withIntermediateDirectories: true)
        try Self.write("keep", to: folder + "/target/keep.txt")
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/target")
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling", withDestinationPath: folder + "/nowhere")
        #expect(throws: MNISTToolsError.outputExists(path: folder + "/link")) { try AtomicDirectory(destination: folder + "/link", overwrite: false) }
        #expect(throws: MNISTToolsError.outputExists(path: folder + "/dangling")) { try AtomicDirectory(destination: folder + "/dangling", overwrite: false) }
        let overLink = try AtomicDirectory(destination: folder + "/link", overwrite: true)
        try Self.write("new", to: overLink.path(for: "new.txt"))
        try overLink.commit()
        #expect(try Self.names(folder + "/target") == ["keep.txt"])
        #expect(try Self.names(folder + "/link") == ["new.txt"])
        #expect(try Self.names(folder) == ["dangling", "file", "link", "target"])
    }

    /// Something that appears at the destination while the folder is written is not
    /// replaced without `overwrite`.
    @Test func commitRefusesADestinationThatAppearedMeanwhile() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        let directory = try AtomicDirectory(destination: folder + "/out", overwrite: false)
        try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
        try Self.write("theirs", to: folder + "/out/theirs.txt")
        #expect(throws: MNISTToolsError.outputExists(path: folder + "/out")) { try directory.commit() }
        directory.abandon()
        #expect(try Self.names(folder) == ["out"])
        #expect(try Self.names(folder + "/out") == ["theirs.txt"])
    }

    /// A temporary folder left by a killed run with this process id is cleared first.
    @Test func staleTemporaryFolderIsCleared() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        let stale = folder + "/.out.tmp-\(getpid())"
        try FileManager.default.createDirectory(atPath: stale + "/sub", withIntermediateDirectories: true)
        try Self.write("stale", to: stale + "/partial")
        let directory = try AtomicDirectory(destination: folder + "/out", overwrite: false)
        #expect(try Self.names(directory.temporaryPath).isEmpty)
        try directory.commit()
        #expect(try Self.names(folder + "/out").isEmpty)
        #expect(try Self.names(folder) == ["out"])
    }

    @Test func missingParentIsReportedAgainstTheDestination() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        let destination = folder + "/missing/out"
        #expect(throws: MNISTToolsError.cannotWrite(path: destination, reason: "No such file or directory")) {
            try AtomicDirectory(destination: destination, overwrite: false)
        }
        #expect(throws: MNISTToolsError.cannotWrite(path: destination, reason: "No such file or directory")) {
            try AtomicOutputFile(destination: destination, overwrite: false)
        }
    }

    @Test func atomicOutputFileAppearsOnlyAtCommit() throws {
        let folder = try Self.makeFolder()
        defer { Self.remove(folder) }
        let destination = folder + "/out.pkl"
        do {
            let file = try AtomicOutputFile(destination: destination, overwrite: false)
            try file.file.write([1, 2, 3])
            let names = try Self.names(folder)
            withExtendedLifetime(file) {}
            #expect(names == [".out.pkl.tmp-\(getpid())"])
        }
        #expect(try Self.names(folder).isEmpty)
        do {
            let file = try AtomicOutputFile(destination: destination, overwrite: false)
            try file.file.write([1, 2, 3])
            try Self.write("theirs", to: destination)
            #expect(throws: MNISTToolsError.outputExists(path: destination)) { try file.commit() }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data("theirs".utf8))
        #expect(try Self.names(folder) == ["out.pkl"])
        let replacing = try AtomicOutputFile(destination: destination, overwrite: true)
        try replacing.file.write([4, 5])
        try replacing.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination)) == Data([4, 5]))
        #expect(try Self.names(folder) == ["out.pkl"])
    }
}

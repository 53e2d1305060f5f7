import Foundation
import Testing

/// `export-png` on the classic sample: PNG pixels compared with CPython's own reading of the
/// pickle, file names, the contact sheet and its captions, and exit codes.
@Suite struct ExportPNGCommandTests {
    static let sample = CommandRunner.fixture("mnist-sample.pkl.gz")

    /// CPython's view of the files: `decode` reads PNGs with zlib and struct only (CRCs
    /// checked, filters 0–4 undone); `digits` reads the pickle and gives each requested
    /// digit's gray levels as the classic file stores them (byte k of k/256) and its label.
    static let script = #"""
import gzip, json, pickle, struct, sys, zlib

def decode(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
    pos, ihdr, idat = 8, None, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, "bad CRC"
        if kind == b"IHDR": ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT": idat += body
        pos += 12 + length
    width, height = ihdr[0], ihdr[1]
    assert ihdr[2:] == (8, 0, 0, 0, 0), ihdr
    raw = zlib.decompress(idat)
    out, prev = bytearray(), bytearray(width)
    for y in range(height):
        kind, line = raw[y * (width + 1)], bytearray(raw[y * (width + 1) + 1:(y + 1) * (width + 1)])
        for x in range(width):
            a = line[x - 1] if x else 0
            b, c = prev[x], (prev[x - 1] if x else 0)
            if kind == 0: pr = 0
            elif kind == 1: pr = a
            elif kind == 2: pr = b
            elif kind == 3: pr = (a + b) // 2
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else: raise AssertionError(kind)
            line[x] = (line[x] + pr) & 0xFF
        out += line
        prev = line
    return {"width": width, "height": height, "pixels": list(out)}

if sys.argv[1] == "decode":
    print(json.dumps([decode(p) for p in sys.argv[2:]]))
else:
    import numpy as np
    splits = dict(zip(["train", "valid", "test"], pickle.load(gzip.open(sys.argv[2]), encoding="latin1")))
    x, y = splits[sys.argv[3]]
    digits = []
    for i in map(int, sys.argv[4:]):
        gray = (x[i] * 256).astype(np.uint8)
        assert np.array_equal(gray.astype(np.float32) / np.float32(256), x[i])
        digits.append({"label": int(y[i]), "pixels": gray.tolist()})
    print(json.dumps(digits))
"""#

    struct Picture: Decodable { let width: Int; let height: Int; let pixels: [Int] }
    struct Digit: Decodable { let label: Int; let pixels: [Int] }

    static func python(_ arguments: [String]) throws -> Data {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scriptURL = folder.appendingPathComponent("check.py")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        let outputURL = folder.appendingPathComponent("out"), errorURL = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path] + arguments
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        process.waitUntilExit()
        let error = String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
        try #require(process.terminationStatus == 0, "python3 failed: \(error)")
        return try Data(contentsOf: outputURL)
    }

    static func decode(_ paths: [String]) throws -> [Picture] {
        try JSONDecoder().decode([Picture].self, from: python(["decode"] + paths))
    }

    static func digits(split: String = "train", _ indices: [Int]) throws -> [Digit] {
        try JSONDecoder().decode([Digit].self, from: python(["digits", sample, split] + indices.map(String.init)))
    }

    /// Runs `mnist-tools ARGUMENTS` in `folder`, so default names land there.
    static func run(_ arguments: [String], in folder: URL) throws -> CommandRunner.Output {
        let outputURL = folder.appendingPathComponent(".stdout"), errorURL = folder.appendingPathComponent(".stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputURL)
            try? FileManager.default.removeItem(at: errorURL)
        }
        let process = Process()
        process.executableURL = CommandRunner.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return CommandRunner.Output(status: process.terminationStatus,
                                    standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
                                    standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }

    /// The files in `folder`, sorted, without the runner's own.
    static func files(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".std") }.sorted()
    }

    @Test func writesOneDigitWithItsDefaultName() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try Self.digits([42])[0]
        let name = "train-00042-label\(expected.label).png"
        let output = try Self.run(["export-png", Self.sample, "--index", "42"], in: folder)
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput == "wrote \(name) (28×28, label \(expected.label))\n")
        #expect(try Self.files(in: folder) == [name])
        let picture = try Self.decode([folder.appendingPathComponent(name).path])[0]
        #expect(picture.width == 28 && picture.height == 28)
        #expect(picture.pixels == expected.pixels)
        #expect(Set(picture.pixels).count > 2)  // a real digit, not a blank
    }

    @Test func defaultsToTheFirstDigitOfTrain() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try Self.digits([0])[0]
        let output = try Self.run(["export-png", Self.sample], in: folder)
        #expect(output.status == 0)
        #expect(try Self.files(in: folder) == ["train-00000-label\(expected.label).png"])
    }

    @Test func writesToTheOutputPathFromOtherSplits() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("seven.png").path
        let output = try CommandRunner.run(["export-png", Self.sample, "--split", "test", "--index", "999", "-o", path])
        #expect(output.status == 0, "\(output.standardError)")
        let expected = try Self.digits(split: "test", [999])[0]
        #expect(output.standardOutput == "wrote \(path) (28×28, label \(expected.label))\n")
        #expect(try Self.decode([path])[0].pixels == expected.pixels)
    }

    @Test func readsConvertedFoldersToTheSamePictures() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fromPickle = folder.appendingPathComponent("pickle.png").path
        #expect(try CommandRunner.run(["export-png", Self.sample, "--split", "valid", "--index", "321", "-o", fromPickle]).status == 0)
        for format in ["idx", "npy"] {
            let dataset = folder.appendingPathComponent(format).path
            let converted = try CommandRunner.run(["convert", Self.sample, "-o", dataset, "--format", format])
            try #require(converted.status == 0, "\(converted.standardError)")
            let picture = folder.appendingPathComponent("\(format).png").path
            let output = try CommandRunner.run(["export-png", dataset, "--split", "valid", "--index", "321", "-o", picture])
            #expect(output.status == 0, "\(output.standardError)")
            #expect(FileManager.default.contents(atPath: picture) == FileManager.default.contents(atPath: fromPickle), "\(format)")
        }
    }

    @Test func writesOneFilePerDigitIntoAFolder() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("digits").path
        let output = try CommandRunner.run(["export-png", Self.sample, "--range", "10...12", "-o", out])
        #expect(output.status == 0, "\(output.standardError)")
        let expected = try Self.digits([10, 11, 12])
        let names = zip([10, 11, 12], expected).map { "train-000\($0)-label\($1.label).png" }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == names.sorted())
        #expect(output.standardOutput.split(separator: "\n").count == 3)
        let pictures = try Self.decode(names.map { out + "/" + $0 })
        #expect(pictures.map(\.pixels) == expected.map(\.pixels))

        // By label: the first three digits labelled 7, in index order.
        let sevens = folder.appendingPathComponent("sevens").path
        let byLabel = try CommandRunner.run(["export-png", Self.sample, "--label", "7", "--count", "3", "-o", sevens])
        #expect(byLabel.status == 0)
        let written = try FileManager.default.contentsOfDirectory(atPath: sevens).sorted()
        #expect(written.count == 3 && written.allSatisfy { $0.hasSuffix("-label7.png") })
        let indices = written.map { Int($0.split(separator: "-")[1])! }
        let labels = try Self.digits(Array(0...indices[2])).map(\.label)
        #expect(Array(labels.indices.filter { labels[$0] == 7 }.prefix(3)) == indices)
    }

    @Test func contactSheetAndCaptions() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = try Self.run(["export-png", Self.sample, "--grid", "10", "--range", "0..<20"], in: folder)
        #expect(output.status == 0, "\(output.standardError)")
        #expect(try Self.files(in: folder) == ["train-grid-0-19.png", "train-grid-0-19.txt"])
        #expect(output.standardOutput.split(separator: "\n").count == 2)
        let sheet = try Self.decode([folder.appendingPathComponent("train-grid-0-19.png").path])[0]
        #expect(sheet.width == 10 * 28 + 9 && sheet.height == 2 * 28 + 1)
        let expected = try Self.digits(Array(0..<20))
        for cell in 0..<20 {
            let (row, column) = (cell / 10, cell % 10)
            var cellPixels: [Int] = []
            for y in 0..<28 {
                let start = (row * 29 + y) * sheet.width + column * 29
                cellPixels += sheet.pixels[start..<(start + 28)]
            }
            #expect(cellPixels == expected[cell].pixels, "cell \(cell)")
        }
        for x in 0..<sheet.width { #expect(sheet.pixels[28 * sheet.width + x] == 128) }
        for y in 0..<sheet.height { for k in 1...9 { #expect(sheet.pixels[y * sheet.width + k * 29 - 1] == 128) } }

        let caption = try String(contentsOf: folder.appendingPathComponent("train-grid-0-19.txt"), encoding: .utf8)
        let lines = caption.split(separator: "\n").map(String.init)
        #expect(lines.count == 20)
        #expect(lines == (0..<20).map { "\($0 / 10) \($0 % 10) \($0) \(expected[$0].label)" })
    }

    @Test func invertAndScale() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let expected = try Self.digits([7])[0]
        let inverted = folder.appendingPathComponent("inverted.png").path
        let scaled = folder.appendingPathComponent("scaled.png").path
        #expect(try CommandRunner.run(["export-png", Self.sample, "--index", "7", "--invert", "-o", inverted]).status == 0)
        let big = try CommandRunner.run(["export-png", Self.sample, "--index", "7", "--scale", "2", "-o", scaled])
        #expect(big.status == 0)
        #expect(big.standardOutput.contains("(56×56, label \(expected.label))"))
        let pictures = try Self.decode([inverted, scaled])
        #expect(pictures[0].pixels == expected.pixels.map { 255 - $0 })
        #expect(pictures[1].width == 56 && pictures[1].height == 56)
        for y in 0..<56 {
            for x in 0..<56 where pictures[1].pixels[y * 56 + x] != expected.pixels[(y / 2) * 28 + x / 2] {
                Issue.record("scaled pixel (\(x), \(y)) differs")
            }
        }
        // A scaled sheet: cells grow, separators stay one pixel.
        let sheet = folder.appendingPathComponent("sheet.png").path
        #expect(try CommandRunner.run(["export-png", Self.sample, "--range", "0..<5", "--grid", "3", "--scale", "2", "-o", sheet]).status == 0)
        let sheetPicture = try Self.decode([sheet])[0]
        #expect(sheetPicture.width == 3 * 56 + 2 && sheetPicture.height == 2 * 56 + 1)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("sheet.txt").path))
    }

    @Test func refusesToOverwriteWithoutForce() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("digit.png").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        let refused = try CommandRunner.run(["export-png", Self.sample, "--index", "3", "-o", path])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains(path) && refused.standardError.contains("already exists"))
        #expect(refused.standardOutput.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("keep me".utf8))
        #expect(try Self.files(in: folder) == ["digit.png"])

        // A sheet whose caption exists: nothing is written, not even the sheet.
        let sheet = folder.appendingPathComponent("sheet.png").path
        try Data("old caption".utf8).write(to: folder.appendingPathComponent("sheet.txt"))
        let sheetRefused = try CommandRunner.run(["export-png", Self.sample, "--range", "0..<4", "--grid", "2", "-o", sheet])
        #expect(sheetRefused.status == 1)
        #expect(try Self.files(in: folder) == ["digit.png", "sheet.txt"])

        let forced = try CommandRunner.run(["export-png", Self.sample, "--index", "3", "-o", path, "--force"])
        #expect(forced.status == 0)
        #expect(try Self.decode([path])[0].pixels == Self.digits([3])[0].pixels)
        #expect(try Self.files(in: folder) == ["digit.png", "sheet.txt"])
    }

    @Test func indexOutOfRangeNamesTheSplitAndItsSize() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = try Self.run(["export-png", Self.sample, "--split", "valid", "--index", "1000"], in: folder)
        #expect(output.status == 1)
        #expect(output.standardError.contains("split 'valid'"))
        #expect(output.standardError.contains("1000 digits"))
        let range = try Self.run(["export-png", Self.sample, "--range", "2990..<3001"], in: folder)
        #expect(range.status == 1)
        #expect(range.standardError.contains("split 'train'") && range.standardError.contains("3000 digits"))
        let missing = try Self.run(["export-png", Self.sample, "--split", "extra"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("train, valid, test"))
        let unreadable = try Self.run(["export-png", folder.appendingPathComponent("nothing.pkl").path], in: folder)
        #expect(unreadable.status == 1)
        #expect(try Self.files(in: folder).isEmpty)
    }

    @Test func badUsageExitsWithTwo() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [[String]] = [
            ["--index", "-1"],
            ["--range", "5..<5"],
            ["--range", "5...4"],
            ["--range", "1..3"],
            ["--range", "a..<b"],
            ["--scale", "0"],
            ["--scale", "65"],
            ["--grid", "0"],
            ["--index", "1", "--range", "0..<2"],
            ["--count", "2"],
            ["--label", "3", "--count", "0"],
            ["--no-such-option"],
        ]
        for arguments in cases {
            let output = try Self.run(["export-png", Self.sample] + arguments, in: folder)
            #expect(output.status == 2, "\(arguments): \(output.standardError)")
            #expect(!output.standardError.isEmpty)
        }
        #expect(try Self.run(["export-png"], in: folder).status == 2)
        #expect(try Self.files(in: folder).isEmpty)
    }
}

import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// An independent PNG reader: Python's own zlib and struct, no imaging library. It checks
/// the signature, every chunk's CRC-32, IHDR (8-bit gray, no interlace), inflates the IDAT
/// chunks and undoes the five row filters, then prints {"width", "height", "pixels"}.
enum PythonPNG {
    static let script = #"""
import json, struct, sys, zlib

def decode(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
    pos, ihdr, idat, chunks = 8, None, b"", []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, "bad CRC in %r" % kind
        chunks.append(kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND" and pos == len(data), chunks
    width, height, depth, color, compression, filtering, interlace = ihdr
    assert (depth, color, compression, filtering, interlace) == (8, 0, 0, 0, 0), ihdr
    raw = zlib.decompress(idat)
    assert len(raw) == height * (width + 1), "inflated %d bytes" % len(raw)
    pixels, previous = bytearray(), bytearray(width)
    for y in range(height):
        kind = raw[y * (width + 1)]
        line = bytearray(raw[y * (width + 1) + 1:(y + 1) * (width + 1)])
        for x in range(width):
            a = line[x - 1] if x > 0 else 0
            b = previous[x]
            c = previous[x - 1] if x > 0 else 0
            if kind == 0: predictor = 0
            elif kind == 1: predictor = a
            elif kind == 2: predictor = b
            elif kind == 3: predictor = (a + b) // 2
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            else: raise AssertionError("filter type %d" % kind)
            line[x] = (line[x] + predictor) & 0xFF
        pixels += line
        previous = line
    return {"width": width, "height": height, "pixels": list(pixels)}

print(json.dumps([decode(open(path, "rb").read()) for path in sys.argv[1:]]))
"""#

    struct Decoded: Decodable, Equatable {
        let width: Int
        let height: Int
        let pixels: [UInt8]
    }

    /// Decodes PNG files with the script above.
    static func decode(files: [String]) throws -> [Decoded] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("png-decoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scriptURL = folder.appendingPathComponent("decode.py"), outputURL = folder.appendingPathComponent("out.json")
        let errorURL = folder.appendingPathComponent("err.txt")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptURL.path] + files
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DecoderFailure(message: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
        }
        return try JSONDecoder().decode([Decoded].self, from: Data(contentsOf: outputURL))
    }

    /// Decodes PNG bytes held in memory.
    static func decode(_ pngs: [[UInt8]]) throws -> [Decoded] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("png-bytes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (number, png) in pngs.enumerated() {
            let url = folder.appendingPathComponent("\(number).png")
            try Data(png).write(to: url)
            paths.append(url.path)
        }
        return try decode(files: paths)
    }

    struct DecoderFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { "python3 PNG decoder failed: \(message)" }
    }
}

@Suite struct PNGTests {
    // MARK: Encoding

    @Test func encodedImagesDecodeExactly() throws {
        var random = SplitMix64(state: 42)
        let sizes = [(1, 1), (3, 2), (28, 28), (300, 5), (5, 300), (1, 7), (257, 3)]
        var images: [(width: Int, height: Int, pixels: [UInt8])] = sizes.map { size in
            (size.0, size.1, (0..<(size.0 * size.1)).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        // Smooth content, which makes libpng choose the Sub/Up/Average/Paeth filters.
        images.append((64, 48, (0..<(64 * 48)).map { UInt8(truncatingIfNeeded: ($0 % 64) * 3 + ($0 / 64) * 2) }))
        images.append((100, 100, [UInt8](repeating: 0, count: 10_000)))
        images.append((40, 30, (0..<1200).map { index in UInt8(truncatingIfNeeded: (index % 40) * (index / 40)) }))
        let pngs = try images.map { try PNGWriter.encodeGray(width: $0.width, height: $0.height, pixels: $0.pixels) }
        let decoded = try PythonPNG.decode(pngs)
        #expect(decoded.count == images.count)
        for (image, result) in zip(images, decoded) {
            #expect(result.width == image.width)
            #expect(result.height == image.height)
            #expect(result.pixels == image.pixels, "\(image.width)×\(image.height)")
        }
    }

    @Test func rawBufferAndArrayGiveTheSameFile() throws {
        let pixels: [UInt8] = (0..<60).map { UInt8($0 * 4) }
        let fromArray = try PNGWriter.encodeGray(width: 6, height: 10, pixels: pixels)
        let fromBuffer = try pixels.withUnsafeBytes { try PNGWriter.encodeGray(width: 6, height: 10, pixels: $0) }
        #expect(fromArray == fromBuffer)
        #expect(fromArray.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // IHDR: width 6, height 10, depth 8, color type 0 (gray).
        #expect(Array(fromArray[16..<26]) == [0, 0, 0, 6, 0, 0, 0, 10, 8, 0])
    }

    @Test func widthsAboveLibpngsDefaultLimitAreWritten() throws {
        // libpng refuses widths over 1,000,000 unless its user limit is raised.
        let pixels = [UInt8](repeating: 7, count: 1_000_001)
        let png = try PNGWriter.encodeGray(width: 1_000_001, height: 1, pixels: pixels)
        #expect(Array(png[16..<24]) == [0, 0x0F, 0x42, 0x41, 0, 0, 0, 1])
    }

    @Test func invalidSizesAreRefusedBeforeLibpng() {
        for (width, height, count) in [(0, 1, 0), (1, 0, 0), (-1, 5, 5), (3, 2, 5), (3, 2, 7), (1 << 31, 1, 0), (1 << 40, 1 << 40, 0)] {
            #expect(throws: MNISTToolsError.self) {
                try PNGWriter.encodeGray(width: width, height: height, pixels: [UInt8](repeating: 0, count: count))
            }
        }
    }

    // MARK: Layout

    @Test func digitScaleAndInvert() throws {
        let gray: [UInt8] = [0, 10, 20, 30, 40, 255]  // 2 rows × 3 columns
        let plain = try DigitImages.digit(gray, rows: 2, columns: 3)
        #expect(plain == GrayImage(width: 3, height: 2, pixels: gray))
        let inverted = try DigitImages.digit(gray, rows: 2, columns: 3, invert: true)
        #expect(inverted.pixels == gray.map { 255 - $0 })
        let scaled = try DigitImages.digit(gray, rows: 2, columns: 3, scale: 3)
        #expect(scaled.width == 9 && scaled.height == 6)
        for y in 0..<6 {
            for x in 0..<9 { #expect(scaled[x, y] == gray[(y / 3) * 3 + x / 3]) }
        }
        #expect(throws: MNISTToolsError.self) { try DigitImages.digit(gray, rows: 2, columns: 3, scale: 0) }
        #expect(throws: MNISTToolsError.self) { try DigitImages.digit(gray, rows: 2, columns: 3, scale: 65) }
        #expect(throws: MNISTToolsError.self) { try DigitImages.digit(gray, rows: 3, columns: 3) }
    }

    /// Cell `n` of a test sheet is filled with gray level 10 + n, distinct from the separator.
    private func sheet(cells: Int, rows: Int, columns: Int, gridColumns: Int, scale: Int = 1, invert: Bool = false) throws -> GrayImage {
        var asked: [Int] = []
        let image = try DigitImages.contactSheet(cellCount: cells, rows: rows, columns: columns, gridColumns: gridColumns,
                                                 scale: scale, invert: invert) { cell in
            asked.append(cell)
            return (0..<(rows * columns)).map { UInt8(10 + cell + ($0 == 0 ? 100 : 0)) }
        }
        #expect(asked == Array(0..<cells))
        return image
    }

    @Test func sheetDimensionsAndSeparators() throws {
        let separator = DigitImages.separatorGray
        #expect(separator == 128)
        // 7 cells of 2×3 in rows of 3: 3 rows; width 3·3 + 2, height 3·2 + 2.
        let image = try sheet(cells: 7, rows: 2, columns: 3, gridColumns: 3)
        #expect(image.width == 11 && image.height == 8)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let onLine = x % 4 == 3 || y % 3 == 2
                let cell = (y / 3) * 3 + x / 4
                let expected: UInt8
                if onLine || cell >= 7 {
                    expected = separator
                } else {
                    let first = x % 4 == 0 && y % 3 == 0
                    expected = UInt8(10 + cell + (first ? 100 : 0))
                }
                #expect(image[x, y] == expected, "(\(x), \(y))")
            }
        }
        // No border: the outer rows and columns belong to cells.
        #expect(image[0, 0] == 110 && image[10, 0] == 12 && image[0, 7] == 16)
        // Cells 7 and 8 (bottom row, second and third) are empty, filled with the separator.
        #expect(image[5, 6] == separator && image[10, 7] == separator)
    }

    @Test func sheetScalesCellsButNotSeparators() throws {
        let image = try sheet(cells: 4, rows: 2, columns: 2, gridColumns: 2, scale: 3)
        #expect(image.width == 2 * 6 + 1 && image.height == 2 * 6 + 1)
        for index in 0..<13 {
            #expect(image[6, index] == 128 && image[index, 6] == 128)
        }
        #expect(image[0, 0] == 110 && image[2, 2] == 110 && image[3, 0] == 10 && image[5, 5] == 10)
        #expect(image[7, 0] == 111 && image[12, 12] == 13 && image[7, 7] == 113)
    }

    @Test func invertAppliesToDigitsNotSeparators() throws {
        let image = try sheet(cells: 3, rows: 1, columns: 1, gridColumns: 2, invert: true)
        // 2 columns, 2 rows: [c0 | c1] / [c2 | empty].
        #expect(image.width == 3 && image.height == 3)
        let expected: [UInt8] = [145, 128, 144,
                                 128, 128, 128,
                                 143, 128, 128]  // 255 − (110 + cell)
        #expect(image.pixels == expected)
    }

    @Test func sheetSizeFormulaAndLimits() throws {
        let size = try DigitImages.sheetSize(cellCount: 20, rows: 28, columns: 28, gridColumns: 10, scale: 1)
        #expect(size.width == 10 * 28 + 9 && size.height == 2 * 28 + 1 && size.columns == 10 && size.rows == 2)
        let scaled = try DigitImages.sheetSize(cellCount: 20, rows: 28, columns: 28, gridColumns: 10, scale: 2)
        #expect(scaled.width == 10 * 56 + 9 && scaled.height == 2 * 56 + 1)
        // Fewer digits than columns: the sheet is only as wide as its digits.
        let narrow = try DigitImages.sheetSize(cellCount: 3, rows: 28, columns: 28, gridColumns: 10, scale: 1)
        #expect(narrow.width == 3 * 28 + 2 && narrow.columns == 3 && narrow.rows == 1)
        let single = try DigitImages.sheetSize(cellCount: 1, rows: 28, columns: 28, gridColumns: 1, scale: 1)
        #expect(single.width == 28 && single.height == 28)
        // Too big for one picture: refused before allocating.
        #expect(throws: MNISTToolsError.self) {
            try DigitImages.sheetSize(cellCount: 60_000, rows: 28, columns: 28, gridColumns: 1, scale: 64)
        }
        #expect(throws: MNISTToolsError.self) {
            try DigitImages.sheetSize(cellCount: 0, rows: 28, columns: 28, gridColumns: 1, scale: 1)
        }
    }

    @Test func sheetRoundTripsThroughPNG() throws {
        let image = try sheet(cells: 5, rows: 4, columns: 3, gridColumns: 2, scale: 2)
        let decoded = try PythonPNG.decode([try image.pngBytes()])
        #expect(decoded == [PythonPNG.Decoded(width: image.width, height: image.height, pixels: image.pixels)])
    }

    // MARK: Export

    /// A split of `count` 2×2 digits: digit n is filled with gray n, labelled n % 3.
    private func dataset(count: Int) throws -> Dataset {
        let bytes = (0..<count).flatMap { [UInt8](repeating: UInt8($0), count: 4) }
        let images = try ImageBlock(count: count, rows: 2, columns: 2, pixels: .bytes(ByteSlice(copying: bytes), divisor: 255),
                                    source: "test", field: "images")
        let split = try DatasetSplit(name: "train", images: images, labels: LabelBlock(values: (0..<count).map { $0 % 3 }), source: "test")
        return Dataset(splits: [split])
    }

    @Test func exportSelectsIndicesAndNamesErrors() throws {
        let data = try dataset(count: 10)
        let split = try #require(data.split(named: "train"))
        #expect(try DigitExport(selection: .index(9)).indices(in: split, source: "d") == [9])
        #expect(try DigitExport(selection: .range(2..<5)).indices(in: split, source: "d") == [2, 3, 4])
        #expect(try DigitExport(selection: .label(2, count: 3)).indices(in: split, source: "d") == [2, 5, 8])
        #expect(throws: MNISTToolsError.invalidData(path: "d", field: "split 'train'",
                                                    reason: "index 10 is out of range: the split has 10 digits (indices 0…9)")) {
            try DigitExport(selection: .index(10)).indices(in: split, source: "d")
        }
        #expect(throws: MNISTToolsError.self) { try DigitExport(selection: .range(5..<11)).indices(in: split, source: "d") }
        #expect(throws: MNISTToolsError.self) { try DigitExport(selection: .label(2, count: 4)).indices(in: split, source: "d") }
        #expect(DigitExport.digitFileName(split: "train", index: 42, label: 5) == "train-00042-label5.png")
        #expect(DigitExport.digitFileName(split: "test", index: 123_456, label: 0) == "test-123456-label0.png")
        #expect(DigitExport.sheetFileName(split: "valid", first: 0, last: 9) == "valid-grid-0-9.png")
        #expect(DigitExport.captionPath(forSheet: "a/b.png") == "a/b.txt")
        #expect(DigitExport.captionText(indices: [4, 7, 9], labels: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0], gridColumns: 2)
                    == "0 0 4 1\n0 1 7 1\n1 0 9 0\n")
    }

    @Test func exportWritesFilesAndRefusesToOverwrite() throws {
        let folder = try InputFixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try dataset(count: 10)
        var written: [DigitExport.WrittenFile] = []
        let out = folder.appendingPathComponent("digits").path
        try DigitExport(selection: .label(1, count: 2), output: out).run(dataset: data, source: "d") { written.append($0) }
        #expect(written.map(\.path) == [out + "/train-00001-label1.png", out + "/train-00004-label1.png"])
        let decoded = try PythonPNG.decode(files: written.map(\.path))
        #expect(decoded.map(\.pixels) == [[1, 1, 1, 1], [4, 4, 4, 4]])

        // A second run refuses, and leaves no temporary files behind.
        #expect(throws: MNISTToolsError.outputExists(path: out + "/train-00001-label1.png")) {
            try DigitExport(selection: .label(1, count: 2), output: out, invert: true).run(dataset: data, source: "d") { _ in }
        }
        try DigitExport(selection: .label(1, count: 2), output: out, invert: true, overwrite: true).run(dataset: data, source: "d") { _ in }
        #expect(try PythonPNG.decode(files: written.map(\.path)).map(\.pixels) == [[254, 254, 254, 254], [251, 251, 251, 251]])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["train-00001-label1.png", "train-00004-label1.png"])
    }

    // MARK: Atomic files

    @Test func atomicFileWritesRefusesAndReplaces() throws {
        let folder = try InputFixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("out.bin").path
        try AtomicFile.write([1, 2, 3], to: path, overwrite: false)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
        #expect(throws: MNISTToolsError.outputExists(path: path)) { try AtomicFile.write([9], to: path, overwrite: false) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
        try AtomicFile.write([4, 5], to: path, overwrite: true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4, 5]))
        try AtomicFile.write([], to: path, overwrite: true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.bin"])
    }

    @Test func atomicFileErrorsNameTheDestination() throws {
        let folder = try InputFixtures.makeDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("no-such-folder/out.png").path
        #expect(throws: MNISTToolsError.cannotWrite(path: missing, reason: "No such file or directory")) {
            try AtomicFile.write([1], to: missing, overwrite: true)
        }
        // A folder in the way: refused without overwrite, an error with it; nothing left over.
        let sub = folder.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: false)
        #expect(throws: MNISTToolsError.outputExists(path: sub.path)) { try AtomicFile.write([1], to: sub.path, overwrite: false) }
        #expect(throws: MNISTToolsError.self) { try AtomicFile.write([1], to: sub.path, overwrite: true) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["sub"])
    }
}

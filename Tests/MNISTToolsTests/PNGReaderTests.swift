import Foundation
import Testing
@testable import MNISTTools

/// PNG files written by Python (zlib and struct only, no imaging library) in every colour
/// type, bit depth, filter and interlace method, with the gray levels it expects; and
/// damaged files built from them.
enum PythonPNGWriter {
    /// Writes its cases into the folder argv[1] and prints, as JSON, one object per case:
    /// {"name", "width", "height", "pixels"} for a good file, {"name", "error"} (a phrase the
    /// error must contain) for a bad one. Expected gray levels are computed here, from the
    /// samples, by the rules `PNGRasterDecoder` documents.
    static let script = #"""
import json, os, struct, sys, zlib
import numpy as np

folder = sys.argv[1]
rng = np.random.RandomState(7)
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

def pack_row(samples, depth):
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    bits = "".join(format(s, "0%db" % depth) for s in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))

def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

def filter_row(kind, row, prev, bpp):
    out = bytearray([kind])
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if prev is not None and i >= bpp else 0
        predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - predictor) & 0xFF)
    return bytes(out)

def scanlines(samples, depth, interlace, filter_type):
    h, w, channels = samples.shape
    bpp = max(1, depth * channels // 8)
    data, n = b"", 0
    for x0, y0, dx, dy in (ADAM7 if interlace else [(0, 0, 1, 1)]):
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = None
        for r in sub:
            row = pack_row([int(v) for v in r.reshape(-1)], depth)
            data += filter_row(filter_type if filter_type >= 0 else n % 5, row, prev, bpp)
            prev, n = row, n + 1
    return data

def level(v, depth):
    if depth == 8: return v
    if depth == 16: return (v * 255 + 32767) // 65535
    return v * 255 // ((1 << depth) - 1)

def luma(r, g, b):
    return (19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16

def over_black(gray, alpha):
    return (2 * gray * alpha + 255) // 510

def expected(samples, depth, color, palette, trns):
    h, w, _ = samples.shape
    out = []
    for y in range(h):
        for x in range(w):
            s = [int(v) for v in samples[y, x]]
            if color == 0:
                out.append(0 if trns is not None and s[0] == trns[0] else level(s[0], depth))
            elif color == 4:
                out.append(over_black(level(s[0], depth), level(s[1], depth)))
            elif color == 2:
                out.append(0 if trns is not None and s == trns else luma(*[level(v, depth) for v in s]))
            elif color == 6:
                out.append(over_black(luma(*[level(v, depth) for v in s[:3]]), level(s[3], depth)))
            else:
                alpha = trns[s[0]] if trns is not None and s[0] < len(trns) else 255
                out.append(over_black(luma(*palette[s[0]]), alpha))
    return out

def build(w, h, depth, color, samples=None, filter_type=-1, interlace=0, palette=None, trns=None,
          idat=None, pieces=1, before_idat=b"", between_idat=None, end=True, first=None, raw=None):
    if samples is None:
        top = len(palette) if color == 3 else (1 << depth)
        samples = rng.randint(0, top, size=(h, w, CHANNELS[color]))
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace))
    out = b"\x89PNG\r\n\x1a\n" + (first if first is not None else ihdr) + chunk(b"tEXt", b"Comment\x00written by a test")
    if palette is not None:
        out += chunk(b"PLTE", bytes(v for entry in palette for v in entry))
    if trns is not None:
        trns_bytes = bytes(trns) if color == 3 else b"".join(struct.pack(">H", v) for v in trns)
        out += chunk(b"tRNS", trns_bytes)
    out += before_idat
    if idat is None:
        idat = zlib.compress(raw if raw is not None else scanlines(samples, depth, interlace, filter_type), 9)
    size = -(-len(idat) // pieces)
    parts = [idat[i:i + size] for i in range(0, len(idat), size)]
    for number, part in enumerate(parts):
        if number == 1 and between_idat is not None:
            out += between_idat
        out += chunk(b"IDAT", part)
    if end:
        out += chunk(b"IEND", b"")
    return out, samples

cases = []
def good(name, w, h, depth, color, **options):
    data, samples = build(w, h, depth, color, **options)
    open(os.path.join(folder, name + ".png"), "wb").write(data)
    cases.append({"name": name, "width": w, "height": h,
                  "pixels": expected(samples, depth, color, options.get("palette"), options.get("trns"))})

def bad(name, error, data):
    open(os.path.join(folder, name + ".png"), "wb").write(data)
    cases.append({"name": name, "error": error})

def random_palette(n):
    return [tuple(int(v) for v in rng.randint(0, 256, size=3)) for _ in range(n)]

# Each filter type alone, then all five in turn, on 8-bit gray.
for f in range(5):
    good("gray8-filter%d" % f, 13, 7, 8, 0, filter_type=f)
good("gray8-mixed", 28, 28, 8, 0, pieces=4)
for depth in (1, 2, 4, 16):
    good("gray%d" % depth, 11, 5, depth, 0)
for depth in (8, 16):
    good("grayalpha%d" % depth, 9, 6, depth, 4)
    good("rgb%d" % depth, 10, 4, depth, 2)
    good("rgba%d" % depth, 7, 8, depth, 6)
for depth in (1, 2, 4, 8):
    n = min(1 << depth, 37)
    good("palette%d" % depth, 13, 5, depth, 3, palette=random_palette(n))
good("palette8-trns", 12, 6, 8, 3, palette=random_palette(20), trns=[int(v) for v in rng.randint(0, 256, size=11)])
gray = rng.randint(0, 256, size=(5, 6, 1)); gray[2, 3, 0] = 77
good("gray8-trns", 6, 5, 8, 0, samples=gray, trns=[77])
rgb = rng.randint(0, 65536, size=(4, 5, 3)); rgb[1, 1] = [1000, 2000, 3000]
good("rgb16-trns", 5, 4, 16, 2, samples=rgb, trns=[1000, 2000, 3000])
# Adam7: sizes where some passes are empty, every colour type.
good("adam7-gray8", 13, 11, 8, 0, interlace=1)
good("adam7-1x1", 1, 1, 8, 0, interlace=1)
good("adam7-3x2", 3, 2, 8, 2, interlace=1)
good("adam7-gray1", 9, 9, 1, 0, interlace=1)
good("adam7-rgba16", 10, 9, 16, 6, interlace=1)
good("adam7-palette2", 17, 5, 2, 3, interlace=1, palette=random_palette(4))
good("adam7-grayalpha8", 8, 8, 8, 4, interlace=1, pieces=3)
good("ancillary-before-idat", 4, 4, 8, 0, before_idat=chunk(b"gAMA", struct.pack(">I", 45455)))

# Damaged or unsupported: valid CRCs everywhere, so the check behind them is reached.
rows = scanlines(rng.randint(0, 256, size=(6, 6, 1)), 8, 0, 0)
bad("idat-short", "zlib stream ends after 35 bytes", build(6, 6, 8, 0, raw=rows[:-7])[0])
bad("idat-long", "holds more than the 42 bytes", build(6, 6, 8, 0, raw=rows + b"\x00" * 7)[0])
bad("idat-garbage", "corrupt zlib data", build(6, 6, 8, 0, idat=bytes(rng.randint(0, 256, size=40).astype(np.uint8)))[0])
z = bytearray(zlib.compress(rows)); z[-1] ^= 1
bad("idat-adler32", "corrupt zlib data", build(6, 6, 8, 0, idat=bytes(z))[0])
bad("filter-type", "row 2 (inflated byte 14) has filter type 5", build(6, 6, 8, 0, raw=rows[:14] + b"\x05" + rows[15:])[0])
bad("palette-index", "palette index", build(4, 4, 4, 3, palette=random_palette(3), samples=np.full((4, 4, 1), 9))[0])
bad("palette-missing", "needs PLTE before its IDAT", build(4, 4, 8, 3, samples=np.zeros((4, 4, 1), int))[0])
bad("plte-in-gray", "PLTE is not allowed in a grayscale image", build(4, 4, 8, 0, palette=random_palette(3))[0])
bad("plte-too-long", "expected 3 per entry (RGB) and 1…4 entries", build(4, 4, 2, 3, palette=random_palette(5), samples=np.zeros((4, 4, 1), int))[0])
bad("trns-length", "a truecolour (RGB) image's tRNS holds 6", build(4, 4, 8, 2, trns=[1, 2])[0])
bad("trns-in-rgba", "tRNS is not allowed", build(4, 4, 8, 6, trns=[1, 2, 3])[0])
bad("idat-split", "IDAT chunks must be consecutive", build(6, 6, 8, 0, pieces=2, between_idat=chunk(b"tEXt", b"a\x00b"))[0])
bad("unknown-critical", "unknown critical chunk", build(4, 4, 8, 0, before_idat=chunk(b"ABCD", b""))[0])
bad("no-iend", "without an IEND chunk", build(4, 4, 8, 0, end=False)[0])
bad("ihdr-not-first", "the first chunk must be IHDR", build(4, 4, 8, 0, first=chunk(b"tEXt", b"a\x00b"))[0])
bad("ihdr-short", "holds 12 bytes; IHDR holds 13", build(4, 4, 8, 0, first=chunk(b"IHDR", b"\x00" * 12))[0])
bad("no-idat", "no IDAT chunk", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)) + chunk(b"IEND", b""))
print(json.dumps(cases))
"""#

    struct Case: Decodable {
        let name: String
        let width: Int?
        let height: Int?
        let pixels: [UInt8]?
        let error: String?
    }

    /// Writes the cases into a fresh folder; returns it (remove it with
    /// `FormatFixtures.removeFolder`) and the cases.
    static func writeCases() throws -> (folder: String, cases: [Case]) {
        let folder = try FormatFixtures.makeFolder()
        let output = try FormatFixtures.python(script, [folder])
        return (folder, try JSONDecoder().decode([Case].self, from: Data(output.utf8)))
    }
}

@Suite struct PNGReaderTests {
    /// A PNG made by `PNGWriter` from a small gradient.
    private static func writerPNG(width: Int = 5, height: Int = 4) throws -> (png: [UInt8], pixels: [UInt8]) {
        let pixels = (0..<(width * height)).map { UInt8(truncatingIfNeeded: $0 * 13 + $0 / width) }
        return (try PNGWriter.encodeGray(width: width, height: height, pixels: pixels), pixels)
    }

    /// `png` with IHDR's 13 data bytes (file offsets 16…28) replaced, and its CRC recomputed.
    private static func patchingIHDR(_ png: [UInt8], _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var body = Array(png[16..<29])
        change(&body)
        var result = png
        result.replaceSubrange(16..<29, with: body)
        let crc = NPZWriter.crc32(Array(png[12..<16]) + body)
        result.replaceSubrange(29..<33, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
        return result
    }

    /// The error `decode` throws for `png`, or nil when it decodes.
    private static func error(decoding png: [UInt8], maximumPixels: Int = PNGReader.defaultMaximumPixels) -> MNISTToolsError? {
        do {
            _ = try PNGReader.decode(png, path: "t.png", maximumPixels: maximumPixels)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Good files

    @Test func roundTripsWhatPNGWriterWrites() throws {
        var random = SplitMix64(state: 9)
        for (width, height) in [(1, 1), (28, 28), (3, 17), (300, 2), (64, 48)] {
            let pixels = (0..<(width * height)).map { index in
                index % 3 == 0 ? UInt8.random(in: 0...255, using: &random) : UInt8(truncatingIfNeeded: index / width * 5 + index % width)
            }
            let png = try PNGWriter.encodeGray(width: width, height: height, pixels: pixels)
            #expect(try PNGReader.decode(png, path: "t.png") == GrayImage(width: width, height: height, pixels: pixels), "\(width)×\(height)")
        }
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
    func readsEveryKindPythonWrites() throws {
        let (folder, cases) = try PythonPNGWriter.writeCases()
        defer { FormatFixtures.removeFolder(folder) }
        #expect(cases.filter { $0.error == nil }.count == 31)
        for item in cases {
            let path = folder + "/" + item.name + ".png"
            if let expected = item.error {
                do {
                    let image = try PNGReader.read(path: path)
                    Issue.record("\(item.name): decoded \(image.width)×\(image.height), expected an error containing '\(expected)'")
                } catch let error as MNISTToolsError {
                    #expect(error.description.contains(expected), "\(item.name): \(error)")
                    #expect(error.path == path)
                }
            } else {
                let image = try PNGReader.read(path: path)
                #expect(image.width == item.width && image.height == item.height, "\(item.name)")
                #expect(image.pixels == item.pixels, "\(item.name)")
            }
        }
    }

    @Test func grayFromColourIsBT601LumaAsPillowComputesIt() {
        // Pillow's convert("L") of pure red, green and blue, and of white and black.
        #expect(PNGRasterDecoder.luma(255, 0, 0) == 76)
        #expect(PNGRasterDecoder.luma(0, 255, 0) == 150)
        #expect(PNGRasterDecoder.luma(0, 0, 255) == 29)
        #expect(PNGRasterDecoder.luma(255, 255, 255) == 255)
        #expect(PNGRasterDecoder.luma(0, 0, 0) == 0)
        #expect(PNGRasterDecoder.composite(255, alpha: 0) == 0)
        #expect(PNGRasterDecoder.composite(255, alpha: 255) == 255)
        #expect(PNGRasterDecoder.composite(200, alpha: 128) == 100)   // 200·128/255 = 100.39
    }

    @Test func bytesAfterIENDAreIgnored() throws {
        let (png, pixels) = try Self.writerPNG()
        #expect(try PNGReader.decode(png + [1, 2, 3], path: "t.png").pixels == pixels)
    }

    // MARK: Bad files

    @Test func notAPNG() {
        #expect(Self.error(decoding: Array("GIF89a\u{1}\u{0}\u{2}".utf8)) == .invalidData(
            path: "t.png", field: "PNG signature",
            reason: "not a PNG file: the first 8 bytes are 47 49 46 38 39 61 01 00, expected 89 50 4E 47 0D 0A 1A 0A"))
        #expect(Self.error(decoding: []) == .invalidData(
            path: "t.png", field: "PNG signature",
            reason: "not a PNG file: the file has only 0 bytes (), expected 89 50 4E 47 0D 0A 1A 0A"))
        #expect(throws: MNISTToolsError.cannotRead(path: "/nonexistent/x.png", reason: "No such file or directory")) {
            try PNGReader.read(path: "/nonexistent/x.png")
        }
    }

    @Test func everyTruncationIsATypedError() throws {
        let (png, _) = try Self.writerPNG(width: 9, height: 7)
        for length in 0..<png.count {
            #expect(Self.error(decoding: Array(png[..<length])) != nil, "first \(length) bytes")
        }
        // Inside IDAT's data: the chunk's declared length runs past the end.
        #expect(Self.error(decoding: Array(png[..<45]))?.description.contains("chunk 'IDAT' at offset 33: declares") == true)
        #expect(Self.error(decoding: Array(png[..<(png.count - 12)])) == .invalidData(
            path: "t.png", field: "chunks", reason: "the file ends at offset \(png.count - 12) without an IEND chunk: it is truncated"))
        #expect(Self.error(decoding: Array(png[..<(png.count - 5)]))?.description
                    == "t.png: chunk at offset \(png.count - 12): the file ends 7 bytes into it; a chunk needs at least 12 (length, type, CRC-32): the file is truncated")
    }

    @Test func badCRCNamesTheChunk() throws {
        let (png, _) = try Self.writerPNG()
        var damaged = png
        damaged[43] ^= 0x40   // inside IDAT's data
        let message = try #require(Self.error(decoding: damaged)).description
        #expect(message.hasPrefix("t.png: chunk 'IDAT' at offset 33: CRC-32 mismatch: the file says 0x"), "\(message)")
        var header = png
        header[20] ^= 1       // IHDR's height, CRC left alone
        #expect(Self.error(decoding: header)?.description.contains("chunk 'IHDR' at offset 8: CRC-32 mismatch") == true)
        var type = png
        type[38] = 0x31       // 'IDAT' → 'I1AT'
        #expect(Self.error(decoding: type)?.description == "t.png: chunk at offset 33: type bytes 49 31 41 54 are not four ASCII letters; the file is damaged")
    }

    @Test func badIHDRFieldsAreNamed() throws {
        let (png, _) = try Self.writerPNG()
        let cases: [(change: (inout [UInt8]) -> Void, message: String)] = [
            ({ $0[0...3] = [0, 0, 0, 0] }, "IHDR width: 0; expected 1…2147483647"),
            ({ $0[4...7] = [0x80, 0, 0, 0] }, "IHDR height: 2147483648; expected 1…2147483647"),
            ({ $0[8] = 3 }, "IHDR bit depth: 3 is not allowed with colour type 0, grayscale; expected 1, 2, 4, 8, 16"),
            ({ $0[8] = 16; $0[9] = 3 }, "IHDR bit depth: 16 is not allowed with colour type 3, indexed-colour (palette); expected 1, 2, 4, 8"),
            ({ $0[8] = 4; $0[9] = 2 }, "IHDR bit depth: 4 is not allowed with colour type 2, truecolour (RGB); expected 8, 16"),
            ({ $0[9] = 5 }, "IHDR colour type: 5; expected 0 (gray), 2 (RGB), 3 (palette), 4 (gray + alpha) or 6 (RGBA)"),
            ({ $0[10] = 1 }, "IHDR compression method: 1; expected 0 (deflate)"),
            ({ $0[11] = 1 }, "IHDR filter method: 1; expected 0 (adaptive filtering)"),
            ({ $0[12] = 2 }, "IHDR interlace method: 2; expected 0 (none) or 1 (Adam7)"),
        ]
        for (change, message) in cases {
            #expect(Self.error(decoding: Self.patchingIHDR(png, change))?.description == "t.png: " + message)
        }
    }

    @Test func hugeDimensionsAreRefusedBeforeAllocating() throws {
        let (png, _) = try Self.writerPNG()
        // 2³¹ − 1 square: over the pixel limit, checked from IHDR alone.
        let huge = Self.patchingIHDR(png) { $0[0...7] = [0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF] }
        #expect(Self.error(decoding: huge)?.description
                    == "t.png: IHDR size: 2147483647×2147483647 = 4611686014132420609 pixels is more than this reader's limit of 16777216")
        // 4000 × 4000 is within the limit, but 50-odd bytes of IDAT cannot inflate to 16 MB.
        let large = Self.patchingIHDR(png) { $0[0...7] = [0, 0, 0x0F, 0xA0, 0, 0, 0x0F, 0xA0] }
        let message = try #require(Self.error(decoding: large)).description
        #expect(message.contains("IDAT data: ") && message.contains("cannot hold the 16004000 bytes of scan lines of a 4000×4000 8-bit grayscale image"), "\(message)")
        // The limit is the caller's: a 5 × 4 image with room for 19 pixels is refused.
        #expect(Self.error(decoding: png, maximumPixels: 19)?.description == "t.png: IHDR size: 5×4 = 20 pixels is more than this reader's limit of 19")
        #expect(Self.error(decoding: png, maximumPixels: 20) == nil)
    }

    @Test func randomDamageNeverCrashes() throws {
        let (png, _) = try Self.writerPNG(width: 12, height: 10)
        var random = SplitMix64(state: 3)
        var outcomes = (decoded: 0, refused: 0)
        for round in 0..<3000 {
            var damaged = png
            for _ in 0..<(1 + round % 3) {
                let index = Int.random(in: 8..<damaged.count, using: &random)
                damaged[index] = UInt8.random(in: 0...255, using: &random)
            }
            // Half the time recompute every chunk's CRC, so the damage reaches IHDR's checks,
            // the inflater and the filters.
            if round % 2 == 0 { damaged = Self.fixingCRCs(damaged) }
            if Self.error(decoding: damaged) == nil { outcomes.decoded += 1 } else { outcomes.refused += 1 }
        }
        #expect(outcomes.refused > 1000)
    }

    /// `png` with every whole chunk's CRC-32 recomputed (chunks whose length runs past the
    /// end are left as they are).
    private static func fixingCRCs(_ png: [UInt8]) -> [UInt8] {
        var result = png
        var offset = 8
        while offset + 12 <= result.count {
            let length = result[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length <= result.count - offset - 12 else { break }
            let crc = NPZWriter.crc32(Array(result[(offset + 4)..<(offset + 8 + length)]))
            result.replaceSubrange((offset + 8 + length)..<(offset + 12 + length), with: withUnsafeBytes(of: crc.bigEndian, Array.init))
            offset += 12 + length
        }
        return result
    }

    @Test func unfilterMatchesTheDefinitions() {
        // One 3-byte line above a 3-byte line, distance 1, each filter type.
        let above: [UInt8] = [10, 20, 30]
        let line: [UInt8] = [5, 250, 7]
        let expected: [[UInt8]] = [
            [5, 250, 7],                                    // None
            [5, 255, 6],                                    // Sub: 5, 250 + 5, 7 + 255
            [15, 14, 37],                                   // Up: 5 + 10, 250 + 20, 7 + 30
            [10, 9, 26],                                    // Average: 5 + 10/2, 250 + (10 + 20)/2, 7 + (9 + 30)/2
            [15, 14, 27],                                   // Paeth: b (10), b (20), then c (20) for p = 14 + 30 − 20
        ]
        for kind in 0..<5 {
            var data = [0] + above + [UInt8(kind)] + line
            #expect(PNGFilter.unfilter(&data, line: 4, length: 3, previous: 0, distance: 1))
            #expect(Array(data[5...]) == expected[kind], "filter \(kind)")
        }
        var unknown: [UInt8] = [5, 1, 2]
        #expect(!PNGFilter.unfilter(&unknown, line: 0, length: 2, previous: nil, distance: 1))
        #expect(PNGFilter.paeth(a: 10, b: 20, c: 10) == 20)
        #expect(PNGFilter.paeth(a: 20, b: 10, c: 10) == 20)
        #expect(PNGFilter.paeth(a: 10, b: 10, c: 10) == 10)
    }
}

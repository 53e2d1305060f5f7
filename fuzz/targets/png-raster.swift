/// PNG pixel decoding — filters, Adam7 passes, bit depths, palettes, transparency — on
/// well-formed files built from the input, which mutations of a real file rarely give (a
/// changed byte breaks a CRC-32 or the zlib stream's Adler-32).
///
/// Input: width and height (1 + byte mod 64, small images run fast), a bit depth (index into 1, 2, 4, 8, 16), a colour type
/// (index into 0, 2, 3, 4, 6), flags (bit 0: Adam7, bit 1: a tRNS chunk), then bytes that
/// fill the scan lines over and over, each line's filter type being its first byte mod 5.
/// A palette image gets a full palette. `PNGReader.decode` must read every file whose bit
/// depth the colour type allows and refuse every other with an `MNISTToolsError`.
///
/// With `FUZZ_SAVE_PNG=PATH` in the environment, the file built is written to PATH before
/// it is decoded: that file is what becomes a regression input of the `png` target.
import CZlib
import Glibc
import MNISTTools

private let depths = [1, 2, 4, 8, 16]
private let colourTypes: [(code: UInt8, channels: Int, depths: Set<Int>)] = [
    (0, 1, [1, 2, 4, 8, 16]), (2, 3, [8, 16]), (3, 1, [1, 2, 4, 8]), (4, 2, [8, 16]), (6, 4, [8, 16]),
]
/// Adam7's passes: first column and row, column and row steps.
private let adam7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

func fuzzOneInput(_ input: UnsafeRawBufferPointer) {
    guard input.count > 5 else { return }   // at least one byte to fill the scan lines
    let width = Int(input[0]) % 64 + 1, height = Int(input[1]) % 64 + 1
    let depth = depths[Int(input[2]) % depths.count]
    let colour = colourTypes[Int(input[3]) % colourTypes.count]
    let interlaced = input[4] & 1 != 0, withTransparency = input[4] & 2 != 0
    let fill = Array(input[5...])
    var next = 0
    func nextByte() -> UInt8 {
        defer { next = (next + 1) % fill.count }
        return fill[next]
    }

    // Scan lines, pass by pass: a filter type byte, then the packed samples.
    let bitsPerPixel = depth * colour.channels
    var scanLines: [UInt8] = []
    for (x0, y0, dx, dy) in interlaced ? adam7 : [(0, 0, 1, 1)] {
        let columns = width > x0 ? (width - x0 + dx - 1) / dx : 0
        let rows = height > y0 ? (height - y0 + dy - 1) / dy : 0
        guard columns > 0 else { continue }
        for _ in 0..<rows {
            scanLines.append(nextByte() % 5)
            for _ in 0..<((columns * bitsPerPixel + 7) / 8) { scanLines.append(nextByte()) }
        }
    }

    var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
    header += [UInt8(depth), colour.code, 0, 0, interlaced ? 1 : 0]
    var file = pngSignature + pngChunk("IHDR", header)
    if colour.code == 3 {
        let entries = 1 << min(depth, 8)
        file += pngChunk("PLTE", (0..<(3 * entries)).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        if withTransparency { file += pngChunk("tRNS", (0..<(Int(nextByte()) % entries + 1)).map { _ in nextByte() }) }
    } else if withTransparency && (colour.code == 0 || colour.code == 2) {
        let sample = UInt16((1 << depth) - 1) & UInt16(nextByte())
        file += pngChunk("tRNS", Array(repeating: [UInt8(sample >> 8), UInt8(sample & 0xFF)], count: colour.channels).flatMap { $0 })
    }
    file += pngChunk("IDAT", zlibCompressed(scanLines)) + pngChunk("IEND", [])
    if let savePath { save(file, to: savePath) }

    let valid = colour.depths.contains(depth)
    switch Result(catching: { () throws(MNISTToolsError) in try PNGReader.decode(file, path: "fuzz.png") }) {
    case let .success(image):
        require(valid, "a \(depth)-bit image of colour type \(colour.code) was read; PNG does not allow it")
        require(image.width == width && image.height == height, "read as \(image.width)×\(image.height), written \(width)×\(height)")
    case let .failure(error):
        require(!valid, "a well-formed \(width)×\(height) \(depth)-bit image of colour type \(colour.code) was refused: \(error)")
    }
}

/// `bytes` as one zlib stream (zlib's `compress2`, fastest level).
private func zlibCompressed(_ bytes: [UInt8]) -> [UInt8] {
    var size = compressBound(uLong(bytes.count))
    var output = [UInt8](repeating: 0, count: Int(size))
    let status = compress2(&output, &size, bytes, uLong(bytes.count), 1)
    require(status == Z_OK, "compress2 failed: \(status)")
    return Array(output[..<Int(size)])
}

/// Where to write each file built, from `FUZZ_SAVE_PNG`.
private let savePath = getenv("FUZZ_SAVE_PNG").map { String(cString: $0) }

private func save(_ file: [UInt8], to path: String) {
    guard let stream = fopen(path, "wb") else { fatalError("cannot create \(path)") }
    defer { fclose(stream) }
    require(fwrite(file, 1, file.count, stream) == file.count, "cannot write \(path)")
}

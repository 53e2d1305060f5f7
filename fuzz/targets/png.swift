/// The PNG reader `predict` uses (`PNGReader.decode`): gray levels or an `MNISTToolsError`.
/// A mutated chunk almost always fails its CRC-32, so the input is decoded as it is and,
/// when that changes it, with every chunk's CRC-32 recomputed. A small image read is
/// written by `PNGWriter` and read again, which must give the same pixels.
import MNISTTools

/// Images up to this many pixels are written back; larger ones would slow the run down.
private let roundTripPixels = 1 << 16

func fuzzOneInput(_ input: UnsafeRawBufferPointer) {
    let file = Array(input)
    decodeAndRoundTrip(file)
    let fixed = fixingChunkCRCs(file)
    if fixed != file { decodeAndRoundTrip(fixed) }
}

private func decodeAndRoundTrip(_ file: [UInt8]) {
    guard let image = try? PNGReader.decode(file, path: "fuzz.png") else { return }
    guard image.pixels.count <= roundTripPixels, image.width > 0, image.height > 0 else { return }
    do {
        let again = try PNGReader.decode(try image.pngBytes(), path: "rewritten.png")
        require(again == image, "writing and reading again changed the image")
    } catch {
        fatalError("a \(image.width)×\(image.height) image read from the input cannot be written and read again: \(error)")
    }
}

import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// `OpenedInput.wholeStorage()`: streams read to their end into growing storage.
@Suite struct WholeInputTests {
    @Test(arguments: [0, 1, 1 << 20, (1 << 20) + 1, 3_000_017])
    func streamsAreReadWhole(size: Int) throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let path = try FormatFixtures.write(bytes, to: folder, name: "data")
        let streamed = try openInput(path: path, options: InputOptions(forceStreaming: true))
        guard case .stream = streamed.bytes else {
            Issue.record("expected a stream")
            return
        }
        #expect(try streamed.wholeStorage().slice.array == bytes)
        // Through zlib, whose stream does not know the exact size.
        let gzipPath = try FormatFixtures.write(try InputFixtures.gzip(bytes), to: folder, name: "data.gz")
        let inflated = try openInput(path: gzipPath, options: InputOptions(forceStreaming: true))
        #expect(try inflated.wholeStorage().slice.array == bytes)
        // And the whole mapped file, unchanged.
        let whole = try openInput(path: path)
        #expect(try whole.wholeStorage().count == size)
    }

    @Test func corruptGzipStreamIsReported() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        var compressed = try InputFixtures.gzip(InputFixtures.compressibleBytes(200_000))
        compressed[compressed.count - 6] ^= 0xFF  // the CRC-32 in the trailer
        let path = try FormatFixtures.write(compressed, to: folder, name: "bad.gz")
        #expect(throws: MNISTToolsError.self) { _ = try IDXFile.read(path: path) }
    }

    @Test func byteSwappingCrossesChunks() throws {
        // 200 001 float64 elements (more than 24 chunks of 64 KiB) through IDX and back.
        let values = (0..<200_001).map { Double($0) * 0.5 - 1000 }
        let array = try NDArray(dtype: .float64, shape: [values.count], isFortranOrder: false,
                                data: .bytes(ByteSlice(copying: values.withUnsafeBytes { Array($0) })))
        var file: [UInt8] = []
        try IDXWriter.write(array, to: &file, path: "memory")
        #expect(file.count == 8 + values.count * 8)
        #expect(Array(file[8..<16]) == withUnsafeBytes(of: values[0].bitPattern.bigEndian) { Array($0) })
        let reread = try IDXFile.read(ByteSlice(copying: file), path: "memory")
        var read: [Double] = []
        forEachElement(of: reread) { _, value in read.append(value) }
        #expect(read == values)
        // An odd element size goes through the generic path.
        var odd: [UInt8] = []
        let source: [UInt8] = [1, 2, 3, 4, 5, 6]
        try source.withUnsafeBytes { try odd.writeByteSwapped($0, elementSize: 3) }
        #expect(odd == [3, 2, 1, 6, 5, 4])
    }
}

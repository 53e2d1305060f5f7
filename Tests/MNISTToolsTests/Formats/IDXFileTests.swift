import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// IDX files: every type code read and written, compared with what Python writes; errors.
@Suite(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
struct IDXFileTests {
    /// Each IDX type code with the NumPy dtype whose big-endian form it holds.
    static let typeCodes: [(code: UInt8, dtype: String)] = [
        (0x08, "u1"), (0x09, "i1"), (0x0B, "i2"), (0x0C, "i4"), (0x0D, "f4"), (0x0E, "f8"),
    ]

    /// Python writing an IDX file of `a` by hand: struct-packed magic and sizes, then
    /// big-endian data.
    static let idxFunction = """
        def idx(a, code):
            head = struct.pack('>BBBB', 0, 0, code, a.ndim) + b''.join(struct.pack('>I', n) for n in a.shape)
            return head + np.ascontiguousarray(a).astype(a.dtype.newbyteorder('>')).tobytes()
        def sample(kind, shape):
            n = int(np.prod(shape))
            if kind == 'u1': return (np.arange(n) * 37 % 256).astype('u1').reshape(shape)
            if kind == 'i1': return (np.arange(n) * 37 % 256 - 128).astype('i1').reshape(shape)
            if kind == 'i2': return (np.arange(n) * 4099 - 30000).astype('i2').reshape(shape)
            if kind == 'i4': return (np.arange(n) * 123456789 - 2**31 + 5).astype('i4').reshape(shape)
            return ((np.arange(n) - n / 2) * 0.37 + 1e-3).astype(kind).reshape(shape)

        """

    @Test(arguments: typeCodes.map(\.code))
    func readsEveryTypeCodeThatPythonWrites(code: UInt8) throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let kind = try #require(Self.typeCodes.first { $0.code == code }).dtype
        let path = folder + "/data.idx"
        let expected = try #require(FormatFixtures.pythonJSON(FormatFixtures.infoFunction + Self.idxFunction + """
            a = sample(sys.argv[2], (3, 4, 5))
            open(sys.argv[1], 'wb').write(idx(a, int(sys.argv[3])))
            print(json.dumps(info(a.astype(a.dtype.newbyteorder('>')))))
            """, [path, kind, String(code)]) as? [String: Any])
        let array = try IDXFile.read(path: path)
        #expect(array.dtype.description == expected["dtype"] as? String)
        #expect(array.shape == [3, 4, 5])
        #expect(!array.isFortranOrder)
        #expect(FormatFixtures.cOrderHex(array) == expected["hex"] as? String)
        // A view of the mapped file: the storage is the whole file, the data after the header.
        let bytes = try #require(array.bytes)
        #expect(bytes.offset == 16)
        #expect(bytes.storage.count == (try FormatFixtures.contents(path)).count)
    }

    @Test(arguments: typeCodes.map(\.code))
    func writesEveryTypeCodeAsPythonDoes(code: UInt8) throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let kind = try #require(Self.typeCodes.first { $0.code == code }).dtype
        // NumPy arrays in three layouts (little-endian C, big-endian C, Fortran) and the IDX
        // bytes Python makes of each.
        try FormatFixtures.python(Self.idxFunction + """
            folder, kind, code = sys.argv[1], sys.argv[2], int(sys.argv[3])
            a = sample(kind, (2, 3, 4))
            for name, b in [('little', a.astype(a.dtype.newbyteorder('<'))), ('big', a.astype(a.dtype.newbyteorder('>'))),
                            ('fortran', np.asfortranarray(a)), ('vector', a.reshape(-1))]:
                np.save(folder + '/' + name + '.npy', b)
                open(folder + '/' + name + '.idx', 'wb').write(idx(b, code))
            """, [folder, kind, String(code)])
        for name in ["little", "big", "fortran", "vector"] {
            let array = try NPYFile.read(path: folder + "/\(name).npy")
            var written: [UInt8] = []
            try IDXWriter.write(array, to: &written, path: "memory")
            #expect(written == (try FormatFixtures.contents(folder + "/\(name).idx")), "\(name) layout")
            // And our reading of our writing gives the same elements back.
            let reread = try IDXFile.read(ByteSlice(copying: written), path: "memory")
            #expect(FormatFixtures.cOrderHex(reread) == FormatFixtures.cOrderHex(array))
        }
    }

    @Test func roundTripIsByteExact() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        for (code, kind) in Self.typeCodes {
            let path = folder + "/\(kind).idx"
            try FormatFixtures.python(Self.idxFunction + """
                open(sys.argv[1], 'wb').write(idx(sample(sys.argv[2], (7,)), int(sys.argv[3])))
                """, [path, kind, String(code)])
            var written: [UInt8] = []
            try IDXWriter.write(try IDXFile.read(path: path), to: &written, path: "memory")
            #expect(written == (try FormatFixtures.contents(path)), "type 0x\(String(code, radix: 16))")
        }
    }

    @Test func writesImageAndLabelBlocks() throws {
        let pixels = (0..<(3 * 2 * 4)).map { UInt8(($0 * 29) % 256) }
        let images = try ImageBlock(count: 3, rows: 2, columns: 4, pixels: .bytes(ByteSlice(copying: pixels), divisor: 255),
                                    source: "memory", field: "images")
        var imageFile: [UInt8] = []
        try IDXWriter.writeImages(images, to: &imageFile, path: "memory")
        #expect(imageFile == [0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4] + pixels)

        let floats: [Float] = [0, 0.25, -1.5, 3.0e-7, 1, 0.5]
        let floatBytes = floats.withUnsafeBytes { Array($0) }
        let floatImages = try ImageBlock(count: 1, rows: 2, columns: 3, pixels: .float32(ByteSlice(copying: floatBytes)),
                                         source: "memory", field: "images")
        var floatFile: [UInt8] = []
        try IDXWriter.writeImages(floatImages, to: &floatFile, path: "memory")
        let expectedFloat = try FormatFixtures.python("""
            a = np.array(json.loads(sys.argv[1]), dtype='<f4').reshape(1, 2, 3)
            sys.stdout.write((struct.pack('>BBBBIII', 0, 0, 0x0D, 3, 1, 2, 3) + a.astype('>f4').tobytes()).hex())
            """, ["[0, 0.25, -1.5, 3.0e-7, 1, 0.5]"])
        #expect(FormatFixtures.hex(floatFile) == expectedFloat)
        let reread = try IDXFile.read(ByteSlice(copying: floatFile), path: "memory")
        #expect(reread.dtype.description == ">f4")
        #expect(FormatFixtures.cOrderHex(reread) == FormatFixtures.hex(floatBytes))

        var small: [UInt8] = []
        try IDXWriter.writeLabels(LabelBlock(values: [7, 0, 255, 3]), to: &small, path: "memory")
        #expect(small == [0, 0, 0x08, 1, 0, 0, 0, 4, 7, 0, 255, 3])

        let wide = LabelBlock(values: [1, 300, 70000])
        #expect(IDXWriter.labelType(for: wide) == .int32)
        var wideFile: [UInt8] = []
        try IDXWriter.writeLabels(wide, to: &wideFile, path: "memory")
        #expect(wideFile == [0, 0, 0x0C, 1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 1, 0x2C, 0, 1, 0x11, 0x70])

        var huge: [UInt8] = []
        FormatFixtures.expectError(mentioning: ["out.idx", "label 1", "4294967296"]) {
            try IDXWriter.writeLabels(LabelBlock(values: [0, 1 << 32]), to: &huge, path: "out.idx")
        }
    }

    @Test func largeBlocksAreWrittenInChunks() throws {
        // More than one 64 KiB chunk, an odd count, float images.
        let count = 70_001
        let values = (0..<count).map { $0 % 1000 }
        var file: [UInt8] = []
        try IDXWriter.writeLabels(LabelBlock(values: values), to: &file, path: "memory")
        let array = try IDXFile.read(ByteSlice(copying: file), path: "memory")
        #expect(array.dtype.description == ">i4")
        var read: [Int] = []
        forEachElement(of: array) { _, value in read.append(Int(value)) }
        #expect(read == values)
    }

    @Test func readsGzippedFiles() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/labels-idx1-ubyte.gz"
        try FormatFixtures.python("""
            gzip.open(sys.argv[1], 'wb').write(struct.pack('>BBBBI', 0, 0, 8, 1, 5) + bytes([5, 0, 4, 1, 9]))
            """, [path])
        let array = try IDXFile.read(path: path)
        #expect(array.shape == [5])
        #expect(array.bytes?.array == [5, 0, 4, 1, 9])
    }

    // MARK: errors

    private func read(_ bytes: [UInt8]) throws {
        _ = try IDXFile.read(ByteSlice(copying: bytes), path: "bad.idx")
    }

    @Test func tooShortForTheMagicNumber() {
        FormatFixtures.expectError(mentioning: ["bad.idx", "header", "4-byte", "only 3 bytes"]) { try read([0, 0, 8]) }
    }

    @Test func magicMustStartWithTwoZeros() {
        FormatFixtures.expectError(mentioning: ["bad.idx", "magic", "00 00 TT DD", "1F 8B 08 00"]) { try read([0x1F, 0x8B, 8, 0, 0, 0]) }
    }

    @Test func unknownTypeCodeIsNamedInHex() {
        FormatFixtures.expectError(mentioning: ["bad.idx", "byte 2", "0x0A", "0x08 (ubyte)", "0x0E (double)"]) {
            try read([0, 0, 0x0A, 1, 0, 0, 0, 0])
        }
    }

    @Test func zeroDimensionsAreRefused() {
        FormatFixtures.expectError(mentioning: ["bad.idx", "byte 3", "expected at least 1, found 0"]) { try read([0, 0, 8, 0]) }
    }

    @Test func headerCutShort() {
        FormatFixtures.expectError(mentioning: ["bad.idx", "3 dimensions need a 16-byte header", "only 10 bytes"]) {
            try read([0, 0, 8, 3, 0, 0, 0, 1, 0, 0])
        }
    }

    @Test func truncatedDataNamesBothSizes() {
        // 2 × 3 int16 = 12 bytes, 11 present.
        let bytes: [UInt8] = [0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 3] + [UInt8](repeating: 1, count: 11)
        FormatFixtures.expectError(mentioning: ["bad.idx", "truncated", "2×3", "12 bytes", "only 11", "12-byte header"]) { try read(bytes) }
    }

    @Test func extraDataNamesBothSizes() {
        let bytes: [UInt8] = [0, 0, 0x08, 1, 0, 0, 0, 4] + [1, 2, 3, 4, 5, 6]
        FormatFixtures.expectError(mentioning: ["bad.idx", "need 4 bytes", "6 follow", "2 extra"]) { try read(bytes) }
    }

    @Test func hugeSizesDoNotOverflow() {
        var bytes: [UInt8] = [0, 0, 0x0E, 4]
        for _ in 0..<4 { bytes += [0xFF, 0xFF, 0xFF, 0xFF] }
        FormatFixtures.expectError(mentioning: ["bad.idx", "4294967295×4294967295", "more bytes than memory can address", "0 bytes follow"]) {
            try read(bytes)
        }
        // A zero size makes the product zero however large the others are.
        var empty: [UInt8] = [0, 0, 0x08, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: Never.self) { try read(empty) }
        empty.append(0)
        FormatFixtures.expectError(mentioning: ["need 0 bytes", "1 follow"]) { try read(empty) }
    }

    @Test func emptyFileFromDisk() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = try FormatFixtures.write([], to: folder, name: "empty-idx1-ubyte")
        FormatFixtures.expectError(mentioning: [path, "only 0 bytes"]) { _ = try IDXFile.read(path: path) }
    }
}

import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// `.npy` files: NumPy's files of every dtype and order read equal, ours load in NumPy
/// (memory-mapped) equal and byte for byte as `np.save` writes them, and bad files are refused.
@Suite(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
struct NPYFileTests {
    static let dtypes = ["|b1", "|u1", "|i1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4", ">u4",
                         "<i8", ">i8", "<u8", ">u8", "<f2", ">f2", "<f4", ">f4", "<f8", ">f8"]

    /// Python that saves, for one dtype, arrays in C and Fortran order, 0-d, empty and 1-d
    /// into `folder`, and prints `info` of each by name.
    static let saveSamples = FormatFixtures.infoFunction + """
        folder, dtype = sys.argv[1], np.dtype(sys.argv[2])
        base = (np.arange(24) * 7 - 40) if dtype.kind in 'if' else np.arange(24) * 11
        if dtype.kind == 'f': base = base * 0.3 + 0.01
        if dtype.kind == 'b': base = base % 3 == 0
        a = base.astype(dtype).reshape(2, 3, 4)
        samples = {'c': a, 'fortran': np.asfortranarray(a), 'scalar': np.array(a.flat[5], dtype=dtype),
                   'empty': np.zeros((0, 3), dtype=dtype), 'vector': a.reshape(-1), 'column': np.asfortranarray(a.reshape(4, 6))[:, :1]}
        out = {}
        for name, s in samples.items():
            np.save(folder + '/' + name + '.npy', s)
            out[name] = info(np.load(folder + '/' + name + '.npy'))
        print(json.dumps(out))
        """

    @Test(arguments: dtypes)
    func readsWhatNumPyWrites(dtype: String) throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let expected = try #require(FormatFixtures.pythonJSON(Self.saveSamples, [folder, dtype]) as? [String: [String: Any]])
        #expect(expected.count == 6)
        for (name, info) in expected {
            let path = folder + "/\(name).npy"
            let array = try NPYFile.read(path: path)
            #expect(array.dtype.description == info["dtype"] as? String, "\(name)")
            #expect(array.shape == info["shape"] as? [Int], "\(name)")
            #expect((array.reportedOrder == "F") == (info["fortran"] as? Bool), "\(name)")
            #expect(FormatFixtures.cOrderHex(array) == info["hex"] as? String, "\(name)")
            // A view of the mapped file, starting at a multiple of 64.
            let bytes = try #require(array.bytes)
            #expect(bytes.storage.count == (try FormatFixtures.contents(path)).count)
            #expect(bytes.offset % 64 == 0)
        }
    }

    @Test(arguments: dtypes)
    func numPyLoadsWhatWeWriteAndSavesTheSameBytes(dtype: String) throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let source = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(source) }
        _ = try FormatFixtures.python(Self.saveSamples, [source, dtype])
        var names: [String] = []
        var infos: [[String: Any]] = []
        for name in ["c", "fortran", "scalar", "empty", "vector", "column"] {
            let array = try NPYFile.read(path: source + "/\(name).npy")
            var file: [UInt8] = []
            try NPYFile.write(array, to: &file, path: "memory")
            try FormatFixtures.write(file, to: folder, name: "\(name).npy")
            names.append(name)
            infos.append(["dtype": array.dtype.description, "shape": array.shape,
                          "hex": FormatFixtures.cOrderHex(array), "fortran": array.reportedOrder == "F"])
        }
        // NumPy memory-maps each file, reads the same array, and np.save of it gives our bytes.
        let loaded = try #require(FormatFixtures.pythonJSON(FormatFixtures.infoFunction + """
            import io
            out = []
            for name in sys.argv[2:]:
                path = sys.argv[1] + '/' + name + '.npy'
                a = np.load(path, mmap_mode='r')
                buffer = io.BytesIO()
                np.save(buffer, a)
                same = buffer.getvalue() == open(path, 'rb').read()
                out.append(dict(info(np.asarray(a)), same=same))
            print(json.dumps(out))
            """, [folder] + names) as? [[String: Any]])
        #expect(loaded.count == infos.count)
        for (index, (got, want)) in zip(loaded, infos).enumerated() {
            #expect(got["dtype"] as? String == want["dtype"] as? String, "\(names[index])")
            #expect(got["shape"] as? [Int] == want["shape"] as? [Int], "\(names[index])")
            #expect(got["hex"] as? String == want["hex"] as? String, "\(names[index])")
            #expect(got["fortran"] as? Bool == want["fortran"] as? Bool, "\(names[index])")
            #expect(got["same"] as? Bool == true, "np.save writes other bytes for \(names[index])")
        }
    }

    @Test func writesBlocksThatNumPyLoads() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let pixels = (0..<(5 * 3 * 2)).map { UInt8($0 * 9 % 256) }
        let images = try ImageBlock(count: 5, rows: 3, columns: 2, pixels: .bytes(ByteSlice(copying: pixels), divisor: 256),
                                    source: "memory", field: "images")
        let floats: [Float] = (0..<12).map { Float($0) / 7 }
        let floatImages = try ImageBlock(count: 2, rows: 2, columns: 3, pixels: .float32(ByteSlice(copying: floats.withUnsafeBytes { Array($0) })),
                                         source: "memory", field: "images")
        var files: [(String, [UInt8])] = []
        var sink: [UInt8] = []
        try NPYFile.writeImages(images, to: &sink); files.append(("images", sink)); sink = []
        try NPYFile.writeImages(floatImages, to: &sink); files.append(("floats", sink)); sink = []
        try NPYFile.writeLabels(LabelBlock(values: [3, 1, 4, 1, 5]), to: &sink); files.append(("labels", sink)); sink = []
        try NPYFile.writeLabels(LabelBlock(values: Array(0..<70_000)), to: &sink); files.append(("wide", sink))
        for (name, bytes) in files { try FormatFixtures.write(bytes, to: folder, name: name + ".npy") }
        let result = try #require(FormatFixtures.pythonJSON("""
            load = lambda name: np.load(sys.argv[1] + '/' + name + '.npy', mmap_mode='r')
            i, f, l, w = load('images'), load('floats'), load('labels'), load('wide')
            print(json.dumps({'images': [i.dtype.str, list(i.shape), i.tobytes().hex()],
                              'floats': [f.dtype.str, list(f.shape), f.ravel().tolist()],
                              'labels': [l.dtype.str, l.tolist()],
                              'wide': [w.dtype.str, bool((w == np.arange(70000)).all())]}))
            """, [folder]) as? [String: [Any]])
        #expect(result["images"]?[0] as? String == "|u1")
        #expect(result["images"]?[1] as? [Int] == [5, 3, 2])
        #expect(result["images"]?[2] as? String == FormatFixtures.hex(pixels))
        #expect(result["floats"]?[0] as? String == "<f4")
        #expect(result["floats"]?[1] as? [Int] == [2, 2, 3])
        #expect((result["floats"]?[2] as? [Double])?.map { Float($0) } == floats)
        #expect(result["labels"]?[0] as? String == "|u1")
        #expect(result["labels"]?[1] as? [Int] == [3, 1, 4, 1, 5])
        #expect(result["wide"]?[0] as? String == "<i8")
        #expect(result["wide"]?[1] as? Bool == true)
    }

    @Test func headersAreAlignedTo64AndEndInANewline() throws {
        let shapes: [[Int]] = [[], [0], [1], [7], [60000, 28, 28], [3, 4, 5, 6, 7, 8, 9, 10], [Int](repeating: 123_456_789, count: 30)]
        for shape in shapes {
            for fortran in [false, true] {
                for dtype in [DType.uint8, .float32, DType(kind: .signedInteger, itemSize: 8, byteOrder: .big)] {
                    let header = NPYFile.header(dtype: dtype, shape: shape, fortran: fortran)
                    #expect(header.count % 64 == 0)
                    #expect(header.last == 0x0A)
                    #expect(Array(header.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
                    #expect(Int(header[8]) | Int(header[9]) << 8 == header.count - 10)
                }
            }
        }
        // Exactly what NumPy writes, spare spaces included.
        let expected = try FormatFixtures.python("""
            import io
            b = io.BytesIO(); np.save(b, np.zeros((60000, 28, 28), dtype='u1')[:0].reshape(0, 28, 28)); sys.stdout.write(b.getvalue().hex() + ' ')
            b = io.BytesIO(); np.save(b, np.asfortranarray(np.zeros((3, 4), dtype='>f8'))); sys.stdout.write(b.getvalue()[:128].hex() + ' ')
            b = io.BytesIO(); np.save(b, np.float32(1.5)); sys.stdout.write(b.getvalue()[:-4].hex())
            """).split(separator: " ").map(String.init)
        #expect(FormatFixtures.hex(NPYFile.header(dtype: .uint8, shape: [0, 28, 28], fortran: false)) == expected[0])
        #expect(FormatFixtures.hex(NPYFile.header(dtype: DType(kind: .float, itemSize: 8, byteOrder: .big), shape: [3, 4], fortran: true)) == expected[1])
        #expect(FormatFixtures.hex(NPYFile.header(dtype: .float32, shape: [], fortran: false)) == expected[2])
    }

    @Test func readsVersion2And3Headers() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        // NumPy writes 2.0 and 3.0 when asked.
        try FormatFixtures.python("""
            a = np.arange(12, dtype='<i4').reshape(3, 4)
            for v in [(2, 0), (3, 0)]:
                with open(sys.argv[1] + '/v%d.npy' % v[0], 'wb') as f:
                    np.lib.format.write_array(f, a, version=v)
            """, [folder])
        for version in [2, 3] {
            let array = try NPYFile.read(path: folder + "/v\(version).npy")
            #expect(array.shape == [3, 4])
            #expect(array.dtype == DType(kind: .signedInteger, itemSize: 4, byteOrder: .little))
            #expect(FormatFixtures.cOrderHex(array) == FormatFixtures.hex((0..<12).flatMap { [UInt8($0), 0, 0, 0] }))
        }
        // A hand-made 2.0 file whose header is longer than 65535 bytes (as NumPy makes for
        // huge structured dtypes), padded with spaces, keys in another order, double quotes.
        let dictionary = Array("{\"shape\": (2,), 'fortran_order': False, 'descr': '>u2'}".utf8)
        var header = dictionary + [UInt8](repeating: 0x20, count: 70_000)
        header.append(0x0A)
        var file: [UInt8] = NPYFile.magic + [2, 0]
        file += withUnsafeBytes(of: UInt32(header.count).littleEndian) { Array($0) }
        file += header + [0x01, 0x02, 0xFF, 0xFE]
        let path = try FormatFixtures.write(file, to: folder, name: "long.npy")
        let array = try NPYFile.read(path: path)
        #expect(array.shape == [2])
        #expect(array.dtype.description == ">u2")
        #expect(FormatFixtures.cOrderHex(array) == "0201feff")
        let numpy = try FormatFixtures.python("print(np.load(sys.argv[1], max_header_size=100000).tolist())", [path])
        #expect(numpy.trimmingCharacters(in: .whitespacesAndNewlines) == "[258, 65534]")
    }

    @Test func acceptsPython2LongIntegersAndSpacing() throws {
        for text in ["{'descr':'<u2','fortran_order':False,'shape':(2L,)}", "{ 'shape' : ( 2 , ) , 'descr' : '<u2' , 'fortran_order' : False }",
                     "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 2,), }\n"] {
            let array = try NPYFile.read(ByteSlice(copying: Self.file(header: text, data: [1, 0, 2, 0])), path: "ok.npy")
            #expect(array.count == 2)
            #expect(FormatFixtures.cOrderHex(array) == "01000200")
        }
    }

    // MARK: errors

    /// A version 1.0 file with `header` (a newline added) and `data`.
    static func file(header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
        let text = Array(header.utf8) + [0x0A]
        return NPYFile.magic + [version, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
    }

    private func read(_ bytes: [UInt8]) throws {
        _ = try NPYFile.read(ByteSlice(copying: bytes), path: "bad.npy")
    }

    @Test func badMagic() {
        FormatFixtures.expectError(mentioning: ["bad.npy", "magic", "93 4E 55 4D 50 59", "80 04 95"]) {
            try read([0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0])
        }
    }

    @Test func truncatedFiles() {
        FormatFixtures.expectError(mentioning: ["bad.npy", "10 bytes", "only 9"]) { try read(Array(NPYFile.magic + [1, 0, 0])) }
        FormatFixtures.expectError(mentioning: ["bad.npy", "4-byte header length", "only 11"]) { try read(NPYFile.magic + [2, 0, 9, 0, 0]) }
        let header = Self.file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }")
        FormatFixtures.expectError(mentioning: ["bad.npy", "truncated", "declared \(header.count - 10) bytes", "only \(header.count - 15)"]) {
            try read(Array(header.dropLast(5)))
        }
    }

    @Test func unknownVersion() {
        FormatFixtures.expectError(mentioning: ["bad.npy", "version", "expected 1.0, 2.0 or 3.0, found 4.0"]) {
            try read(Self.file(header: "{}", version: 4))
        }
    }

    @Test(arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), ", "the end of the header"),
        ("{'descr': '<f4' 'fortran_order': False, 'shape': (3,)}", "expected '}', found '''"),
        ("{'descr': <f4, 'fortran_order': False, 'shape': (3,)}", "expected a string, True, False or a tuple, found '<'"),
        ("{'descr': '<f4', 'fortran_order': false, 'shape': (3,)}", "found 'f'"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", "not a tuple"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}", "expected a non-negative integer, found '-'"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} x", "expected only spaces after the closing '}'"),
        ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", "key 'descr' appears twice"),
        ("{'descr' '<f4', 'fortran_order': False, 'shape': (3,)}", "expected ':', found"),
        ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}", "structured"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "exceeds"),
        ("[1, 2]", "expected '{'"),
    ])
    func unparsableDictionaries(header: String, mention: String) {
        FormatFixtures.expectError(mentioning: ["bad.npy", "header (byte ", "cannot parse", mention]) { try read(Self.file(header: header)) }
    }

    @Test func wrongKeysAndValues() {
        FormatFixtures.expectError(mentioning: ["bad.npy", "exactly the keys", "found 'descr', 'shape'"]) {
            try read(Self.file(header: "{'descr': '<f4', 'shape': (3,)}"))
        }
        FormatFixtures.expectError(mentioning: ["'extra'"]) {
            try read(Self.file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': True}"))
        }
        FormatFixtures.expectError(mentioning: ["bad.npy", "'fortran_order'", "True or False"]) {
            try read(Self.file(header: "{'descr': '<f4', 'fortran_order': 'no', 'shape': ()}"))
        }
        FormatFixtures.expectError(mentioning: ["bad.npy", "'shape'", "tuple"]) {
            try read(Self.file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': 'x'}"))
        }
        FormatFixtures.expectError(mentioning: ["bad.npy", "'descr'", "'<U5'"]) {
            try read(Self.file(header: "{'descr': '<U5', 'fortran_order': False, 'shape': ()}"))
        }
    }

    @Test func objectArraysAreRefused() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/objects.npy"
        try FormatFixtures.python("np.save(sys.argv[1], np.array([{'a': 1}, None], dtype=object), allow_pickle=True)", [path])
        FormatFixtures.expectError(mentioning: [path, "'descr'", "'|O' is an object array", "pickle"]) { _ = try NPYFile.read(path: path) }
    }

    @Test func dataSizeMustMatchTheShape() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"
        let short = Self.file(header: header, data: [UInt8](repeating: 0, count: 47))
        FormatFixtures.expectError(mentioning: ["bad.npy", "data size", "(3, 4) of <f4", "48 bytes", "only 47"]) { try read(short) }
        let long = Self.file(header: header, data: [UInt8](repeating: 0, count: 50))
        FormatFixtures.expectError(mentioning: ["bad.npy", "48 bytes", "but 50 follow"]) { try read(long) }
        let huge = Self.file(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }")
        FormatFixtures.expectError(mentioning: ["bad.npy", "more bytes than memory can address"]) { try read(huge) }
    }
}

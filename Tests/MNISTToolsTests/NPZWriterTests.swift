import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// `NPZWriter`: stored zip members, read back by our `NPZFile` reader and by Python's
/// `zipfile` and NumPy.
@Suite struct NPZWriterTests {
    static let weights: [Float] = [1.5, -2.25, 0, .leastNonzeroMagnitude, 3e38, -1e-7]
    static let bias: [Float] = [0.125, -0.5]
    static let cube: [Float] = (0..<24).map { Float($0) * 0.5 - 3 }

    static func sampleWriter() throws -> NPZWriter {
        var writer = NPZWriter()
        try writer.addFloat32(name: "W0", shape: [3, 2], values: weights)
        try writer.addFloat32(name: "b0", shape: [2], values: bias)
        try writer.addFloat32(name: "scalar", shape: [], values: [42])
        try writer.addFloat32(name: "cube", shape: [2, 3, 4], values: cube)
        try writer.add(name: "model.json", data: Array(#"{"model": "logreg"}"#.utf8))
        return writer
    }

    static func floats(_ array: NDArray) -> [Float]? {
        array.withCOrderLittleEndianBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    @Test func roundTripsThroughOurReader() throws {
        var bytes: [UInt8] = []
        try Self.sampleWriter().write(to: &bytes)
        let arrays = try NPZFile.read(ByteSlice(copying: bytes), path: "memory")
        #expect(arrays.map(\.name) == ["W0", "b0", "scalar", "cube"])   // model.json is not .npy
        let byName = Dictionary(uniqueKeysWithValues: arrays.map { ($0.name, $0.array) })
        #expect(byName["W0"]?.shape == [3, 2])
        #expect(byName["W0"]?.dtype.description == "<f4")
        #expect(byName["W0"].flatMap(Self.floats) == Self.weights)
        #expect(byName["b0"]?.shape == [2])
        #expect(byName["b0"].flatMap(Self.floats) == Self.bias)
        #expect(byName["scalar"]?.shape == [])
        #expect(byName["scalar"].flatMap(Self.floats) == [42])
        #expect(byName["cube"]?.shape == [2, 3, 4])
        #expect(byName["cube"].flatMap(Self.floats) == Self.cube)
    }

    @Test func layoutIsAPlainStoredZip() throws {
        var bytes: [UInt8] = []
        try Self.sampleWriter().write(to: &bytes)
        #expect(Array(bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
        // The end record: 22 bytes, five entries, no comment.
        let end = Array(bytes.suffix(22))
        #expect(Array(end.prefix(4)) == [0x50, 0x4B, 0x05, 0x06])
        #expect(end[8] == 5 && end[10] == 5)
        #expect(end[20] == 0 && end[21] == 0)
        // The same members give the same bytes.
        var again: [UInt8] = []
        try Self.sampleWriter().write(to: &again)
        #expect(again == bytes)
        // An empty archive is just the end record.
        var empty: [UInt8] = []
        try NPZWriter().write(to: &empty)
        #expect(empty == [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18))
    }

    @Test func crcIsZlibs() {
        #expect(NPZWriter.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(NPZWriter.crc32([]) == 0)
    }

    @Test func refusesWhatAPlainZipCannotHold() throws {
        try NPZWriter.checkSize(NPZWriter.maximumSize, of: "member 'x'", path: "a.npz")
        #expect(throws: MNISTToolsError.self) { try NPZWriter.checkSize(1 << 32, of: "member 'x'", path: "a.npz") }
        do {
            try NPZWriter.checkSize(Int(UInt32.max), of: "member 'W0.npy'", path: "a.npz")
            Issue.record("4 GiB accepted")
        } catch {
            #expect("\(error)".contains("member 'W0.npy'"))
            #expect("\(error)".contains("ZIP64"))
        }
        var writer = NPZWriter()
        try writer.add(name: "a.npy", data: [])
        #expect(throws: MNISTToolsError.self) { try writer.add(name: "a.npy", data: []) }
        #expect(throws: MNISTToolsError.self) { try writer.add(name: "", data: []) }
    }

    @Test func writesAtomicallyAndRefusesAnExistingFile() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/best.npz"
        try Self.sampleWriter().write(path: path, overwrite: false)
        #expect(throws: MNISTToolsError.outputExists(path: path)) { try NPZWriter().write(path: path, overwrite: false) }
        #expect(try NPZFile.read(path: path).count == 4)
        try NPZWriter().write(path: path, overwrite: true)
        #expect(try FormatFixtures.contents(path).count == 22)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["best.npz"])
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
    func numpyAndZipfileReadIt() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/best.npz"
        try Self.sampleWriter().write(path: path, overwrite: false)
        let script = """
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
            f = np.load(sys.argv[1])
            out = {n: [list(f[n].shape), f[n].dtype.str, f[n].tobytes().hex()] for n in f.files if n.endswith('0') or n in ('scalar', 'cube')}
            out['json'] = json.loads(z.read('model.json'))
            out['files'] = f.files
            print(json.dumps(out))
            """
        let result = try #require(FormatFixtures.pythonJSON(script, [path]) as? [String: Any])
        #expect(result["files"] as? [String] == ["W0", "b0", "scalar", "cube", "model.json"])
        #expect((result["json"] as? [String: String]) == ["model": "logreg"])
        func check(_ name: String, _ shape: [Int], _ values: [Float]) {
            let entry = result[name] as? [Any]
            #expect(entry?[0] as? [Int] == shape)
            #expect(entry?[1] as? String == "<f4")
            #expect(entry?[2] as? String == FormatFixtures.hex(values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }))
        }
        check("W0", [3, 2], Self.weights)
        check("b0", [2], Self.bias)
        check("scalar", [], [42])
        check("cube", [2, 3, 4], Self.cube)
    }
}

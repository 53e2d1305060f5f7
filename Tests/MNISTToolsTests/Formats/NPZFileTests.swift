import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// `.npz` archives: `np.savez` (stored members, read in place) and `np.savez_compressed`
/// (deflated), ZIP64 records, comments, Keras-style datasets, damaged archives.
@Suite(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
struct NPZFileTests {
    /// Python that saves a small Keras-style MNIST archive (`sys.argv[1]`, with `sys.argv[2]`
    /// the savez function's name) and prints the pixel hex and labels of each split.
    static let saveKerasStyle = """
        path, save = sys.argv[1], getattr(np, sys.argv[2])
        rng = np.random.default_rng(7)
        x_train = rng.integers(0, 256, (50, 28, 28), dtype='u1'); y_train = rng.integers(0, 10, 50).astype('u1')
        x_test = rng.integers(0, 256, (20, 28, 28), dtype='u1'); y_test = rng.integers(0, 10, 20).astype('u1')
        save(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        print(json.dumps({'train': [x_train.tobytes().hex(), y_train.tolist()], 'test': [x_test.tobytes().hex(), y_test.tolist()]}))
        """

    @Test(arguments: ["savez", "savez_compressed"])
    func readsKerasStyleArchives(save: String) throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/mnist.npz"
        let expected = try #require(FormatFixtures.pythonJSON(Self.saveKerasStyle, [path, save]) as? [String: [Any]])
        let arrays = try NPZFile.read(path: path)
        #expect(arrays.map(\.name) == ["x_train", "y_train", "x_test", "y_test"])
        let fileSize = try FormatFixtures.contents(path).count
        for (_, array) in arrays {
            let storage = try #require(array.bytes?.storage)
            // Stored members are views of the mapped file; deflated ones have their own storage.
            #expect((storage.count == fileSize) == (save == "savez"))
        }
        let dataset = try NPZFile.readDataset(path: path)
        #expect(dataset.splits.map(\.name) == ["train", "test"])
        for split in dataset.splits {
            let want = try #require(expected[split.name])
            guard case let .bytes(pixels, divisor) = split.images.pixels else {
                Issue.record("expected byte pixels")
                continue
            }
            #expect(divisor == 255)
            #expect((split.images.rows, split.images.columns) == (28, 28))
            #expect(FormatFixtures.hex(pixels.array) == want[0] as? String)
            #expect(split.labels.values == want[1] as? [Int])
        }
    }

    @Test func readsEveryDtypeAndOrderInsideArchives() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/mixed.npz"
        let expected = try #require(FormatFixtures.pythonJSON(FormatFixtures.infoFunction + """
            arrays = {'big': np.arange(6, dtype='>f8').reshape(2, 3), 'fortran': np.asfortranarray(np.arange(12, dtype='<i2').reshape(3, 4)),
                      'scalar': np.array(True), 'empty': np.zeros((0, 5), dtype='<u4'), 'half': np.linspace(0, 1, 7).astype('<f2')}
            np.savez_compressed(sys.argv[1], **arrays)
            print(json.dumps({k: info(v) for k, v in arrays.items()}))
            """, [path]) as? [String: [String: Any]])
        let arrays = try NPZFile.read(path: path)
        #expect(arrays.count == expected.count)
        for (name, array) in arrays {
            let info = try #require(expected[name])
            #expect(array.dtype.description == info["dtype"] as? String, "\(name)")
            #expect(array.shape == info["shape"] as? [Int], "\(name)")
            #expect((array.reportedOrder == "F") == (info["fortran"] as? Bool), "\(name)")
            #expect(FormatFixtures.cOrderHex(array) == info["hex"] as? String, "\(name)")
        }
    }

    @Test func readsZip64RecordsAndComments() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        // Lowering zipfile's limits makes it write what it writes for huge archives: ZIP64
        // extra fields in the directory entries and a ZIP64 end record with its locator.
        // The second archive's comment holds a false end signature (which Python's zipfile
        // trips over; the record ending exactly at the end of the file is the true one).
        try FormatFixtures.python("""
            zipfile.ZIP64_LIMIT = 8; zipfile.ZIP_FILECOUNT_LIMIT = 1
            arrays = dict(x_train=np.arange(40, dtype='u1').reshape(10, 2, 2), y_train=np.arange(10, dtype='u1'),
                          x_test=np.ones((3, 2, 2), dtype='u1'), y_test=np.zeros(3, dtype='u1'))
            for path, comment in [(sys.argv[1], b'a comment'), (sys.argv[2], b'PK\\x05\\x06\\x00\\x00 false signature')]:
                # What np.savez does, plus an archive comment.
                with zipfile.ZipFile(path, 'w') as z:
                    for name, a in arrays.items():
                        with z.open(name + '.npy', 'w', force_zip64=True) as f: np.lib.format.write_array(f, a)
                    z.comment = comment
            """, [folder + "/zip64.npz", folder + "/tricky.npz"])
        let bytes = try FormatFixtures.contents(folder + "/zip64.npz")
        #expect(FormatFixtures.hex(bytes).contains("504b0606"), "no ZIP64 end record written")
        let loaded = try FormatFixtures.python("d = np.load(sys.argv[1]); print(d['x_train'].sum())", [folder + "/zip64.npz"])
        #expect(loaded.contains("780"))
        for name in ["zip64.npz", "tricky.npz"] {
            let dataset = try NPZFile.readDataset(path: folder + "/" + name)
            #expect(dataset.split(named: "train")?.count == 10)
            #expect(dataset.split(named: "train")?.labels.values == Array(0..<10))
            #expect(dataset.split(named: "test")?.count == 3)
        }
    }

    @Test func mapsOtherKeyStyles() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/styles.npz"
        try FormatFixtures.python("""
            np.savez(sys.argv[1], train_x=np.zeros((4, 784), dtype='f4'), train_y=np.arange(4),
                     x_val=np.ones((2, 784), dtype='f4') / 255, y_val=np.array([1.0, 2.0]), test_x=np.zeros((1, 784)), test_y=np.array([9]))
            """, [path])
        let dataset = try NPZFile.readDataset(path: path)
        #expect(dataset.splits.map(\.name) == ["train", "valid", "test"])
        #expect(dataset.split(named: "valid")?.labels.values == [1, 2])
        #expect(dataset.split(named: "test")?.images.rows == 28)
    }

    @Test func reportsKeysWhenNoSplitMatches() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/other.npz"
        try FormatFixtures.python("np.savez(sys.argv[1], images=np.zeros((2, 4)), targets=np.zeros(2))", [path])
        FormatFixtures.expectError(mentioning: [path, "'x_train'/'y_train'", "found 'images', 'targets'"]) {
            _ = try NPZFile.readDataset(path: path)
        }
        let half = folder + "/half.npz"
        try FormatFixtures.python("np.savez(sys.argv[1], x_train=np.zeros((2, 4, 4)), y_test=np.zeros(2))", [half])
        FormatFixtures.expectError(mentioning: [half, "split 'train'", "has 'x_train' but no 'y_train'"]) {
            _ = try NPZFile.readDataset(path: half)
        }
    }

    @Test func corruptMemberFailsItsCRC() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/mnist.npz"
        _ = try FormatFixtures.pythonJSON(Self.saveKerasStyle, [path, "savez"])
        var bytes = try FormatFixtures.contents(path)
        // Flip a pixel in the middle of x_train's data (stored, so the header stays intact).
        let header = try #require(FormatFixtures.hex(bytes).range(of: FormatFixtures.hex(NPYFile.header(dtype: .uint8, shape: [50, 28, 28], fortran: false))))
        let dataStart = FormatFixtures.hex(bytes).distance(from: FormatFixtures.hex(bytes).startIndex, to: header.upperBound) / 2
        bytes[dataStart + 1000] ^= 0x55
        let damaged = try FormatFixtures.write(bytes, to: folder, name: "damaged.npz")
        FormatFixtures.expectError(mentioning: [damaged, "member 'x_train.npy'", "CRC-32 mismatch"]) { _ = try NPZFile.read(path: damaged) }
    }

    @Test func corruptDeflateDataIsReported() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/small.npz"
        try FormatFixtures.python("np.savez_compressed(sys.argv[1], x_train=np.arange(3000, dtype='<i4'))", [path])
        var bytes = try FormatFixtures.contents(path)
        // The member's data starts after the 30-byte local header, its name and extra field.
        let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8
        let extraLength = Int(bytes[28]) | Int(bytes[29]) << 8
        let start = 30 + nameLength + extraLength
        for index in start..<(start + 40) { bytes[index] = 0xFF }
        let damaged = try FormatFixtures.write(bytes, to: folder, name: "damaged.npz")
        let message = FormatFixtures.expectError(mentioning: [damaged, "member 'x_train.npy'"]) { _ = try NPZFile.read(path: damaged) }
        #expect(message.contains("DEFLATE") || message.contains("CRC-32") || message.contains("inflates"))
    }

    @Test func unsupportedCompressionMethodIsNamed() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/bzip2.npz"
        try FormatFixtures.python("""
            import io
            b = io.BytesIO(); np.save(b, np.arange(5))
            with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_BZIP2) as z: z.writestr('x_train.npy', b.getvalue())
            """, [path])
        FormatFixtures.expectError(mentioning: [path, "member 'x_train.npy'", "compression method 12", "0 (stored) or 8 (deflate)"]) {
            _ = try NPZFile.read(path: path)
        }
    }

    @Test func invalidNPYMemberIsNamed() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/bad.npz"
        try FormatFixtures.python("""
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                z.writestr('README.txt', b'not an array, skipped')
                z.writestr('x_train.npy', b'\\x93NUMPY\\x01\\x00\\x10\\x00{"shape": (2,)}\\n')
            """, [path])
        FormatFixtures.expectError(mentioning: [path, "member 'x_train.npy'", "exactly the keys"]) { _ = try NPZFile.read(path: path) }
    }

    @Test func notAZipAndTruncatedArchives() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let npy = folder + "/plain.npy"
        try FormatFixtures.python("np.save(sys.argv[1], np.arange(5))", [npy])
        FormatFixtures.expectError(mentioning: [npy, "not a zip archive", ".npy file", "PK\\x05\\x06"]) { _ = try NPZFile.read(path: npy) }
        let tiny = try FormatFixtures.write([0x50, 0x4B], to: folder, name: "tiny.npz")
        FormatFixtures.expectError(mentioning: [tiny, "not a zip archive"]) { _ = try NPZFile.read(path: tiny) }

        let path = folder + "/mnist.npz"
        _ = try FormatFixtures.pythonJSON(Self.saveKerasStyle, [path, "savez"])
        let bytes = try FormatFixtures.contents(path)
        // Keep the end record but drop the directory and some data before it: it now points
        // past its own start.
        let cut = try FormatFixtures.write(Array(bytes.prefix(1000)) + Array(bytes.suffix(22)), to: folder, name: "cut.npz")
        FormatFixtures.expectError(mentioning: [cut, "truncated archive", "directory"]) { _ = try NPZFile.read(path: cut) }
        // Cut off inside a member's data, with a directory and end record made for it.
        let shortened = folder + "/short.npz"
        try FormatFixtures.python("""
            np.savez(sys.argv[1], x_train=np.zeros((100, 28, 28), dtype='u1'), y_train=np.zeros(100, dtype='u1'))
            data = bytearray(open(sys.argv[1], 'rb').read())
            # Make y_train (the last directory entry) claim more data than the file holds.
            start = data.rfind(b'PK\\x01\\x02')
            struct.pack_into('<II', data, start + 20, 10**6, 10**6)
            open(sys.argv[1], 'wb').write(data)
            """, [shortened])
        FormatFixtures.expectError(mentioning: [shortened, "member 'y_train.npy'", "truncated archive", "1000000 bytes"]) {
            _ = try NPZFile.read(path: shortened)
        }
    }

    @Test func implausibleDeclaredSizeIsRefusedBeforeAllocating() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = folder + "/bomb.npz"
        try FormatFixtures.python("""
            np.savez_compressed(sys.argv[1], x_train=np.zeros(1000, dtype='u1'))
            data = bytearray(open(sys.argv[1], 'rb').read())
            start = data.rfind(b'PK\\x01\\x02')
            struct.pack_into('<I', data, start + 24, 0xFFFFFFF0)
            open(sys.argv[1], 'wb').write(data)
            """, [path])
        FormatFixtures.expectError(mentioning: [path, "member 'x_train.npy'", "4294967280 uncompressed bytes", "more than DEFLATE can make"]) {
            _ = try NPZFile.read(path: path)
        }
    }
}

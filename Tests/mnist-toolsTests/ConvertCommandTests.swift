import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `convert` end to end: round trips through every output format checked by CPython and
/// NumPy, `dataset.json`, float pixels, bad inputs, existing outputs and interruptions.
@Suite struct ConvertCommandTests {
    typealias Support = DatasetCommandSupport
    static let sample = DatasetCommandSupport.sample

    // MARK: Round trips

    /// pickle → IDX folder → classic pickle (gzipped and plain): CPython reads back the
    /// very arrays of the original, dtypes included.
    @Test func classicSampleRoundTripsThroughAFolder() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let converted = try CommandRunner.run(["convert", Self.sample, "-o", folder + "/idx"])
        #expect(converted.status == 0, "\(converted.standardError)")
        #expect(converted.standardOutput == "wrote \(folder)/idx (idx): train 3000, valid 1000, test 1000; 28×28 uint8 pixels (value = byte/256)\n")
        for name in ["back.pkl.gz", "back.pkl"] {
            let back = try CommandRunner.run(["convert", folder + "/idx", "-o", folder + "/" + name, "--format", "pkl"])
            #expect(back.status == 0, "\(back.standardError)")
        }
        let report = try Support.python("""
            def load(p):
                return pickle.load((gzip.open if p.endswith('.gz') else open)(p, 'rb'), encoding='latin1')
            original = load(sys.argv[1])
            for path in sys.argv[2:]:
                copy = load(path)
                assert type(copy) is tuple and len(copy) == 3, type(copy)
                for (x, y), (x2, y2) in zip(original, copy):
                    assert type(x2) is np.ndarray and x2.dtype == np.float32 and x2.shape == x.shape, (x2.dtype, x2.shape)
                    assert y2.dtype == np.int64 and y2.shape == y.shape, (y2.dtype, y2.shape)
                    assert np.array_equal(x, x2) and x.tobytes() == x2.tobytes()
                    assert np.array_equal(y, y2) and y.tobytes() == y2.tobytes()
            print('ok')
            """, [Self.sample, folder + "/back.pkl.gz", folder + "/back.pkl"])
        #expect(report == "ok\n")
        // The gzip wrapper is real: the file starts with the gzip magic.
        #expect(try Support.contents(folder + "/back.pkl.gz").prefix(2) == Data([0x1F, 0x8B]))
        #expect(try Support.contents(folder + "/back.pkl").prefix(2) == Data([0x80, 0x02]))
        #expect(try Support.leftovers(of: folder + "/back.pkl") == ["back.pkl"])
    }

    /// The pickle written from the folder has, array by array, the sha256 values that
    /// `inspect --json` gives for the original.
    @Test func inspectJSONOfTheRewrittenPickleMatchesTheOriginal() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        #expect(try CommandRunner.run(["convert", Self.sample, "-o", folder + "/idx"]).status == 0)
        #expect(try CommandRunner.run(["convert", folder + "/idx", "-o", folder + "/new.pkl.gz", "--format", "pkl"]).status == 0)
        func arrays(_ path: String) throws -> [[String: String]] {
            let output = try CommandRunner.run(["inspect", "--json", path])
            try #require(output.status == 0, "\(output.standardError)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
            let value = try #require(document["value"] as? [String: Any])
            let pairs = try #require(value["tuple"] as? [[String: Any]])
            return try pairs.flatMap { pair in
                try #require(pair["tuple"] as? [[String: Any]]).map { item in
                    let array = item["ndarray"] as? [String: Any] ?? [:]
                    return ["dtype": "\(array["dtype"] ?? "")", "shape": "\(array["shape"] ?? "")", "sha256": "\(array["sha256"] ?? "")"]
                }
            }
        }
        let original = try arrays(Self.sample), copy = try arrays(folder + "/new.pkl.gz")
        #expect(original.count == 6)
        #expect(copy == original)
        #expect(original.allSatisfy { $0["sha256"]?.count == 64 })
    }

    /// `dataset.json` of the classic sample: counts, shapes, the divisor 256, class counts
    /// from NumPy, each file's sha256 as `sha256sum` gives it, and the source's.
    @Test func manifestDescribesTheClassicSample() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let output = folder + "/idx"
        #expect(try CommandRunner.run(["convert", Self.sample, "-o", output]).status == 0)
        let manifest = try Support.manifest(output)
        #expect(manifest["format"] as? String == "mnist-tools dataset")
        #expect(manifest["version"] as? Int == 1)
        #expect(manifest["file_format"] as? String == "idx")
        #expect(manifest["classes"] as? Int == 10)
        let source = try #require(manifest["source"] as? [String: Any])
        #expect(source["path"] as? String == Self.sample)
        #expect(source["sha256"] as? String == (try Support.sha256sum(Self.sample)))
        let expectedCounts = try #require(try Support.pythonJSON("""
            print(json.dumps([np.bincount(y, minlength=10).tolist() for _, y in pickle.load(gzip.open(sys.argv[1]), encoding='latin1')]))
            """, [Self.sample]) as? [[Int]])
        let splits = try Support.splits(manifest)
        #expect(splits.map { $0["name"] as? String } == ["train", "valid", "test"])
        #expect(splits.map { $0["count"] as? Int } == [3000, 1000, 1000])
        let prefixes = ["train", "valid", "t10k"]
        for (index, split) in splits.enumerated() {
            #expect(split["rows"] as? Int == 28)
            #expect(split["columns"] as? Int == 28)
            let pixels = try #require(split["pixels"] as? [String: Any])
            #expect(pixels["dtype"] as? String == "uint8")
            #expect(pixels["divisor"] as? Int == 256)
            #expect(split["class_counts"] as? [Int] == expectedCounts[index])
            #expect((split["class_counts"] as? [Int])?.reduce(0, +) == split["count"] as? Int)
            let images = try Support.file(split, "images"), labels = try Support.file(split, "labels")
            #expect(images.name == "\(prefixes[index])-images-idx3-ubyte")
            #expect(labels.name == "\(prefixes[index])-labels-idx1-ubyte")
            #expect(images.sha256 == (try Support.sha256sum(output + "/" + images.name)))
            #expect(labels.sha256 == (try Support.sha256sum(output + "/" + labels.name)))
        }
        #expect(try Support.names(in: output) == ["dataset.json", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                                                   "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                   "valid-images-idx3-ubyte", "valid-labels-idx1-ubyte"])
        #expect(try Support.leftovers(of: output) == ["idx"])
    }

    /// `--format npy`: NumPy maps each file and finds pixels = original × 256 as uint8,
    /// shaped (N, 28, 28), and the labels; the IDX files hold the same bytes after their header.
    @Test func npyFilesLoadInNumPy() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let output = folder + "/npy"
        let run = try CommandRunner.run(["convert", Self.sample, "-o", output, "--format", "npy"])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try Support.python("""
            original = pickle.load(gzip.open(sys.argv[1]), encoding='latin1')
            for name, (x, y) in zip(['train', 'valid', 'test'], original):
                images = np.load(os.path.join(sys.argv[2], name + '-images.npy'), mmap_mode='r')
                labels = np.load(os.path.join(sys.argv[2], name + '-labels.npy'), mmap_mode='r')
                assert isinstance(images, np.memmap) and isinstance(labels, np.memmap)
                assert images.dtype == np.uint8 and images.shape == (len(x), 28, 28), (images.dtype, images.shape)
                assert np.array_equal(images.reshape(len(x), 784), (x * 256).astype(np.uint8))
                assert np.array_equal(images.reshape(len(x), 784).astype(np.float32) / np.float32(256), x)
                assert labels.shape == y.shape and np.array_equal(labels, y), labels.dtype
            print('ok')
            """, [Self.sample, output])
        #expect(report == "ok\n")
        let manifest = try Support.manifest(output)
        #expect(manifest["file_format"] as? String == "npy")
        for split in try Support.splits(manifest) {
            let name = try #require(split["name"] as? String)
            let images = try Support.file(split, "images"), labels = try Support.file(split, "labels")
            #expect(images.name == "\(name)-images.npy")
            #expect(labels.name == "\(name)-labels.npy")
            #expect(images.sha256 == (try Support.sha256sum(output + "/" + images.name)))
            #expect(labels.sha256 == (try Support.sha256sum(output + "/" + labels.name)))
            #expect((split["pixels"] as? [String: Any])?["divisor"] as? Int == 256)
        }
    }

    /// A dataset folder is an input too: NPY folder → IDX folder gives the files a direct
    /// conversion gives, and the source is recorded as a folder (no sha256).
    @Test func convertsAFolderWrittenByConvert() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        #expect(try CommandRunner.run(["convert", Self.sample, "-o", folder + "/npy", "--format", "npy"]).status == 0)
        #expect(try CommandRunner.run(["convert", folder + "/npy", "-o", folder + "/via-npy"]).status == 0)
        #expect(try CommandRunner.run(["convert", Self.sample, "-o", folder + "/direct"]).status == 0)
        for name in try Support.names(in: folder + "/direct") where name != "dataset.json" {
            #expect(try Support.contents(folder + "/via-npy/" + name) == Support.contents(folder + "/direct/" + name), "\(name)")
        }
        let manifest = try Support.manifest(folder + "/via-npy")
        let source = try #require(manifest["source"] as? [String: Any])
        #expect(source["path"] as? String == folder + "/npy")
        #expect(source["sha256"] is NSNull)
        #expect(try Support.splits(manifest).map { ($0["pixels"] as? [String: Any])?["divisor"] as? Int } == [256, 256, 256])
    }

    /// IDX → folder → IDX: byte-identical files, divisor 255, class counts, no source sha256.
    @Test func idxFolderRoundTripIsByteIdentical() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/lecun"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try Support.writeIDXFolder(input, trainCount: 23, testCount: 11, rows: 4, columns: 5)
        let run = try CommandRunner.run(["convert", input, "-o", folder + "/out"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput == "wrote \(folder)/out (idx): train 23, test 11; 4×5 uint8 pixels (value = byte/255)\n")
        for name in try Support.names(in: input) {
            #expect(try Support.contents(folder + "/out/" + name) == Support.contents(input + "/" + name), "\(name)")
        }
        let manifest = try Support.manifest(folder + "/out")
        #expect((manifest["source"] as? [String: Any])?["sha256"] is NSNull)
        let splits = try Support.splits(manifest)
        #expect(splits.map { $0["name"] as? String } == ["train", "test"])
        #expect(splits.map { $0["count"] as? Int } == [23, 11])
        for split in splits {
            #expect(split["rows"] as? Int == 4)
            #expect(split["columns"] as? Int == 5)
            #expect((split["pixels"] as? [String: Any])?["divisor"] as? Int == 255)
        }
        // Labels are 0…9 in turn, shuffled: 23 gives three of classes 0–2 and two of the rest.
        #expect(splits[0]["class_counts"] as? [Int] == [3, 3, 3, 2, 2, 2, 2, 2, 2, 2])
        #expect(splits[1]["class_counts"] as? [Int] == [2, 1, 1, 1, 1, 1, 1, 1, 1, 1])
        // And back to a classic pickle: the floats are byte / 255.
        #expect(try CommandRunner.run(["convert", folder + "/out", "-o", folder + "/back.pkl", "--format", "pkl"]).status == 0)
        let report = try Support.python("""
            (x, y), (x2, y2) = pickle.load(open(sys.argv[1], 'rb'), encoding='latin1')
            raw = open(os.path.join(sys.argv[2], 'train-images-idx3-ubyte'), 'rb').read()[16:]
            expected = np.frombuffer(raw, dtype=np.uint8).reshape(23, 20).astype(np.float32) / np.float32(255)
            assert x.dtype == np.float32 and x.shape == (23, 20) and np.array_equal(x, expected)
            assert y.dtype == np.int64 and y2.shape == (11,)
            print('ok')
            """, [folder + "/back.pkl", input])
        #expect(report == "ok\n")
    }

    /// Debian's Fashion-MNIST (gzipped IDX): the folder's files are the originals, inflated.
    @Test(.enabled(if: DatasetCommandSupport.hasFashionMNIST, "needs Debian's fashion-mnist package"))
    func fashionMNISTRoundTripIsByteIdentical() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let run = try CommandRunner.run(["convert", Support.fashionMNIST, "-o", folder + "/out"])
        #expect(run.status == 0, "\(run.standardError)")
        let digests = try #require(try Support.pythonJSON("""
            import hashlib
            print(json.dumps({n[:-3]: hashlib.sha256(gzip.open(os.path.join(sys.argv[1], n)).read()).hexdigest()
                              for n in os.listdir(sys.argv[1]) if n.endswith('-ubyte.gz')}))
            """, [Support.fashionMNIST]) as? [String: String])
        #expect(digests.count == 4)
        let manifest = try Support.manifest(folder + "/out")
        let splits = try Support.splits(manifest)
        #expect(splits.map { $0["count"] as? Int } == [60000, 10000])
        #expect(splits.map { $0["class_counts"] as? [Int] } == [Array(repeating: 6000, count: 10), Array(repeating: 1000, count: 10)])
        for split in splits {
            #expect((split["pixels"] as? [String: Any])?["divisor"] as? Int == 255)
            for kind in ["images", "labels"] {
                let file = try Support.file(split, kind)
                #expect(digests[file.name] == file.sha256, "\(file.name)")
                #expect(try Support.sha256sum(folder + "/out/" + file.name) == file.sha256)
            }
        }
    }

    /// Standard input works; the source then has no sha256.
    @Test func readsStandardInput() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let run = try CommandRunner.run(["convert", "-", "-o", folder + "/out"], input: try Support.contents(Self.sample))
        #expect(run.status == 0, "\(run.standardError)")
        let source = try #require(try Support.manifest(folder + "/out")["source"] as? [String: Any])
        #expect(source["path"] as? String == "-")
        #expect(source["sha256"] is NSNull)
    }

    // MARK: Float pixels

    /// Random float32 pixels in 0…1: a classic-style pickle written by Python 3.
    static func writeFloatPickle(_ path: String) throws {
        try Support.writePickle(path, """
            ((r.random((50, 784), dtype=np.float32), r.integers(0, 10, 50)),
             (r.random((20, 784), dtype=np.float32), r.integers(0, 10, 20)))
            """)
    }

    @Test func floatPixelsAreRefusedForIDX() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/float.pkl", output = folder + "/out"
        try Self.writeFloatPickle(input)
        let run = try CommandRunner.run(["convert", input, "-o", output])
        #expect(run.status == 1)
        #expect(run.standardOutput.isEmpty)
        #expect(run.standardError.contains("\(input): train images: pixels are not all multiples of 1/256 or 1/255"))
        #expect(run.standardError.contains("--format npy"))
        #expect(run.standardError.contains("--quantize"))
        #expect(try Support.names(in: folder) == ["float.pkl"])
    }

    @Test func npyKeepsFloatPixelsExactly() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/float.pkl", output = folder + "/npy"
        try Self.writeFloatPickle(input)
        let run = try CommandRunner.run(["convert", input, "-o", output, "--format", "npy"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("28×28 float32 pixels"))
        let report = try Support.python("""
            for name, (x, y) in zip(['train', 'test'], pickle.load(open(sys.argv[1], 'rb'))):
                images = np.load(os.path.join(sys.argv[2], name + '-images.npy'), mmap_mode='r')
                assert images.dtype == np.float32 and images.shape == (len(x), 28, 28)
                assert images.tobytes() == x.tobytes()
                assert np.array_equal(np.load(os.path.join(sys.argv[2], name + '-labels.npy')), y)
            print('ok')
            """, [input, output])
        #expect(report == "ok\n")
        for split in try Support.splits(try Support.manifest(output)) {
            let pixels = try #require(split["pixels"] as? [String: Any])
            #expect(pixels["dtype"] as? String == "float32")
            #expect(pixels["divisor"] == nil)
        }
        // The classic format keeps them too.
        #expect(try CommandRunner.run(["convert", output, "-o", folder + "/back.pkl", "--format", "pkl"]).status == 0)
        #expect(try Support.python("""
            a, b = pickle.load(open(sys.argv[1], 'rb')), pickle.load(open(sys.argv[2], 'rb'), encoding='latin1')
            print(all(x.tobytes() == x2.tobytes() and np.array_equal(y, y2) for (x, y), (x2, y2) in zip(a, b)))
            """, [input, folder + "/back.pkl"]) == "True\n")
    }

    @Test func quantizeWritesBytesAndReportsTheLargestChange() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/float.pkl", output = folder + "/q"
        try Self.writeFloatPickle(input)
        let run = try CommandRunner.run(["convert", input, "-o", output, "--quantize"])
        #expect(run.status == 0, "\(run.standardError)")
        let line = run.standardOutput.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix("wrote \(output) (idx): train 50, test 20; 28×28 uint8 pixels (value = byte/255); largest quantization change "))
        let reported = try #require(line.split(separator: " ").last.flatMap { Double($0) })
        #expect(reported > 0.0019 && reported <= 1.0 / 510 + 1e-7)
        let largest = try #require(Double(try Support.python("""
            worst = 0.0
            for name, (x, y) in zip(['train', 't10k'], pickle.load(open(sys.argv[1], 'rb'))):
                raw = open(os.path.join(sys.argv[2], name + '-images-idx3-ubyte'), 'rb').read()
                assert raw[:4] == b'\\x00\\x00\\x08\\x03'
                q = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(x.shape)
                change = np.abs(q.astype(np.float64) / 255 - x.astype(np.float64))
                assert change.max() <= 1 / 510 + 1e-7, change.max()
                worst = max(worst, change.max())
            print(worst)
            """, [input, output]).trimmingCharacters(in: .newlines)))
        #expect(abs(largest - reported) < 1e-6)
        for split in try Support.splits(try Support.manifest(output)) {
            #expect((split["pixels"] as? [String: Any])?["divisor"] as? Int == 255)
        }
    }

    /// `--quantize` needs pixels in 0…1: floats in 0…255 are refused, naming the pixel.
    @Test func quantizeRefusesPixelsOutsideTheUnitRange() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/wide.pkl"
        try Support.writePickle(input, """
            ((np.full((3, 784), 0.5, dtype=np.float32), r.integers(0, 10, 3)),
             (np.full((2, 784), 37.25, dtype=np.float32), r.integers(0, 10, 2)))
            """)
        let run = try CommandRunner.run(["convert", input, "-o", folder + "/out", "--quantize"])
        #expect(run.status == 1)
        #expect(run.standardError == "mnist-tools: error: \(input): test images: --quantize needs pixels in 0…1, found 37.25 at pixel 0\n")
        #expect(try Support.names(in: folder) == ["wide.pkl"])
    }

    // MARK: Bad inputs

    struct BadPickle: CustomTestStringConvertible, Sendable {
        let name: String
        let value: String
        let field: String
        let reason: String
        var testDescription: String { name }
    }

    static let badPickles: [BadPickle] = [
        BadPickle(name: "counts differ", value: "((px(5), lab(4)), (px(3), lab(3)))", field: "split 'train'", reason: "5 images but 4 labels"),
        BadPickle(name: "negative label", value: "((px(5), np.array([1, 2, -3, 4, 5])), (px(3), lab(3)))", field: "train labels", reason: "label 2 is -3"),
        BadPickle(name: "fractional label", value: "((px(5), lab(5)), (px(3), np.array([1.0, 3.5, 2.0])))", field: "test labels", reason: "label 1 is 3.5"),
        BadPickle(name: "NaN pixel", value: "((put(px(5), np.nan), lab(5)), (px(3), lab(3)))", field: "train images", reason: "NaN or infinity"),
        BadPickle(name: "infinite pixel", value: "((px(5), lab(5)), (put(px(3), -np.inf), lab(3)))", field: "test images", reason: "NaN or infinity"),
        BadPickle(name: "a dict", value: "{'x': px(5), 'y': lab(5)}", field: "pickle", reason: "found dict"),
        BadPickle(name: "one pair", value: "((px(5), lab(5)),)", field: "pickle", reason: "expected a tuple of 2 or 3 (images, labels) pairs"),
        BadPickle(name: "labels 2-D", value: "((px(5), lab(5).reshape(5, 1)), (px(3), lab(3)))", field: "pickle", reason: "found tuple"),
    ]

    /// Each is refused with exit code 1, a message naming the file and the field, and
    /// nothing at the destination or beside it, whatever the output format.
    @Test(arguments: badPickles)
    func refusesBadPickles(_ bad: BadPickle) throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/bad.pkl"
        try Support.writePickle(input, """
            (lambda px, lab, put: \(bad.value))(
                lambda n: (r.integers(0, 256, (n, 784)) / 256).astype(np.float32),
                lambda n: r.integers(0, 10, n),
                lambda a, v: (a.__setitem__((1, 7), v), a)[1])
            """)
        for (format, name) in [("idx", "out"), ("npy", "out"), ("pkl", "out.pkl.gz")] {
            let output = folder + "/" + name
            let run = try CommandRunner.run(["convert", input, "-o", output, "--format", format])
            #expect(run.status == 1, "\(format)")
            #expect(run.standardOutput.isEmpty)
            #expect(run.standardError.hasPrefix("mnist-tools: error: \(input): \(bad.field): "), "\(run.standardError)")
            #expect(run.standardError.contains(bad.reason), "\(run.standardError)")
            #expect(try Support.names(in: folder) == ["bad.pkl"])
        }
    }

    @Test func refusesATruncatedIDXImagesFile() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/lecun"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try Support.writeIDXFolder(input)
        let images = input + "/train-images-idx3-ubyte"
        try Support.contents(images).dropLast(10).write(to: URL(fileURLWithPath: images))
        let run = try CommandRunner.run(["convert", input, "-o", folder + "/out"])
        #expect(run.status == 1)
        #expect(run.standardError.contains("\(images): data size: truncated file"), "\(run.standardError)")
        #expect(run.standardError.contains("need 140 bytes of data, but only 130 follow the 16-byte header"))
        #expect(try Support.names(in: folder) == ["lecun"])
    }

    @Test func refusesAnUnknownIDXTypeCode() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/lecun"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try Support.writeIDXFolder(input)
        let labels = input + "/t10k-labels-idx1-ubyte"
        var bytes = try Support.contents(labels)
        bytes[2] = 0x0A
        try bytes.write(to: URL(fileURLWithPath: labels))
        let run = try CommandRunner.run(["convert", input, "-o", folder + "/out", "--format", "npy"])
        #expect(run.status == 1)
        #expect(run.standardError.contains("\(labels): type code (byte 2): 0x0A is not an IDX type"), "\(run.standardError)")
        #expect(try Support.names(in: folder) == ["lecun"])
    }

    @Test func refusesAFolderWithoutADataset() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        let run = try CommandRunner.run(["convert", folder + "/empty", "-o", folder + "/out"])
        #expect(run.status == 1)
        #expect(run.standardError.contains("\(folder)/empty: folder: expected dataset.json"))
        #expect(try Support.names(in: folder) == ["empty"])
        let missing = try CommandRunner.run(["convert", folder + "/nothing.pkl", "-o", folder + "/out"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("\(folder)/nothing.pkl"))
        #expect(try Support.names(in: folder) == ["empty"])
    }

    /// A missing parent folder is reported against the destination, not a temporary name.
    @Test func missingParentFolderNamesTheDestination() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        for (format, name) in [("idx", "out"), ("pkl", "out.pkl")] {
            let output = folder + "/missing/" + name
            let run = try CommandRunner.run(["convert", Self.sample, "-o", output, "--format", format])
            #expect(run.status == 1)
            #expect(run.standardError == "mnist-tools: error: \(output): cannot write: No such file or directory\n")
        }
        #expect(try Support.names(in: folder).isEmpty)
    }

    @Test func usageErrorsExitWithTwo() throws {
        #expect(try CommandRunner.run(["convert", Self.sample]).status == 2)
        #expect(try CommandRunner.run(["convert", Self.sample, "-o", "/tmp/x", "--format", "csv"]).status == 2)
        #expect(try CommandRunner.run(["convert"]).status == 2)
    }

    // MARK: Existing outputs

    @Test func existingFolderIsKeptWithoutForceAndReplacedWithIt() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let output = folder + "/out"
        try FileManager.default.createDirectory(atPath: output + "/nested/deeper", withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: output + "/keep.txt"))
        try Data("deep".utf8).write(to: URL(fileURLWithPath: output + "/nested/deeper/file"))
        for format in ["idx", "npy"] {
            let refused = try CommandRunner.run(["convert", Self.sample, "-o", output, "--format", format])
            #expect(refused.status == 1)
            #expect(refused.standardError == "mnist-tools: error: \(output) already exists (use --force to replace it)\n")
        }
        let trailing = try CommandRunner.run(["convert", Self.sample, "-o", output + "/"])
        #expect(trailing.status == 1)
        #expect(try Support.names(in: output) == ["keep.txt", "nested"])
        #expect(try Support.contents(output + "/nested/deeper/file") == Data("deep".utf8))
        #expect(try Support.leftovers(of: output) == ["out"])

        let replaced = try CommandRunner.run(["convert", Self.sample, "-o", output, "--format", "npy", "--force"])
        #expect(replaced.status == 0, "\(replaced.standardError)")
        #expect(try Support.names(in: output).first == "dataset.json")
        #expect(!Support.exists(output + "/keep.txt"))
        // The old folder, subfolders and all, is gone: nothing is left beside the new one.
        #expect(try Support.names(in: folder) == ["out"])
        let again = try CommandRunner.run(["convert", Self.sample, "-o", output + "/", "--force"])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(try Support.manifest(output)["file_format"] as? String == "idx")
        #expect(try Support.names(in: folder) == ["out"])
    }

    /// `--force` on a link replaces the link; the folder it pointed to keeps its files.
    @Test func forceReplacesALinkNotWhatItPointsTo() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        try FileManager.default.createDirectory(atPath: folder + "/target", withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder + "/target/mine.txt"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/target")
        #expect(try CommandRunner.run(["convert", Self.sample, "-o", folder + "/link"]).status == 1)
        let run = try CommandRunner.run(["convert", Self.sample, "-o", folder + "/link", "--force"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try Support.names(in: folder + "/target") == ["mine.txt"])
        #expect(try Support.manifest(folder + "/link")["file_format"] as? String == "idx")
        #expect(try Support.names(in: folder) == ["link", "target"])
        // A dangling link counts as existing too.
        try FileManager.default.createSymbolicLink(atPath: folder + "/dangling", withDestinationPath: folder + "/nowhere")
        #expect(try CommandRunner.run(["convert", Self.sample, "-o", folder + "/dangling"]).status == 1)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/dangling") == folder + "/nowhere")
    }

    @Test func existingPickleIsKeptWithoutForceAndReplacedWithIt() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let output = folder + "/out.pkl.gz"
        try Data("old".utf8).write(to: URL(fileURLWithPath: output))
        let refused = try CommandRunner.run(["convert", Self.sample, "-o", output, "--format", "pkl"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("already exists (use --force to replace it)"))
        #expect(try Support.contents(output) == Data("old".utf8))
        let replaced = try CommandRunner.run(["convert", Self.sample, "-o", output, "--format", "pkl", "--force"])
        #expect(replaced.status == 0, "\(replaced.standardError)")
        #expect(try Support.contents(output).prefix(2) == Data([0x1F, 0x8B]))
        #expect(try Support.names(in: folder) == ["out.pkl.gz"])
        // A folder is not replaced by a file.
        try FileManager.default.createDirectory(atPath: folder + "/dir.pkl", withIntermediateDirectories: true)
        let intoFolder = try CommandRunner.run(["convert", Self.sample, "-o", folder + "/dir.pkl", "--format", "pkl", "--force"])
        #expect(intoFolder.status == 1)
        #expect(intoFolder.standardError.contains("\(folder)/dir.pkl: cannot write: it is a folder"))
        #expect(try Support.names(in: folder) == ["dir.pkl", "out.pkl.gz"])
    }

    // MARK: Interruptions

    /// Starts `convert` on a big float pickle (so that writing takes a while), waits for its
    /// temporary folder, then `delay` microseconds, then sends `signal`. Whatever happens, the
    /// destination never holds part of a folder: it is absent, or (had the run already
    /// finished) complete. Returns what the run left beside the destination and whether the
    /// signal ended it.
    ///
    /// The test runner's threads block most signals, and a child inherits that mask, so the
    /// tool is started through a Python shim that unblocks them and restores their default
    /// actions before `exec` (same process id), as a shell would run it.
    static func interruptConversion(_ input: String, output: String, signal: Int32, delay: UInt32) throws -> (leftovers: [String], interrupted: Bool, pid: Int32) {
        let shim = """
            import os, signal, sys
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(s, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            os.execv(sys.argv[1], sys.argv[1:])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", shim, CommandRunner.binary.path, "convert", input, "-o", output, "--format", "npy"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let temporary = URL(fileURLWithPath: output).deletingLastPathComponent().path + "/.\(URL(fileURLWithPath: output).lastPathComponent).tmp-\(pid)"
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, !Support.exists(temporary), Date() < deadline { usleep(1_000) }
        usleep(delay)
        if process.isRunning { kill(pid, signal) }
        process.waitUntilExit()
        // SIGKILL ends the process; SIGINT and SIGTERM are caught, cleaned up after, and
        // reported as a shell would: exit status 128 + the signal number.
        let interrupted = process.terminationReason == .uncaughtSignal || process.terminationStatus == 128 + signal
        if interrupted {
            #expect(process.terminationStatus == (signal == SIGKILL ? signal : 128 + signal))
            // A signal that lands after the final rename finds the folder complete; before it,
            // the destination does not exist. Never anything in between.
            #expect(!Support.exists(output) || Support.exists(output + "/dataset.json"), "a partial destination after signal \(signal)")
        } else {
            #expect(process.terminationStatus == 0)
            #expect(Support.exists(output + "/dataset.json"))
        }
        return (try Support.leftovers(of: output), interrupted, pid)
    }

    @Test(.timeLimit(.minutes(5)))
    func interruptedConversionLeavesNoPartialFolder() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/big.pkl", output = folder + "/out"
        // 30,000 images of random float32 pixels: about 94 MB, kept as float32 in NPY files.
        try Support.python("""
            r = np.random.default_rng(9)
            x = r.random((30000, 784), dtype=np.float32)
            with open(sys.argv[1], 'wb') as f:
                pickle.dump(((x, r.integers(0, 10, 30000)), (x[:10], r.integers(0, 10, 10))), f, protocol=4)
            """, [input])

        /// Interrupts a run, 100 ms into its writing, or sooner when the machine writes
        /// faster than that; the last attempt signals as soon as the temporary folder appears.
        func interrupt(_ signal: Int32) throws -> (leftovers: [String], interrupted: Bool, pid: Int32) {
            var result: (leftovers: [String], interrupted: Bool, pid: Int32) = ([], false, 0)
            for delay: UInt32 in [100_000, 10_000, 0] {
                for name in try Support.leftovers(of: output) { Support.remove(folder + "/" + name) }
                result = try Self.interruptConversion(input, output: output, signal: signal, delay: delay)
                if result.interrupted { break }
            }
            #expect(result.interrupted, "signal \(signal) came after the end of every run")
            return result
        }

        let killed = try interrupt(SIGKILL)
        if killed.interrupted {
            // SIGKILL cannot be caught: the temporary folder stays, under a name that says whose it was.
            // (Or, when the kill lands after the final rename, the finished folder alone.)
            #expect(killed.leftovers == [".out.tmp-\(killed.pid)"] || killed.leftovers == ["out"])
        }
        // A later run removes the stale temporary folder and writes the destination.
        let later = try CommandRunner.run(["convert", Self.sample, "-o", output] + (Support.exists(output) ? ["--force"] : []))
        #expect(later.status == 0, "\(later.standardError)")
        #expect(try Support.manifest(output)["classes"] as? Int == 10)
        #expect(try Support.leftovers(of: output) == ["out"])

        for signal in [SIGINT, SIGTERM] {
            let result = try interrupt(signal)
            // SIGINT and SIGTERM are caught: the temporary folder is removed before exiting.
            print("convert after signal \(signal): interrupted \(result.interrupted), left \(result.leftovers)")
            #expect(result.leftovers == [] || result.leftovers == ["out"], "after signal \(signal)")
        }
    }
}

import Foundation
import Testing

/// `split` end to end on the classic sample and small IDX sets: which examples each split
/// gets (compared with the source's label order), fractions, seeds, stratification, the
/// order of splits, refusals, usage errors and the printed table.
@Suite struct SplitCommandTests {
    typealias Support = DatasetCommandSupport
    static let sample = DatasetCommandSupport.sample

    /// The labels of every split of a written folder, by split name.
    static func labels(_ folder: String) throws -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for split in try Support.splits(try Support.manifest(folder)) {
            result[try #require(split["name"] as? String)] = try Support.folderLabels(folder + "/" + (try Support.file(split, "labels")).name)
        }
        return result
    }

    /// The rows of the printed table after the "wrote" line, as words.
    static func table(_ output: String) -> [[String]] {
        output.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
    }

    /// An IDX folder with a train split only (LeCun names): `count` images whose first
    /// pixel is the image's index mod 256, labels from a fixed shuffle of 0…9 repeated.
    static func writeTrainOnly(_ folder: String, count: Int, classWeights: [Int]? = nil) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Support.python("""
            folder, n = sys.argv[1], int(sys.argv[2])
            weights = json.loads(sys.argv[3])
            r = np.random.default_rng(11)
            if weights:
                labels = np.repeat(np.arange(len(weights)), weights)[:n]
            else:
                labels = np.arange(n) % 10
            labels = labels[r.permutation(n)].astype(np.uint8)
            images = r.integers(0, 256, (n, 3, 3), dtype=np.uint8)
            images[:, 0, 0] = np.arange(n) % 256
            def idx(path, a):
                with open(os.path.join(folder, path), 'wb') as f:
                    f.write(struct.pack('>BBBB', 0, 0, 8, a.ndim) + struct.pack('>' + 'I' * a.ndim, *a.shape) + a.tobytes())
            idx('train-images-idx3-ubyte', images)
            idx('train-labels-idx1-ubyte', labels)
            """, [folder, String(count), classWeights.map { "\($0)" } ?? "null"])
    }

    @Test func defaultTakesTheLastOfTrain() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let run = try CommandRunner.run(["split", Self.sample, "-o", folder + "/out", "--merge", "--valid", "1000"])
        #expect(run.status == 0, "\(run.standardError)")
        // Merged in order train, valid, test (5,000), the last 1,000 become valid.
        let source = try (0..<3).flatMap { try Support.pickleLabels(Self.sample, split: $0) }
        let labels = try Self.labels(folder + "/out")
        #expect(labels["train"] == Array(source[0..<4000]))
        #expect(labels["valid"] == Array(source[4000...]))
        #expect(labels["test"] == nil)
        // The images go with their labels: valid's pixels are the original test pixels × 256.
        let report = try Support.python("""
            x = pickle.load(gzip.open(sys.argv[1]), encoding='latin1')[2][0]
            raw = open(os.path.join(sys.argv[2], 'valid-images-idx3-ubyte'), 'rb').read()[16:]
            print(np.array_equal(np.frombuffer(raw, dtype=np.uint8).reshape(1000, 784), (x * 256).astype(np.uint8)))
            """, [Self.sample, folder + "/out"])
        #expect(report == "True\n")
        let manifest = try Support.manifest(folder + "/out")
        #expect((manifest["source"] as? [String: Any])?["sha256"] as? String == (try Support.sha256sum(Self.sample)))
        #expect(try Support.splits(manifest).map { ($0["pixels"] as? [String: Any])?["divisor"] as? Int } == [256, 256])
    }

    @Test func validTakesTheLastThousandOfTrainByDefault() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/lecun"
        try Self.writeTrainOnly(input, count: 3000)
        let run = try CommandRunner.run(["split", input, "-o", folder + "/out", "--valid", "1000"])
        #expect(run.status == 0, "\(run.standardError)")
        let source = try Support.folderLabels(input + "/train-labels-idx1-ubyte")
        let labels = try Self.labels(folder + "/out")
        #expect(labels["train"] == Array(source[0..<2000]))
        #expect(labels["valid"] == Array(source[2000...]))
        // The first pixel of each image is its index in the source: order is kept.
        let firsts = try #require(try Support.pythonJSON("""
            raw = open(os.path.join(sys.argv[1], 'valid-images-idx3-ubyte'), 'rb').read()
            print(json.dumps(np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 9)[:, 0].tolist()))
            """, [folder + "/out"]) as? [Int])
        #expect(firsts == (2000..<3000).map { $0 % 256 })
    }

    @Test func fractionOfTrain() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let run = try CommandRunner.run(["split", Self.sample, "-o", folder + "/out", "--merge", "--valid", "0.25", "--format", "npy"])
        #expect(run.status == 0, "\(run.standardError)")
        let splits = try Support.splits(try Support.manifest(folder + "/out"))
        #expect(splits.map { $0["name"] as? String } == ["train", "valid"])
        #expect(splits.map { $0["count"] as? Int } == [3750, 1250])
        let source = try (0..<3).flatMap { try Support.pickleLabels(Self.sample, split: $0) }
        #expect(try Self.labels(folder + "/out")["valid"] == Array(source[3750...]))
    }

    @Test func seededShuffleIsDeterministic() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        for (name, seed) in [("a", "7"), ("b", "7"), ("c", "8")] {
            let run = try CommandRunner.run(["split", Self.sample, "-o", folder + "/" + name, "--merge", "--valid", "1000", "--shuffle", "--seed", seed])
            #expect(run.status == 0, "\(run.standardError)")
        }
        let files = try Support.names(in: folder + "/a")
        #expect(files.count == 5)
        for file in files where file != "dataset.json" {
            #expect(try Support.contents(folder + "/a/" + file) == Support.contents(folder + "/b/" + file), "\(file)")
            #expect(try Support.contents(folder + "/a/" + file) != Support.contents(folder + "/c/" + file), "\(file)")
        }
        // A shuffle, not a resampling: together the splits hold every example once.
        let source = try (0..<3).flatMap { try Support.pickleLabels(Self.sample, split: $0) }
        let labels = try Self.labels(folder + "/a")
        #expect(try #require(labels["train"]).count == 4000)
        #expect((try #require(labels["train"]) + #require(labels["valid"])).sorted() == source.sorted())
        #expect(labels["valid"] != Array(source[4000...]))
        let report = try Support.python("""
            x = np.concatenate([s[0] for s in pickle.load(gzip.open(sys.argv[1]), encoding='latin1')])
            original = {r.tobytes() for r in (x * 256).astype(np.uint8)}
            rows = []
            for name, n in (('train', 4000), ('valid', 1000)):
                raw = open(os.path.join(sys.argv[2], name + '-images-idx3-ubyte'), 'rb').read()
                rows += [r.tobytes() for r in np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784)]
            print(len(rows) == 5000 and set(rows) == original)
            """, [Self.sample, folder + "/a"])
        #expect(report == "True\n")
    }

    @Test func stratifiedSplitKeepsClassShares() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/lecun"
        // Unequal classes: 500, 400, …, 100 examples, and 7 of the last.
        try Self.writeTrainOnly(input, count: 1507, classWeights: [500, 400, 300, 200, 100, 7])
        for extra in [[], ["--shuffle", "--seed", "3"]] {
            Support.remove(folder + "/out")
            let run = try CommandRunner.run(["split", input, "-o", folder + "/out", "--valid", "0.3", "--stratify"] + extra)
            #expect(run.status == 0, "\(run.standardError)")
            let labels = try Self.labels(folder + "/out")
            let valid = try #require(labels["valid"]), train = try #require(labels["train"])
            #expect(valid.count == 452)  // 0.3 × 1507 = 452.1
            let weights = [500, 400, 300, 200, 100, 7]
            for (label, total) in weights.enumerated() {
                let share = Double(total) * 452 / 1507
                let taken = valid.filter { $0 == label }.count
                #expect(abs(Double(taken) - share) <= 1, "class \(label): \(taken) of \(share)")
                #expect(taken + train.filter { $0 == label }.count == total)
            }
            // The table printed agrees with the files.
            let rows = Self.table(run.standardOutput)
            #expect(rows.first == ["split", "count", "0", "1", "2", "3", "4", "5"])
            #expect(rows.dropFirst().map(\.first) == ["train", "valid"])
            #expect(rows.last == ["valid", "452"] + weights.indices.map { label in String(valid.filter { $0 == label }.count) })
        }
    }

    @Test func mergeThenTestThenValidInOrder() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let run = try CommandRunner.run(["split", Self.sample, "-o", folder + "/out", "--merge", "--test", "1000", "--valid", "1000"])
        #expect(run.status == 0, "\(run.standardError)")
        let splits = try Support.splits(try Support.manifest(folder + "/out"))
        #expect(splits.map { $0["name"] as? String } == ["train", "valid", "test"])
        #expect(splits.map { $0["count"] as? Int } == [3000, 1000, 1000])
        // Test is the last 1,000 of the merged 5,000; valid the last 1,000 of what is left.
        let source = try (0..<3).flatMap { try Support.pickleLabels(Self.sample, split: $0) }
        let labels = try Self.labels(folder + "/out")
        #expect(labels["train"] == Array(source[0..<3000]))
        #expect(labels["valid"] == Array(source[3000..<4000]))
        #expect(labels["test"] == Array(source[4000...]))
        #expect(try Support.names(in: folder + "/out").contains("t10k-images-idx3-ubyte"))
        // The printed table: a header, then one row per split in the same order.
        let rows = Self.table(run.standardOutput)
        #expect(run.standardOutput.hasPrefix("wrote \(folder)/out (idx)\n"))
        #expect(rows.map(\.first) == ["split", "train", "valid", "test"])
        #expect(rows[0] == ["split", "count"] + (0...9).map(String.init))
        for (row, split) in zip(rows.dropFirst(), splits) {
            #expect(row[1] == String(split["count"] as? Int ?? -1))
            #expect(row.dropFirst(2).map { Int($0) } == (split["class_counts"] as? [Int] ?? []).map { Optional($0) })
        }
    }

    /// A dataset with train and test (LeCun's IDX) gets valid between them.
    @Test func validGoesBetweenTrainAndTest() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/lecun"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        try Support.writeIDXFolder(input, trainCount: 40, testCount: 10)
        let run = try CommandRunner.run(["split", input, "-o", folder + "/out", "--valid", "10"])
        #expect(run.status == 0, "\(run.standardError)")
        let splits = try Support.splits(try Support.manifest(folder + "/out"))
        #expect(splits.map { $0["name"] as? String } == ["train", "valid", "test"])
        #expect(splits.map { $0["count"] as? Int } == [30, 10, 10])
        #expect(try Support.contents(folder + "/out/t10k-images-idx3-ubyte") == Support.contents(input + "/t10k-images-idx3-ubyte"))
        #expect((try Support.manifest(folder + "/out")["source"] as? [String: Any])?["sha256"] is NSNull)
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        let message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let refusals: [Refusal] = [
        Refusal(arguments: ["--merge", "--valid", "5000"], message: "--valid: asks for 5000 examples but train has 5000: nothing would be left to train on"),
        Refusal(arguments: ["--merge", "--valid", "6000"], message: "--valid: asks for 6000 examples but train has 5000: nothing would be left to train on"),
        Refusal(arguments: ["--merge", "--valid", "0"], message: "--valid: would be empty (0 of 5000 examples)"),
        Refusal(arguments: ["--merge", "--valid", "0.00001"], message: "--valid: would be empty (0 of 5000 examples)"),
        Refusal(arguments: ["--merge", "--valid", "1.0"], message: "--valid: a fraction must lie between 0 and 1, not 1.0"),
        Refusal(arguments: ["--merge", "--test", "1.5"], message: "--test: a fraction must lie between 0 and 1, not 1.5"),
        Refusal(arguments: ["--merge", "--test", "4000", "--valid", "1000"], message: "--valid: asks for 1000 examples but train has 1000: nothing would be left to train on"),
        Refusal(arguments: ["--valid", "100"], message: "--valid: the dataset already has a 'valid' split; add --merge to carve anew"),
        Refusal(arguments: ["--test", "0.1"], message: "--test: the dataset already has a 'test' split; add --merge to carve anew"),
    ]

    /// Impossible requests: exit code 1, a message naming the input and the option, and
    /// nothing written.
    @Test(arguments: refusals)
    func refusesImpossibleRequests(_ refusal: Refusal) throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        for format in ["idx", "npy"] {
            let run = try CommandRunner.run(["split", Self.sample, "-o", folder + "/out", "--format", format] + refusal.arguments)
            #expect(run.status == 1)
            #expect(run.standardOutput.isEmpty)
            #expect(run.standardError == "mnist-tools: error: \(Self.sample): \(refusal.message)\n")
            #expect(try Support.names(in: folder).isEmpty)
        }
    }

    /// Splits of different image sizes cannot merge; the message names the input.
    @Test func refusesToMergeDifferentImageSizes() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let input = folder + "/mixed.pkl"
        try Support.writePickle(input, """
            ((r.integers(0, 256, (6, 784)).astype(np.uint8), r.integers(0, 10, 6)),
             (r.integers(0, 256, (2, 16, 16)).astype(np.uint8), r.integers(0, 10, 2)))
            """)
        let run = try CommandRunner.run(["split", input, "-o", folder + "/out", "--merge"])
        #expect(run.status == 1)
        #expect(run.standardError == "mnist-tools: error: \(input): split 'test': images are 16×16, not 28×28 like 'train'\n")
        #expect(try Support.names(in: folder) == ["mixed.pkl"])
    }

    @Test func existingOutputIsKeptWithoutForce() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder + "/out/mine.txt"))
        let refused = try CommandRunner.run(["split", Self.sample, "-o", folder + "/out", "--merge"])
        #expect(refused.status == 1)
        #expect(refused.standardError == "mnist-tools: error: \(folder)/out already exists (use --force to replace it)\n")
        #expect(try Support.names(in: folder + "/out") == ["mine.txt"])
        #expect(try Support.names(in: folder) == ["out"])
        let forced = try CommandRunner.run(["split", Self.sample, "-o", folder + "/out", "--merge", "--force"])
        #expect(forced.status == 0, "\(forced.standardError)")
        #expect(try Support.splits(try Support.manifest(folder + "/out")).map { $0["count"] as? Int } == [5000])
        #expect(try Support.names(in: folder) == ["out"])
    }

    @Test func usageErrorsExitWithTwo() throws {
        let folder = try Support.makeFolder()
        defer { Support.remove(folder) }
        let output = folder + "/out"
        let nothing = try CommandRunner.run(["split", Self.sample, "-o", output])
        #expect(nothing.status == 2)
        #expect(nothing.standardError.contains("Nothing to do: give --valid, --test or --merge."))
        for amount in ["abc", "1,000", "ten", "--5", "nan", "inf", "-0.5", "-5"] {
            let run = try CommandRunner.run(["split", Self.sample, "-o", output, "--valid=\(amount)"])
            #expect(run.status == 2, "\(amount): \(run.standardError)")
            #expect(run.standardError.contains("--valid takes a count (10000) or a fraction (0.2), not '\(amount)'."), "\(amount)")
        }
        let badTest = try CommandRunner.run(["split", Self.sample, "-o", output, "--merge", "--test", "x"])
        #expect(badTest.status == 2)
        #expect(badTest.standardError.contains("--test takes a count"))
        #expect(try CommandRunner.run(["split", Self.sample, "--merge"]).status == 2)
        #expect(try CommandRunner.run(["split", Self.sample, "-o", output, "--merge", "--format", "pkl"]).status == 2)
        #expect(try CommandRunner.run(["split", Self.sample, "-o", output, "--merge", "--shuffle", "--seed", "-1"]).status == 2)
        #expect(try Support.names(in: folder).isEmpty)
    }
}

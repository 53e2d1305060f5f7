import Foundation
import Testing

/// `train` end to end on the real MNIST sample, number for number against the tutorials'
/// models written in numpy (the same data order, initialization and updates).
@Suite struct TrainCommandTests {
    static let sample = CommandRunner.fixture("mnist-sample.pkl.gz")

    /// The lines of a run without the timing line, which differs between runs.
    static func lines(_ arguments: [String]) throws -> (status: Int32, lines: [String], error: String) {
        let output = try CommandRunner.run(["train"] + arguments)
        let lines = output.standardOutput.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("The code ran for") }
        return (output.status, lines, output.standardError)
    }

    /// numpy's validation and test error (in %) after each epoch, printed "%f %f".
    static func numpyErrors(model: String, epochs: Int) throws -> [String] {
        let script = """
            import gzip, pickle, sys
            import numpy as np
            (tx, ty), (vx, vy), (sx, sy) = pickle.load(gzip.open(sys.argv[1]), encoding='latin1')
            model, epochs = sys.argv[2], int(sys.argv[3])
            if model == 'logreg':
                B, lr, L2 = 600, np.float32(0.13), np.float32(0)
                layers = []
                W2, b2 = np.zeros((784, 10), np.float32), np.zeros(10, np.float32)
            else:
                B, lr, L2 = 20, np.float32(0.01), np.float32(0.0001)
                rng = np.random.RandomState(1234)
                bound = np.sqrt(6. / (784 + 500))
                W1 = np.asarray(rng.uniform(low=-bound, high=bound, size=(784, 500)), dtype=np.float32)
                b1 = np.zeros(500, np.float32)
                W2, b2 = np.zeros((500, 10), np.float32), np.zeros(10, np.float32)
            def hidden(x):
                return x if model == 'logreg' else np.tanh(x @ W1 + b1)
            def error(x, y):
                n = len(y) // B
                wrong = sum(((hidden(x[i*B:(i+1)*B]) @ W2 + b2).argmax(1) != y[i*B:(i+1)*B]).sum() for i in range(n))
                return 100.0 * wrong / (n * B)
            for epoch in range(epochs):
                for i in range(len(ty) // B):
                    x, y = tx[i*B:(i+1)*B], ty[i*B:(i+1)*B]
                    h = hidden(x)
                    z = h @ W2 + b2
                    p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
                    p[np.arange(B), y] -= 1; g = p / B
                    if model == 'mlp':
                        gh = (g @ W2.T) * (1 - h * h)
                        gW1, gb1 = x.T @ gh + 2 * L2 * W1, gh.sum(0)
                    gW2, gb2 = h.T @ g + 2 * L2 * W2, g.sum(0)
                    W2 -= lr * gW2; b2 -= lr * gb2
                    if model == 'mlp':
                        W1 -= lr * gW1; b1 -= lr * gb1
                print('%f %f' % (error(vx, vy), error(sx, sy)))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, sample, model, String(epochs)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test(arguments: [("logreg", 3), ("mlp", 1)])
    func matchesNumpyNumberForNumber(model: String, epochs: Int) throws {
        let run = try Self.lines([Self.sample, "--model", model, "--epochs", String(epochs)])
        #expect(run.status == 0, "\(run.error)")
        let validation = run.lines.filter { $0.hasPrefix("epoch ") }.compactMap { $0.split(separator: " ").dropLast().last.map(String.init) }
        let reference = try Self.numpyErrors(model: model, epochs: epochs)
        #expect(validation == reference.map { String($0.split(separator: " ")[0]) })
        // Every epoch improves here, so each validation line is followed by a test line.
        let tests = run.lines.filter { $0.hasPrefix("     epoch ") }.compactMap { $0.split(separator: " ").dropLast().last.map(String.init) }
        #expect(tests == reference.map { String($0.split(separator: " ")[1]) })
    }

    @Test func printsTheTutorialsLines() throws {
        let run = try Self.lines([Self.sample, "--model", "logreg", "--epochs", "2"])
        #expect(run.lines.first == "training logreg on 3000 examples (28×28, 10 classes); validation on 600 of 1000 examples, test on 600 of 1000")
        #expect(run.lines.contains("epoch 1, minibatch 5/5, validation error 19.666667 %"))
        #expect(run.lines.contains("     epoch 1, minibatch 5/5, test error of best model 24.500000 %"))
        #expect(run.lines.last == "Optimization complete with best validation score of 17.500000 %, with test performance 19.666667 %")
        let all = try Self.lines([Self.sample, "--model", "logreg", "--epochs", "1", "--eval-all"])
        #expect(all.lines.first?.hasSuffix("validation on 1000 of 1000 examples, test on 1000 of 1000") == true)
    }

    @Test func sameFlagsGiveTheSameNumbers() throws {
        let arguments = [Self.sample, "--model", "mlp", "--epochs", "1", "--hidden", "50", "--seed", "7"]
        #expect(try Self.lines(arguments).lines == Self.lines(arguments).lines)
        #expect(try Self.lines(arguments).lines != Self.lines(arguments.dropLast() + ["8"]).lines)
    }

    @Test func patienceEndsTrainingEarly() throws {
        let output = try CommandRunner.run(["train", Self.sample, "--model", "logreg", "--patience", "4", "--patience-increase", "1", "--epochs", "50"])
        #expect(output.status == 0)
        // Validation every min(5, 4/2) = 2 minibatches, after iterations 1 and 3; patience
        // stays max(4, iteration × 1) = 4, so training stops after iteration 4, in epoch 1.
        let validations = output.standardOutput.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.map { $0.prefix(20) }
        #expect(validations == ["epoch 1, minibatch 2", "epoch 1, minibatch 4"])
        #expect(output.standardOutput.contains("The code ran for 1 epochs"))
    }

    @Test func aDatasetWithoutValidationIsRefusedWithAHint() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("data").path
        let merged = try CommandRunner.run(["split", Self.sample, "-o", data, "--merge", "--test", "1000"])
        #expect(merged.status == 0, "\(merged.standardError)")
        let run = try Self.lines([data, "--model", "logreg"])
        #expect(run.status == 1)
        #expect(run.error.contains("no 'valid' split"))
        #expect(run.error.contains("mnist-tools split"))
    }

    /// Python that checks `--save`, `--save-pickle` and `--log` outputs (argv: npz, pkl, csv,
    /// sample, batch size) and prints what the Swift side compares with the run's lines: the
    /// saved weights' validation error (full batches, in % as printed), model.json, the CSV.
    static let checkSavedOutputs = """
        import csv, gzip, json, pickle, sys, zipfile
        import numpy as np
        npz, pkl, log, sample, B = sys.argv[1:6]; B = int(B)
        _, (vx, vy), _ = pickle.load(gzip.open(sample), encoding='latin1')
        archive = zipfile.ZipFile(npz)
        assert archive.testzip() is None
        meta = json.loads(archive.read('model.json'))
        z = np.load(npz)
        names = [n for n in z.files if n != 'model.json']
        params = [z[n] for n in names]
        loaded = pickle.load(open(pkl, 'rb'))
        assert type(loaded) is list and len(loaded) == len(params)
        for a, b in zip(loaded, params):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
        act = {'tanh': np.tanh, None: None}[meta['activation']]
        def forward(x):
            for i in range(0, len(params) - 2, 2):
                x = act(x @ params[i] + params[i + 1])
            return x @ params[-2] + params[-1]
        n = len(vy) // B
        wrong = sum((forward(vx[i*B:(i+1)*B]).argmax(1) != vy[i*B:(i+1)*B]).sum() for i in range(n))
        rows = list(csv.reader(open(log)))
        print(json.dumps({'names': names, 'shapes': [list(p.shape) for p in params], 'dtypes': [p.dtype.str for p in params],
                          'error': '%f' % (100.0 * wrong / (n * B)), 'meta': meta, 'rows': rows}))
        """

    static func python(_ script: String, _ arguments: [String]) throws -> Any {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONSerialization.jsonObject(with: data)
    }

    /// An error rate in % as the tool prints it (and Python's '%f').
    static func percent(_ rate: Double) -> String { String(format: "%f", rate * 100) }

    /// The number before " %" at the end of a printed line.
    static func lastPercent<S: StringProtocol>(_ line: S) -> String {
        String(line.split(separator: " ").dropLast().last ?? "")
    }

    @Test(arguments: [("logreg", ["--epochs", "2"], 600, [784, 10]),
                      ("mlp", ["--hidden", "30", "--epochs", "1"], 20, [784, 30, 10])])
    func savesTheBestModelAndTheLog(model: String, flags: [String], batch: Int, sizes: [Int]) throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let npz = folder.appendingPathComponent("best.npz").path, pkl = folder.appendingPathComponent("best.pkl").path
        let log = folder.appendingPathComponent("metrics.csv").path
        let run = try Self.lines([Self.sample, "--model", model] + flags + ["--save", npz, "--save-pickle", pkl, "--log", log])
        #expect(run.status == 0, "\(run.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["best.npz", "best.pkl", "metrics.csv"])
        let result = try #require(Self.python(Self.checkSavedOutputs, [npz, pkl, log, Self.sample, String(batch)]) as? [String: Any])

        let layers = sizes.count - 1
        #expect(result["names"] as? [String] == (0..<layers).flatMap { ["W\($0)", "b\($0)"] })
        let shapes: [[Int]] = (0..<layers).flatMap { (layer: Int) -> [[Int]] in [[sizes[layer], sizes[layer + 1]], [sizes[layer + 1]]] }
        #expect(result["shapes"] as? [[Int]] == shapes)
        #expect(result["dtypes"] as? [String] == [String](repeating: "<f4", count: 2 * layers))

        // The saved weights give the best validation error printed.
        let summary = try #require(run.lines.last)
        let parts = summary.split(separator: " ")
        let best = String(parts[7]), testAtBest = String(parts[12])
        #expect(summary.hasPrefix("Optimization complete with best validation score of "))
        #expect(result["error"] as? String == best)

        let meta = try #require(result["meta"] as? [String: Any])
        #expect(meta["model"] as? String == model)
        #expect(meta["layer_sizes"] as? [Int] == sizes)
        #expect(meta["activation"] as? String == (model == "mlp" ? "tanh" : nil))
        #expect(meta["batch_size"] as? Int == batch)
        #expect(meta["learning_rate"] as? Double == (model == "mlp" ? 0.01 : 0.13))
        #expect(meta["l1"] as? Double == 0)
        #expect(meta["l2"] as? Double == (model == "mlp" ? 0.0001 : 0))
        #expect(meta["patience"] as? Int == (model == "mlp" ? 10000 : 5000))
        #expect(meta["patience_increase"] as? Double == 2)
        #expect(meta["improvement_threshold"] as? Double == 0.995)
        #expect(meta["seed"] as? Int == (model == "mlp" ? 1234 : nil))
        #expect((meta["best_validation_error"] as? Double).map { Self.percent($0) } == best)
        #expect((meta["test_error_at_best"] as? Double).map { Self.percent($0) } == testAtBest)
        #expect(meta["epochs_run"] as? Int == Int(flags[flags.count - 1]))
        #expect(meta["interrupted"] as? Bool == false)

        // One CSV row per validation line, with the same numbers; test errors where tested.
        let rows = try #require(result["rows"] as? [[String]])
        #expect(rows.first == ["epoch", "iteration", "validation_error", "test_error", "seconds"])
        let validations = run.lines.filter { $0.hasPrefix("epoch ") }
        let tests = run.lines.filter { $0.hasPrefix("     epoch ") }
        #expect(rows.count == validations.count + 1)
        for (row, line) in zip(rows.dropFirst(), validations) {
            // "epoch E, minibatch M/N, validation error X %"
            let words = line.split(separator: " ")
            let epoch = Int(words[1].dropLast())!
            let fraction = words[3].dropLast().split(separator: "/").compactMap { Int($0) }
            #expect(row[0] == String(epoch))
            #expect(row[1] == String((epoch - 1) * fraction[1] + fraction[0]))
            #expect(Double(row[2]).map { Self.percent($0) } == Self.lastPercent(line))
            #expect(Double(row[4]) != nil)
        }
        #expect(rows.dropFirst().compactMap { Double($0[3]).map { Self.percent($0) } } == tests.map { Self.lastPercent($0) })
        #expect(meta["best_iteration"] as? Int == rows.dropFirst().first { Double($0[2]).map { Self.percent($0) } == best }.flatMap { Int($0[1]) })
    }

    @Test func existingOutputsAreRefusedBeforeTrainingUnlessForced() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let npz = folder.appendingPathComponent("best.npz").path, log = folder.appendingPathComponent("metrics.csv").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: log))
        let arguments = ["train", Self.sample, "--model", "logreg", "--epochs", "1", "--save", npz, "--log", log]
        let refused = try CommandRunner.run(arguments)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("already exists (use --force to replace it)"))
        #expect(refused.standardOutput.isEmpty)     // nothing loaded or trained
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["metrics.csv"])
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "old")

        let forced = try CommandRunner.run(arguments + ["--force"])
        #expect(forced.status == 0, "\(forced.standardError)")
        #expect(try String(contentsOfFile: log, encoding: .utf8).hasPrefix("epoch,iteration,"))
        #expect(FileManager.default.fileExists(atPath: npz))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["best.npz", "metrics.csv"])

        let same = try CommandRunner.run(["train", Self.sample, "--model", "logreg", "--save", npz, "--log", npz, "--force"])
        #expect(same.status == 1)
        #expect(same.standardError.contains("more than one of"))
    }

    @Test func ctrlCSavesEverythingBeforeExiting() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let npz = folder.appendingPathComponent("best.npz").path, pkl = folder.appendingPathComponent("best.pkl").path
        let log = folder.appendingPathComponent("metrics.csv").path, stdout = folder.appendingPathComponent("stdout").path
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        let process = Process()
        process.executableURL = CommandRunner.binary
        process.arguments = ["train", Self.sample, "--model", "mlp", "--hidden", "30", "--epochs", "1000", "--patience", "1000000",
                             "--save", npz, "--save-pickle", pkl, "--log", log]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !(try String(contentsOfFile: stdout, encoding: .utf8)).contains("validation error"), Date() < deadline, process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let output = try String(contentsOfFile: stdout, encoding: .utf8)
        #expect(output.contains("Optimization complete"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["best.npz", "best.pkl", "metrics.csv", "stdout"])
        let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == output.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count + 1)
        #expect(rows.count >= 2)
        let result = try #require(Self.python(Self.checkSavedOutputs, [npz, pkl, log, Self.sample, "20"]) as? [String: Any])
        let meta = try #require(result["meta"] as? [String: Any])
        #expect(meta["interrupted"] as? Bool == true)
        let best = output.split(separator: "\n").first { $0.hasPrefix("Optimization complete") }.map { String($0.split(separator: " ").dropFirst(7).first ?? "") }
        #expect(result["error"] as? String == best)
    }

    @Test func usageErrors() throws {
        #expect(try Self.lines([Self.sample, "--model", "svm"]).status == 2)
        #expect(try Self.lines([Self.sample, "--model", "logreg", "--lr", "0"]).status == 2)
        #expect(try Self.lines([Self.sample, "--model", "logreg", "--batch-size", "5000"]).status == 1)
    }
}

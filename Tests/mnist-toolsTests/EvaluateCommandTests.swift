import Foundation
import Testing

/// `evaluate` end to end: a logreg trained with `train --save` on the MNIST sample, measured
/// against numpy's argmax(x @ W0 + b0) from the saved .npz.
@Suite struct EvaluateCommandTests {
    static let sample = CommandRunner.fixture("mnist-sample.pkl.gz")

    /// Trains logreg for 2 epochs with `--save` into `folder`; returns the model's path.
    static func trainModel(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("model.npz").path
        let run = try CommandRunner.run(["train", sample, "--model", "logreg", "--epochs", "2", "--save", path])
        #expect(run.status == 0, "\(run.standardError)")
        return path
    }

    /// Runs `python3 -c script ARGUMENTS`; returns its standard output.
    static func python(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    /// The summary rows: split name → (examples, errors, rate text).
    static func summary(_ output: String) -> [String: (examples: Int, errors: Int, rate: String)] {
        var rows: [String: (Int, Int, String)] = [:]
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 4, let examples = Int(fields[1]), let errors = Int(fields[2]) else { continue }
            rows[fields[0]] = (examples, errors, fields[3])
        }
        return rows
    }

    /// The confusion matrix printed for `split`: rows of counts.
    static func confusion(_ output: String, split: String) -> [[Int]] {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("confusion matrix of \(split) ") }) else { return [] }
        var rows: [[Int]] = []
        for line in lines[(start + 2)...] {
            let cells = line.split(separator: " ").compactMap { Int($0) }
            guard !line.isEmpty, cells.count > 1 else { break }
            rows.append(Array(cells.dropFirst()))
        }
        return rows
    }

    @Test func errorRatesAndConfusionMatchNumpy() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.trainModel(in: folder)
        let run = try CommandRunner.run(["evaluate", model, Self.sample])
        #expect(run.status == 0, "\(run.standardError)")
        let summary = Self.summary(run.standardOutput)
        #expect(summary.keys.sorted() == ["test", "train", "valid"])

        let reference = try Self.python("""
            import gzip, pickle, sys
            import numpy as np
            splits = pickle.load(gzip.open(sys.argv[1]), encoding='latin1')
            m = np.load(sys.argv[2])
            for name, (x, y) in zip(['train', 'valid', 'test'], splits):
                wrong = int(((x @ m['W0'] + m['b0']).argmax(1) != y).sum())
                print(name, len(y), wrong, ' '.join(str(int((y == c).sum())) for c in range(10)))
            """, [Self.sample, model])
        #expect(reference.split(separator: "\n").count == 3)
        for line in reference.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            let name = fields[0], examples = Int(fields[1])!, errors = Int(fields[2])!
            let classCounts = fields[3...].map { Int($0)! }
            #expect(summary[name]?.examples == examples)
            #expect(summary[name]?.errors == errors, "\(name)")
            if name == "valid" { #expect(examples == 1000) }
            let matrix = Self.confusion(run.standardOutput, split: name)
            #expect(matrix.count == 10)
            #expect(matrix.map { $0.reduce(0, +) } == classCounts)
            #expect(matrix.indices.map { matrix[$0][$0] }.reduce(0, +) == examples - errors)
        }
    }

    @Test func errorsPNGHasOneCellPerTestError() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.trainModel(in: folder)
        let sheet = folder.appendingPathComponent("errors.png").path
        let run = try CommandRunner.run(["evaluate", model, Self.sample, "--errors-png", sheet])
        #expect(run.status == 0, "\(run.standardError)")
        let png = try Data(contentsOf: URL(fileURLWithPath: sheet))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let caption = try String(contentsOfFile: folder.appendingPathComponent("errors.txt").path, encoding: .utf8)
        let lines = caption.split(separator: "\n")
        let testErrors = Self.summary(run.standardOutput)["test"]?.errors
        #expect(lines.count == testErrors)
        for line in lines {
            let fields = line.split(separator: " ").compactMap { Int($0) }
            #expect(fields.count == 5)
            if fields.count == 5 { #expect(fields[3] != fields[4]) }
        }
        // Refused without --force, replaced with it.
        let again = try CommandRunner.run(["evaluate", model, Self.sample, "--errors-png", sheet])
        #expect(again.status == 1)
        #expect(again.standardError.contains("already exists"))
        let forced = try CommandRunner.run(["evaluate", model, Self.sample, "--errors-png", sheet, "--force"])
        #expect(forced.status == 0, "\(forced.standardError)")
    }

    @Test func wrongInputSizeNamesTheMember() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.trainModel(in: folder)
        let bad = folder.appendingPathComponent("bad.npz").path
        // W0 cut to 100 inputs, model.json saying so: a consistent model for the wrong data.
        _ = try Self.python("""
            import io, json, sys, zipfile
            import numpy as np
            m = np.load(sys.argv[1])
            info = json.loads(zipfile.ZipFile(sys.argv[1]).read('model.json'))
            info['layer_sizes'][0] = 100
            with zipfile.ZipFile(sys.argv[2], 'w') as z:
                for name, array in [('W0', m['W0'][:100]), ('b0', m['b0'])]:
                    buffer = io.BytesIO(); np.save(buffer, array); z.writestr(name + '.npy', buffer.getvalue())
                z.writestr('model.json', json.dumps(info))
            """, [model, bad])
        let run = try CommandRunner.run(["evaluate", bad, Self.sample])
        #expect(run.status == 1)
        #expect(run.standardError.contains("W0.npy"), "\(run.standardError)")
        #expect(run.standardError.contains("100"))
    }

    @Test func missingFilesAndUsage() throws {
        let missing = try CommandRunner.run(["evaluate", "/nonexistent/model.npz", Self.sample])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("/nonexistent/model.npz"))
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try Self.trainModel(in: folder)
        let noData = try CommandRunner.run(["evaluate", model, folder.appendingPathComponent("none.pkl.gz").path])
        #expect(noData.status == 1)
        let usage = try CommandRunner.run(["evaluate", model])
        #expect(usage.status == 2)
    }
}

import Foundation
import Testing

/// `predict` end to end: models trained with `train --save` on the MNIST sample, digits
/// written by `export-png`, and numpy computing softmax of the saved model's outputs on the
/// same pixels (the pickle's test images, which are exactly the exported bytes / 256).
@Suite struct PredictCommandTests {
    static let sample = EvaluateCommandTests.sample

    /// Writes test digits `first..<first + count` of the sample into `folder`; returns their
    /// paths in order.
    static func exportDigits(_ range: Range<Int>, to folder: URL, scale: Int = 1) throws -> [String] {
        let digits = folder.appendingPathComponent("digits-\(scale)").path
        let run = try CommandRunner.run(["export-png", sample, "--split", "test", "--range", "\(range.lowerBound)..<\(range.upperBound)",
                                         "--scale", String(scale), "-o", digits])
        #expect(run.status == 0, "\(run.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: digits).sorted()
        #expect(names.count == range.count)
        return names.map { digits + "/" + $0 }
    }

    /// numpy's softmax of the model at `model` on test digits `range`, pixels as stored
    /// bytes / `divisor`: one row of probabilities per digit.
    static func numpyProbabilities(model: String, range: Range<Int>, divisor: Double = 256) throws -> [[Double]] {
        let output = try EvaluateCommandTests.python("""
            import gzip, json, pickle, sys, zipfile
            import numpy as np
            (_, _, (x, _)) = pickle.load(gzip.open(sys.argv[1]), encoding='latin1')
            m = np.load(sys.argv[2])
            info = json.loads(zipfile.ZipFile(sys.argv[2]).read('model.json'))
            x = np.round(x[int(sys.argv[3]):int(sys.argv[4])].astype(np.float64) * 256) / float(sys.argv[5])
            layers = sum(1 for name in m.files if name.startswith('W'))
            for i in range(layers):
                x = x @ m['W%d' % i].astype(np.float64) + m['b%d' % i]
                if i < layers - 1:
                    x = {'tanh': np.tanh, 'relu': lambda v: np.maximum(v, 0), 'sigmoid': lambda v: 1 / (1 + np.exp(-v))}[info['activation']](x)
            e = np.exp(x - x.max(axis=1, keepdims=True))
            print(json.dumps((e / e.sum(axis=1, keepdims=True)).tolist()))
            """, [sample, model, String(range.lowerBound), String(range.upperBound), String(divisor)])
        return try JSONDecoder().decode([[Double]].self, from: Data(output.utf8))
    }

    struct Prediction: Decodable {
        let file: String
        let `class`: Int
        let probabilities: [Double]
    }

    struct Document: Decodable {
        let model: String
        let pixel_divisor: Double
        let predictions: [Prediction]
    }

    /// The index of the largest value, the first on a tie (numpy's argmax).
    static func argmax(_ values: [Double]) -> Int {
        values.indices.reduce(0) { values[$1] > values[$0] ? $1 : $0 }
    }

    @Test func logregProbabilitiesMatchNumpy() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try EvaluateCommandTests.trainModel(in: folder)
        let range = 0..<24
        let files = try Self.exportDigits(range, to: folder)
        let reference = try Self.numpyProbabilities(model: model, range: range)

        let run = try CommandRunner.run(["predict", "--json", model] + files)
        #expect(run.status == 0, "\(run.standardError)")
        let document = try JSONDecoder().decode(Document.self, from: Data(run.standardOutput.utf8))
        #expect(document.model == model && document.pixel_divisor == 256)
        #expect(document.predictions.map(\.file) == files)
        var largest = 0.0
        for (prediction, expected) in zip(document.predictions, reference) {
            #expect(prediction.probabilities.count == 10)
            #expect(prediction.class == Self.argmax(expected), "\(prediction.file)")
            #expect(abs(prediction.probabilities.reduce(0, +) - 1) < 1e-5)
            for (p, q) in zip(prediction.probabilities, expected) { largest = max(largest, abs(p - q)) }
        }
        print("predict --json vs numpy: largest probability difference \(largest)")
        #expect(largest < 1e-5)

        // The table: a header, then file, class and ten probabilities rounded to 4 decimals.
        let table = try CommandRunner.run(["predict", model] + files)
        #expect(table.status == 0, "\(table.standardError)")
        let lines = table.standardOutput.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.first == ["file", "class"] + (0..<10).map { "p(\($0))" })
        #expect(lines.count == files.count + 1)
        for (line, (file, expected)) in zip(lines.dropFirst(), zip(files, reference)) {
            #expect(line.count == 12)
            #expect(line[0] == file && Int(line[1]) == Self.argmax(expected))
            for (text, q) in zip(line[2...], expected) {
                #expect(text.count == 6 && abs((Double(text) ?? -1) - q) <= 0.5e-4 + 2e-6, "\(file): \(text) vs \(q)")
            }
        }
        // Most of these digits are recognized even after two epochs.
        let labels = files.map { Int($0.split(separator: "label").last?.dropLast(4) ?? "") ?? -1 }
        #expect(zip(labels, document.predictions).filter { $0 == $1.class }.count >= range.count / 2)
    }

    @Test func mlpAndPixelDivisorFromModelJSON() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mlp = folder.appendingPathComponent("mlp.npz").path
        let train = try CommandRunner.run(["train", Self.sample, "--model", "mlp", "--hidden", "16", "--epochs", "1", "--save", mlp])
        #expect(train.status == 0, "\(train.standardError)")
        // The same model, with model.json saying the pixels were byte / 255.
        let scaled = folder.appendingPathComponent("mlp-255.npz").path
        _ = try EvaluateCommandTests.python("""
            import json, sys, zipfile
            source = zipfile.ZipFile(sys.argv[1])
            with zipfile.ZipFile(sys.argv[2], 'w') as z:
                for name in source.namelist():
                    data = source.read(name)
                    if name == 'model.json':
                        info = json.loads(data); info['pixel_divisor'] = 255; data = json.dumps(info)
                    z.writestr(name, data)
            """, [mlp, scaled])
        let range = 40..<52
        let files = try Self.exportDigits(range, to: folder)
        let references = try [(mlp, 256.0), (scaled, 255.0)].map { try Self.numpyProbabilities(model: $0, range: range, divisor: $1) }
        // The divisor matters by more than the tolerance below, so using the wrong one fails.
        let divisorEffect = zip(references[0], references[1]).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
        #expect(divisorEffect > 1e-5, "\(divisorEffect)")
        for ((model, divisor), reference) in zip([(mlp, 256.0), (scaled, 255.0)], references) {
            let run = try CommandRunner.run(["predict", "--json", model] + files)
            #expect(run.status == 0, "\(run.standardError)")
            let document = try JSONDecoder().decode(Document.self, from: Data(run.standardOutput.utf8))
            #expect(document.pixel_divisor == divisor)
            var largest = 0.0
            for (prediction, expected) in zip(document.predictions, reference) {
                #expect(prediction.class == Self.argmax(expected), "\(prediction.file)")
                for (p, q) in zip(prediction.probabilities, expected) { largest = max(largest, abs(p - q)) }
            }
            print("predict --json (mlp, pixels / \(divisor)) vs numpy: largest probability difference \(largest)")
            #expect(largest < 1e-6)
        }
    }

    @Test func badInputIsOneLineAndExitCode1() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try EvaluateCommandTests.trainModel(in: folder)
        let good = try Self.exportDigits(0..<1, to: folder)[0]
        let large = try Self.exportDigits(0..<1, to: folder, scale: 2)[0]
        let truncated = folder.appendingPathComponent("truncated.png").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: good)).prefix(60)).write(to: URL(fileURLWithPath: truncated))
        let missing = folder.appendingPathComponent("missing.png").path

        let cases: [(arguments: [String], message: String)] = [
            ([model, good, missing], "mnist-tools: error: \(missing): cannot read: No such file or directory"),
            ([model, model], "mnist-tools: error: \(model): PNG signature: not a PNG file: the first 8 bytes are 50 4B 03 04 14 00 00 00, expected 89 50 4E 47 0D 0A 1A 0A"),
            ([model, good, large], "mnist-tools: error: \(large): size: the model takes 28×28 = 784 pixels; the image is 56×56"),
            ([model, truncated], "mnist-tools: error: \(truncated): chunk 'IDAT' at offset 33: declares"),
            ([folder.appendingPathComponent("none.npz").path, good], "mnist-tools: error: \(folder.path)/none.npz: cannot read"),
        ]
        for (arguments, message) in cases {
            let run = try CommandRunner.run(["predict"] + arguments)
            #expect(run.status == 1, "\(arguments)")
            #expect(run.standardError.hasPrefix(message), "\(run.standardError)")
            #expect(run.standardError.split(separator: "\n").count == 1)
            #expect(run.standardOutput.isEmpty, "nothing is printed when any picture is refused")
        }
        let usage = try CommandRunner.run(["predict", model])
        #expect(usage.status == 2)
        #expect(usage.standardError.contains("Name at least one PNG picture"))
    }
}

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

    @Test func usageErrors() throws {
        #expect(try Self.lines([Self.sample, "--model", "svm"]).status == 2)
        #expect(try Self.lines([Self.sample, "--model", "logreg", "--lr", "0"]).status == 2)
        #expect(try Self.lines([Self.sample, "--model", "logreg", "--batch-size", "5000"]).status == 1)
    }
}

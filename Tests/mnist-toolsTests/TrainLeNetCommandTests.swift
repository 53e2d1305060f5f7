import Foundation
import Testing

/// `train --model lenet` end to end on the real MNIST sample, against the LeNet tutorial
/// written in numpy with Theano's semantics (`fixtures/lenet_numpy.py`).
@Suite struct TrainLeNetCommandTests {
    static let sample = CommandRunner.fixture("mnist-sample.pkl.gz")
    static let oracle = CommandRunner.fixture("lenet_numpy.py")

    static func numpy(_ arguments: [String]) throws -> [String] {
        let output = try CommandRunner.python([oracle] + arguments)
        #expect(output.status == 0, "\(output.standardError)")
        return output.standardOutput.split(separator: "\n").map(String.init)
    }

    @Test func matchesTheTutorialInNumpyNumberForNumber() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let npz = folder.appendingPathComponent("lenet.npz").path
        let run = try TrainCommandTests.lines([Self.sample, "--model", "lenet", "--epochs", "2", "--save", npz])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.lines.first == "training lenet on 3000 examples (28×28, 10 classes); validation on 1000 of 1000 examples, test on 1000 of 1000")
        let validation = run.lines.filter { $0.hasPrefix("epoch ") }.map(TrainCommandTests.lastPercent)
        let tests = run.lines.filter { $0.hasPrefix("     epoch ") }.map(TrainCommandTests.lastPercent)
        let reference = try Self.numpy([Self.sample, "2"]).map { $0.split(separator: " ").map(String.init) }
        #expect(validation == reference.map { $0[0] })
        #expect(tests == reference.map { $0[1] }.filter { $0 != "-" })

        // The saved parameters are the tutorial's arrays: numpy's network, given them in the
        // tutorial's layouts, makes the best validation error printed.
        let best = try #require(validation.min { Double($0)! < Double($1)! })
        #expect(try Self.numpy([Self.sample, "0", "--save-check", npz]) == [best])

        // evaluate reads the model back and counts every example (1000 = 2 full batches here).
        let evaluated = try CommandRunner.run(["evaluate", npz, Self.sample])
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        let validLine = try #require(evaluated.standardOutput.split(separator: "\n").first { $0.hasPrefix("valid ") })
        let rate = try #require(Double(validLine.split(separator: " ", omittingEmptySubsequences: true).last ?? ""))
        #expect(TrainCommandTests.percent(rate) == best)
    }

    @Test func refusesImagesTooSmallAndOtherActivations() throws {
        let activation = try CommandRunner.run(["train", Self.sample, "--model", "lenet", "--activation", "relu"])
        #expect(activation.status == 2)
        #expect(activation.standardError.contains("--activation is for mlp"))
    }
}

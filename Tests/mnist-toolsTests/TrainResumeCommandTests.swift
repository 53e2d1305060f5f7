import Foundation
import Testing

/// `train --checkpoint` and `--resume`: a run stopped and continued gives the numbers of a
/// run that was never stopped.
@Suite struct TrainResumeCommandTests {
    /// What the two runs must share: every line but the timing and the resume note; the
    /// log without its seconds column.
    static func comparable(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("The code ran for") && !$0.hasPrefix("resuming from") }
    }

    static func logWithoutSeconds(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
    }

    @Test(arguments: [
        // Validation every 3 minibatches of 5: checkpoints fall inside epochs.
        (["--model", "logreg", "--patience", "6"], 2, 4),
        (["--model", "mlp", "--hidden", "20"], 1, 3),
        (["--model", "lenet", "--hidden", "20"], 1, 2),
    ])
    func aResumedRunEqualsAnUnbrokenOne(flags: [String], first: Int, total: Int) throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let sample = TrainCommandTests.sample

        let whole = try CommandRunner.run(["train", sample] + flags + ["--epochs", String(total), "--save", path("whole.npz"), "--log", path("whole.csv")])
        #expect(whole.status == 0, "\(whole.standardError)")

        let start = try CommandRunner.run(["train", sample] + flags + ["--epochs", String(first), "--checkpoint", path("run.npz")])
        #expect(start.status == 0, "\(start.standardError)")
        let rest = try CommandRunner.run(["train", sample, "--resume", path("run.npz"), "--checkpoint", path("run.npz"), "--epochs", String(total),
                                          "--save", path("resumed.npz"), "--log", path("resumed.csv")])
        #expect(rest.status == 0, "\(rest.standardError)")
        #expect(rest.standardOutput.contains("resuming from \(path("run.npz")) at epoch \(first + 1), minibatch 0/"))

        // The continued run prints what the whole run printed after the first part.
        let firstLines = Self.comparable(start.standardOutput).dropLast()  // its "Optimization complete" line
        let restLines = Self.comparable(rest.standardOutput).dropFirst()    // its "training …" line
        #expect(Array(firstLines + restLines) == Self.comparable(whole.standardOutput))
        #expect(try Self.logWithoutSeconds(path("resumed.csv")) == Self.logWithoutSeconds(path("whole.csv")))
        // The best parameters saved are the same arrays, bit for bit.
        let script = """
            import sys, json, zipfile, numpy as np
            a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
            names = [n for n in a.files if n != 'model.json']
            assert names == [n for n in b.files if n != 'model.json'], (a.files, b.files)
            for n in names:
                assert a[n].tobytes() == b[n].tobytes(), n
            ma, mb = (json.loads(zipfile.ZipFile(p).read('model.json')) for p in sys.argv[1:3])
            assert ma['best_validation_error'] == mb['best_validation_error'] and ma['epochs_run'] == mb['epochs_run'], (ma, mb)
            print(len(names))
            """
        let compared = try CommandRunner.python(["-c", script, path("whole.npz"), path("resumed.npz")])
        #expect(compared.status == 0, "\(compared.standardError)")
    }

    @Test func resumeRefusesNewSettingsAndBadFiles() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("run.npz").path
        let sample = TrainCommandTests.sample
        let changed = try CommandRunner.run(["train", sample, "--resume", checkpoint, "--lr", "0.5"])
        #expect(changed.status == 2)
        #expect(changed.standardError.contains("--lr cannot be used with --resume"))
        let missing = try CommandRunner.run(["train", sample, "--resume", checkpoint])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains(checkpoint))
        // A model saved by --save is not a checkpoint: it has no state.
        let saved = folder.appendingPathComponent("best.npz").path
        #expect(try CommandRunner.run(["train", sample, "--model", "logreg", "--epochs", "1", "--save", saved]).status == 0)
        let notCheckpoint = try CommandRunner.run(["train", sample, "--resume", saved])
        #expect(notCheckpoint.status == 1)
        #expect(notCheckpoint.standardError.contains("best_W0.npy"))
        // An existing checkpoint is not overwritten by a new run without --force.
        #expect(try CommandRunner.run(["train", sample, "--model", "logreg", "--epochs", "1", "--checkpoint", checkpoint]).status == 0)
        let again = try CommandRunner.run(["train", sample, "--model", "logreg", "--epochs", "1", "--checkpoint", checkpoint])
        #expect(again.status == 1)
        #expect(again.standardError.contains("exists"))
    }
}

import Foundation
import Testing

/// SIGKILL during `convert`, `split` and `train`'s writes, at seeded random moments: every
/// output is afterwards its old self (or still absent) or its complete new self, never part
/// of one, and the temporaries the killed runs leave are removed by the next run.
///
/// For a folder output (`convert -o DIR`, `split`), "complete" means the folder exactly as
/// a run left alone writes it: every file, byte for byte, `dataset.json` included; "old"
/// means the previous folder exactly as it was.
@Suite(.serialized) struct KillDuringWriteTests {
    static let sample = DatasetCommandSupport.sample

    /// A previous output: a folder with a manifest and a data file, or a file.
    static func previousFolder(_: String) -> Snapshot {
        .folder(["dataset.json": .file(Data("{\"previous\": true}\n".utf8)),
                 "train-images-idx3-ubyte": .file(Data(repeating: 7, count: 4096))])
    }

    static func previousFile(_ name: String) -> Snapshot {
        .file(Data(String(repeating: "previous \(name)\n", count: 200).utf8))
    }

    @Test func convertToAFolder() throws {
        let tally = try KillDuringWrite.check(.init(
            name: "convert → IDX folder", outputs: ["out"],
            arguments: { ["convert", Self.sample, "-o", $0 + "/out"] },
            trials: 24, seed: 1, old: Self.previousFolder))
        #expect(tally.kills > tally.finished, "too few kills landed during the write: \(tally)")
    }

    @Test func convertToAClassicPickle() throws {
        let tally = try KillDuringWrite.check(.init(
            name: "convert → .pkl", outputs: ["out.pkl"],
            arguments: { ["convert", Self.sample, "-o", $0 + "/out.pkl", "--format", "pkl"] },
            trials: 12, seed: 2, old: Self.previousFile))
        #expect(tally.kills > tally.finished, "too few kills landed during the write: \(tally)")
    }

    @Test func convertToAGzippedClassicPickle() throws {
        let tally = try KillDuringWrite.check(.init(
            name: "convert → .pkl.gz", outputs: ["out.pkl.gz"],
            arguments: { ["convert", Self.sample, "-o", $0 + "/out.pkl.gz", "--format", "pkl"] },
            trials: 8, seed: 3, old: Self.previousFile))
        #expect(tally.kills > tally.finished, "too few kills landed during the write: \(tally)")
    }

    @Test func split() throws {
        let tally = try KillDuringWrite.check(.init(
            name: "split → IDX folder", outputs: ["split"],
            arguments: { ["split", Self.sample, "-o", $0 + "/split", "--merge", "--valid", "500", "--shuffle", "--seed", "3"] },
            trials: 16, seed: 4, old: Self.previousFolder))
        #expect(tally.kills > tally.finished, "too few kills landed during the write: \(tally)")
    }

    /// `--save` and `--save-pickle` are renamed into place one after the other, so a kill
    /// between the renames may leave one new and one old: each is whole.
    @Test func trainSave() throws {
        let tally = try KillDuringWrite.check(.init(
            name: "train --save --save-pickle", outputs: ["model.npz", "model.pkl"],
            arguments: { ["train", Self.sample, "--model", "logreg", "--epochs", "1", "--save", $0 + "/model.npz", "--save-pickle", $0 + "/model.pkl"] },
            trials: 16, seed: 5, old: Self.previousFile))
        #expect(tally.kills > tally.finished, "too few kills landed during the run: \(tally)")
    }

    /// A checkpoint records the seconds trained, so no two runs write the same bytes: a
    /// complete one is an archive whose every member passes its CRC-32, with every member a
    /// checkpoint has.
    @Test func trainCheckpoint() throws {
        let tally = try KillDuringWrite.check(.init(
            name: "train --checkpoint", outputs: ["run.npz"],
            arguments: { ["train", Self.sample, "--model", "logreg", "--epochs", "3", "--checkpoint", $0 + "/run.npz"] },
            trials: 10, seed: 6, old: Self.previousFile, isCompleteNew: Self.isCompleteCheckpoint))
        #expect(tally.kills > tally.finished, "too few kills landed during the run: \(tally)")
    }

    static func isCompleteCheckpoint(_ path: String) throws -> Bool {
        let verdict = try DatasetCommandSupport.runTool(["python3", "-c", """
            import sys, zipfile
            try:
                with zipfile.ZipFile(sys.argv[1]) as archive:
                    members = {'W0.npy', 'b0.npy', 'best_W0.npy', 'best_b0.npy', 'model.json', 'state.json'}
                    print(archive.testzip() is None and members <= set(archive.namelist()))
            except (OSError, zipfile.BadZipFile):
                print(False)
            """, path])
        return verdict == "True\n"
    }
}

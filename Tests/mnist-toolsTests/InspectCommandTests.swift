import Foundation
import Testing

/// The human outputs of `inspect`, its opcode listing, and its exit codes.
@Suite struct InspectCommandTests {
    @Test func summarizesTheClassicSample() throws {
        let output = try CommandRunner.run(["inspect", CommandRunner.fixture("mnist-sample.pkl.gz")])
        #expect(output.status == 0)
        let text = output.standardOutput
        #expect(text.contains("inflater: libdeflate"))
        #expect(text.contains("protocol:  2"))
        #expect(text.contains("((train_x, train_y), (valid_x, valid_y), (test_x, test_y))"))
        let rows = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        let train = try #require(rows.first { $0.first == "train" && $0.count > 5 })
        #expect(train[1] == "3,000")
        #expect(train[2...6] == ["784", "=", "28×28", "<f4", "0"])
        #expect(text.contains("yes (k/256)"))
        // Per-class counts of the 3,000 training labels add up.
        let counts = try #require(rows.last { $0.first == "train" })
        #expect(counts.dropFirst().compactMap { Int($0) }.reduce(0, +) == 3000)
    }

    @Test func outlinesOtherPickles() throws {
        let capped = try CommandRunner.run(["inspect", "--max-items", "3", CommandRunner.fixture("py3-proto4.pkl")])
        #expect(capped.status == 0)
        #expect(capped.standardOutput.contains("dict (19 entries)"))
        #expect(capped.standardOutput.contains("  … 16 more"))
        #expect(!capped.standardOutput.contains("ndarray"))
        let full = try CommandRunner.run(["inspect", "--max-items", "30", CommandRunner.fixture("py3-proto4.pkl")])
        #expect(full.standardOutput.contains("ndarray <f4 (2, 3)"))
        #expect(full.standardOutput.contains("ndarray <f8 (3, 2) Fortran order"))
    }

    @Test func listsOpcodesLikePickletools() throws {
        let output = try CommandRunner.run(["inspect", "--opcodes", CommandRunner.fixture("py2-mnist-tiny.pkl")])
        #expect(output.status == 0)
        let lines = output.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "    0: \\x80 PROTO      2")
        #expect(lines.contains { $0.hasSuffix("GLOBAL     'numpy.core.multiarray _reconstruct'") })
        #expect(lines.contains { $0.contains("BINSTRING") && $0.contains("(96 bytes)") })
        #expect(lines.last == "highest protocol among opcodes = 2")
    }

    @Test func listsOpcodesOfABrokenFileUpToTheProblem() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try Data(contentsOf: URL(fileURLWithPath: CommandRunner.fixture("py2-mnist-tiny.pkl")))
        let file = folder.appendingPathComponent("cut.pkl")
        try data.prefix(200).write(to: file)
        let output = try CommandRunner.run(["inspect", "--opcodes", file.path])
        #expect(output.status == 1)
        #expect(output.standardOutput.contains("PROTO"))
        #expect(output.standardError.contains(file.path))
        #expect(output.standardError.contains("offset"))
    }

    @Test func badInputExitsWithOneAndNamesFileAndOffset() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.pkl")
        // BINSTRING declaring 200 bytes with 3 present.
        try Data([0x80, 0x02, 0x54, 200, 0, 0, 0, 0x61, 0x62, 0x63]).write(to: file)
        let output = try CommandRunner.run(["inspect", file.path])
        #expect(output.status == 1)
        #expect(output.standardOutput.isEmpty)
        #expect(output.standardError.contains("\(file.path): BINSTRING at offset 2 declares 200 bytes but only 3 remain"))
    }

    @Test func corruptGzipExitsWithOne() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var data = try Data(contentsOf: URL(fileURLWithPath: CommandRunner.fixture("mnist-sample.pkl.gz")))
        data[data.count / 2] ^= 0xFF
        let file = folder.appendingPathComponent("corrupt.pkl.gz")
        try data.write(to: file)
        let output = try CommandRunner.run(["inspect", file.path])
        #expect(output.status == 1)
        #expect(output.standardError.contains(file.path))
        #expect(output.standardError.contains("gzip"))
    }

    @Test func missingFileAndUsageErrors() throws {
        let missing = try CommandRunner.run(["inspect", "/nonexistent/file.pkl"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("/nonexistent/file.pkl"))
        let usage = try CommandRunner.run(["inspect"])
        #expect(usage.status == 2)
        let conflicting = try CommandRunner.run(["inspect", "--json", "--opcodes", "x"])
        #expect(conflicting.status == 2)
    }
}

import Foundation
import Testing

/// `inspect --json` against CPython's reading of the same files (fixtures/expected, made by
/// fixtures/oracle.py through `pickle`).
@Suite struct InspectJSONTests {
    static let fixtures = [
        "mnist-sample.pkl.gz", "py2-mnist-tiny.pkl", "py2-proto0.pkl", "py2-proto1.pkl", "py2-proto2.pkl",
        "py3-proto0.pkl", "py3-proto1.pkl", "py3-proto2.pkl", "py3-proto3.pkl", "py3-proto4.pkl", "py3-proto5.pkl",
    ]

    @Test(arguments: fixtures)
    func matchesCPython(_ name: String) throws {
        let output = try CommandRunner.run(["inspect", "--json", CommandRunner.fixture(name)])
        #expect(output.status == 0, "stderr: \(output.standardError)")
        let expectedURL = CommandRunner.packageRoot.appendingPathComponent("fixtures/expected/\(name.replacingOccurrences(of: ".pkl.gz", with: "").replacingOccurrences(of: ".pkl", with: "")).json")
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL)) as? NSDictionary
        let actual = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? NSDictionary
        #expect(actual != nil && actual == expected, "JSON differs for \(name)")
    }

    @Test func readsStandardInputAsAStream() throws {
        let path = CommandRunner.fixture("mnist-sample.pkl.gz")
        let fromFile = try CommandRunner.run(["inspect", "--json", path])
        let fromPipe = try CommandRunner.run(["inspect", "--json", "-"], input: try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(fromPipe.status == 0, "stderr: \(fromPipe.standardError)")
        #expect(fromPipe.standardOutput == fromFile.standardOutput)
    }

    @Test func deepNestingPrintsWithoutOverflow() throws {
        // 200,000 nested lists: ] ] ] … then APPEND each into the one below.
        let depth = 200_000
        var bytes: [UInt8] = [0x80, 0x02]
        bytes += [UInt8](repeating: UInt8(ascii: "]"), count: depth)
        bytes += [UInt8](repeating: UInt8(ascii: "a"), count: depth - 1)
        bytes.append(UInt8(ascii: "."))
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("deep.pkl")
        try Data(bytes).write(to: file)
        let json = try CommandRunner.run(["inspect", "--json", file.path])
        #expect(json.status == 0, "stderr: \(json.standardError)")
        #expect(json.standardOutput.hasPrefix("{\"protocol\": 2, \"compression\": \"none\", \"value\": [[[["))
        #expect(json.standardOutput.filter { $0 == "[" }.count == depth)
        let outline = try CommandRunner.run(["inspect", file.path])
        #expect(outline.status == 0, "stderr: \(outline.standardError)")
        #expect(outline.standardOutput.contains("list (1 item) …"))
    }
}

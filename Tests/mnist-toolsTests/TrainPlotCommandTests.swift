import Foundation
import Testing

/// `train --plot`: the learning curves of a run as an SVG document.
@Suite struct TrainPlotCommandTests {
    @Test func drawsOnePointPerValidationAndTest() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("curves.svg").path
        let run = try CommandRunner.run(["train", TrainCommandTests.sample, "--model", "logreg", "--epochs", "4", "--plot", svg])
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n")
        let validations = lines.filter { $0.hasPrefix("epoch ") }.count
        let tests = lines.filter { $0.hasPrefix("     epoch ") }.count
        // Python's XML parser reads it; each curve is a polyline with a point per measurement.
        let script = """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            for line in root.iter('{http://www.w3.org/2000/svg}polyline'):
                print(line.get('class'), len(line.get('points').split()))
            """
        let parsed = try CommandRunner.python(["-c", script, svg])
        #expect(parsed.status == 0, "\(parsed.standardError)")
        #expect(parsed.standardOutput.split(separator: "\n").map(String.init).sorted() == ["test \(tests)", "validation \(validations)"])

        // An existing plot is refused before training unless --force.
        let again = try CommandRunner.run(["train", TrainCommandTests.sample, "--model", "logreg", "--epochs", "1", "--plot", svg])
        #expect(again.status == 1)
        #expect(again.standardOutput.isEmpty)
    }
}

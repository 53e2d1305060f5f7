import Foundation
import Testing
@testable import MNISTTools

/// The learning-curve SVG: tick choice by hand-worked cases and properties, and the document
/// read back by Python's xml.etree, which also checks every point against the tick labels.
@Suite struct LearningCurvePlotTests {
    // MARK: Ticks

    @Test func ticksByHand() {
        #expect(LearningCurvePlot.ticks(lower: 0, upper: 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(LearningCurvePlot.ticks(lower: 0, upper: 17.5) == [0, 5, 10, 15, 20])
        #expect(LearningCurvePlot.ticks(lower: 0, upper: 9.1) == [0, 2, 4, 6, 8, 10])
        #expect(LearningCurvePlot.ticks(lower: 0.3, upper: 0.7, maximumCount: 5) == [0.3, 0.4, 0.5, 0.6, 0.7])
        #expect(LearningCurvePlot.ticks(lower: 0, upper: 3, maximumCount: 11, minimumStep: 1) == [0, 1, 2, 3])
        #expect(LearningCurvePlot.ticks(lower: 0, upper: 3, maximumCount: 11) == [0, 0.5, 1, 1.5, 2, 2.5, 3])
        #expect(LearningCurvePlot.ticks(lower: 0, upper: 200, maximumCount: 11, minimumStep: 1) == Array(stride(from: 0.0, through: 200, by: 20)))
        #expect(LearningCurvePlot.ticks(lower: 0, upper: 1000, maximumCount: 11) == Array(stride(from: 0.0, through: 1000, by: 100)))
        #expect(LearningCurvePlot.ticks(lower: -3, upper: 7) == [-4, -2, 0, 2, 4, 6, 8])
        #expect(LearningCurvePlot.ticks(lower: 0, upper: 0.0123) == [0, 0.002, 0.004, 0.006, 0.008, 0.01, 0.012, 0.014])
        #expect(LearningCurvePlot.ticks(lower: 1, upper: 1.5, maximumCount: 2) == [1, 1.5])
    }

    @Test func ticksCoverTheRangeWithRoundEvenSteps() {
        var random = SplitMix64(state: 11)
        for _ in 0..<2000 {
            let lower = Double.random(in: -50...50, using: &random) * (Bool.random(using: &random) ? 1 : 0.001)
            let upper = lower + Double.random(in: 1e-3...500, using: &random)
            let count = Int.random(in: 2...12, using: &random)
            let ticks = LearningCurvePlot.ticks(lower: lower, upper: upper, maximumCount: count)
            let step = ticks[1] - ticks[0]
            #expect(ticks.count >= 2 && ticks.count <= count)
            #expect(ticks[0] <= lower + step * 1e-9 && ticks[ticks.count - 1] >= upper - step * 1e-9)
            // Even spacing, by a step of 1, 2 or 5 × 10ᵏ.
            #expect(zip(ticks, ticks.dropFirst()).allSatisfy { abs(($1 - $0) - step) <= step * 1e-9 })
            var mantissa = step
            while mantissa >= 10 { mantissa /= 10 }
            while mantissa < 1 { mantissa *= 10 }
            #expect([1.0, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(step)")
            // The smallest such step: the next smaller one would need too many ticks.
            let smaller = [1.0, 2, 5].map { step / mantissa * $0 }.filter { $0 < step * (1 - 1e-9) }.max() ?? step / mantissa / 2
            #expect((upper / smaller - 1e-9).rounded(.up) - (lower / smaller + 1e-9).rounded(.down) + 1 > Double(count), "\(lower)…\(upper) in \(count): \(ticks)")
        }
    }

    @Test func titleIsEscaped() {
        #expect(LearningCurvePlot.escaped(#"<MLP & "tanh" 'x'>"#) == "&lt;MLP &amp; &quot;tanh&quot; &apos;x&apos;&gt;")
        #expect(LearningCurvePlot.escaped("a\u{1}b\tc") == "a b\tc")
    }

    // MARK: The document

    /// Parses `svg` with xml.etree and checks it against `points` (JSON: {"validation": [[epoch,
    /// error], …], "test": […]}): prints the polylines' classes and point counts, the title,
    /// the axis labels and the legend, and the largest distance between a drawn point and
    /// where the tick labels say it belongs.
    static let checker = #"""
svg_path, points_path = sys.argv[1], sys.argv[2]
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(svg_path).getroot()
points = json.load(open(points_path))
def ticks(cls, attribute):
    group = root.find("s:g[@class='%s']" % cls, ns)
    return [(float(t.text), float(t.get(attribute))) for t in group.findall("s:text", ns)]
def mapping(pairs):
    (v0, p0), (v1, p1) = pairs[0], pairs[-1]
    return lambda v: p0 + (v - v0) * (p1 - p0) / (v1 - v0)
x_of = mapping(ticks("x-ticks", "x"))
y_ticks = ticks("y-ticks", "y")
y_of = mapping([(v, p - 4) for v, p in y_ticks])   # labels sit 4 px below their tick
worst, lines = 0.0, []
for line in root.findall("s:polyline", ns):
    kind = line.get("class")
    drawn = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    expected = [(x_of(e), y_of(100 * r)) for e, r in points[kind]]
    assert len(drawn) == len(expected), (kind, len(drawn), len(expected))
    for (a, b), (c, d) in zip(drawn, expected):
        worst = max(worst, abs(a - c), abs(b - d))
    circles = root.find("s:g[@class='%s-points']" % kind, ns).findall("s:circle", ns)
    lines.append([kind, len(drawn), len(circles)])
texts = {t.get("class"): "".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class")}
legend = [t.text for t in root.find("s:g[@class='legend']", ns).findall("s:text", ns)]
print(json.dumps({"polylines": lines, "title": root.find("s:title", ns).text, "heading": texts.get("title"),
                  "x_label": texts.get("x-label"), "y_label": texts.get("y-label"), "legend": legend,
                  "y_ticks": [v for v, _ in y_ticks], "worst": worst,
                  "size": [root.get("width"), root.get("height")]}))
"""#

    struct Parsed: Decodable {
        let polylines: [[JSONScalar]]
        let title: String?
        let heading: String?
        let x_label: String?
        let y_label: String?
        let legend: [String]
        let y_ticks: [Double]
        let worst: Double
        let size: [String]
    }

    /// A string or a number in a JSON array.
    enum JSONScalar: Decodable, Equatable {
        case text(String), number(Int)
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .text(try container.decode(String.self)) }
        }
    }

    /// Writes the plot of `validation` and `test` and reads it back with the checker.
    private func parse(validation: [(epoch: Double, error: Double)], test: [(epoch: Double, error: Double)], title: String) throws -> Parsed {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let svg = LearningCurvePlot.svg(validation: validation, test: test, title: title)
        let svgPath = try FormatFixtures.write(Array(svg.utf8), to: folder, name: "curve.svg")
        let points = ["validation": validation.map { [$0.epoch, $0.error] }, "test": test.map { [$0.epoch, $0.error] }]
        let pointsPath = try FormatFixtures.write(Array(try JSONSerialization.data(withJSONObject: points)), to: folder, name: "points.json")
        let output = try FormatFixtures.python(Self.checker, [svgPath, pointsPath])
        return try JSONDecoder().decode(Parsed.self, from: Data(output.utf8))
    }

    @Test(.enabled(if: numpyAvailable, "needs python3"))
    func validAndTestCurvesParseAndLieWhereTheTicksSay() throws {
        // The tutorial's MLP: validation every epoch, test error only at each new best.
        let validation = (1...30).map { (epoch: Double($0), error: 0.09 * 1 / Double($0).squareRoot() + 0.017) }
        let test = [1, 2, 3, 5, 8, 13, 21].map { (epoch: Double($0), error: 0.1 / Double($0).squareRoot() + 0.018) }
        let parsed = try parse(validation: validation, test: test, title: "mlp <500 tanh> & L2")
        #expect(parsed.polylines == [[.text("validation"), .number(30), .number(30)], [.text("test"), .number(7), .number(7)]])
        #expect(parsed.title == "mlp <500 tanh> & L2" && parsed.heading == parsed.title)
        #expect(parsed.x_label == "epoch" && parsed.y_label == "error (%)")
        #expect(parsed.legend == ["validation error", "test error"])
        #expect(parsed.y_ticks == [0, 2, 4, 6, 8, 10, 12])
        #expect(parsed.size == ["640", "400"])
        print("learning curve: largest distance from where the ticks place a point: \(parsed.worst) px")
        #expect(parsed.worst < 0.01)
    }

    @Test(.enabled(if: numpyAvailable, "needs python3"))
    func withoutTestErrorsOneCurve() throws {
        let validation = [(epoch: 0.5, error: 0.3), (epoch: 1.0, error: 0.2), (epoch: 1.5, error: 0.25)]
        let parsed = try parse(validation: validation, test: [], title: "logreg")
        #expect(parsed.polylines == [[.text("validation"), .number(3), .number(3)]])
        #expect(parsed.legend == ["validation error"])
        #expect(parsed.y_ticks == [0, 5, 10, 15, 20, 25, 30])
        #expect(parsed.worst < 0.01)
        // No points at all still makes a document with axes.
        let empty = try parse(validation: [], test: [], title: "")
        #expect(empty.polylines == [[.text("validation"), .number(0), .number(0)]])
    }

    @Test func nonFinitePointsAreLeftOut() {
        let svg = LearningCurvePlot.svg(validation: [(1, 0.2), (2, .nan), (3, 0.1)], test: [(.infinity, 0.1)], title: "t")
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        #expect(svg.components(separatedBy: "<polyline").count == 2)
        #expect(svg.components(separatedBy: "<circle").count == 3)
    }
}

/// A learning curve as a self-contained SVG document: validation error (and test error, when
/// there is one) against epochs, with axes, round-numbered ticks, a grid, a legend and a
/// title. Pure text: no fonts, scripts or images are referenced, so any browser or
/// `rsvg-convert` shows it as it is.
///
///     ┌──────────────── title ────────────────┐
///     │ error (%)                  ── validation error
///     │   20 ┤╲                    ╌╌ test error
///     │   10 ┤ ╲___●____●___
///     │    0 ┼────┬────┬────┬─
///     │      0    1    2    3
///     │              epoch
///
/// Errors are fractions (0.175 is drawn as 17.5 %), as `Trainer` and `model.json` keep them.
/// The y axis starts at 0 %; the x axis at epoch 0. Points that are not finite are left out.
public enum LearningCurvePlot {
    /// The document's size in pixels.
    public static let width = 640, height = 400

    /// The drawing area inside the margins that hold the title, tick labels and axis labels.
    private static let plot = (left: 64.0, top: 44.0, right: 616.0, bottom: 340.0)

    /// Colours (and the test curve's dashes), so both read apart in gray print too.
    private static let validationColor = "#1f77b4", testColor = "#d62728", testDashes = "6 3"

    /// The SVG document for `validation` and `test` errors (fractions) at their epochs, under
    /// `title`. Either list may be empty; an empty `test` draws no test curve and no legend
    /// entry for it. Each curve is one `<polyline>` with one point per finite input point,
    /// in the order given, plus a small circle per point.
    public static func svg(validation: [(epoch: Double, error: Double)], test: [(epoch: Double, error: Double)], title: String) -> String {
        let curves = [("validation error", validationColor, "", validation), ("test error", testColor, testDashes, test)]
            .map { name, color, dashes, points in
                (name: name, color: color, dashes: dashes, points: points.filter { $0.epoch.isFinite && $0.error.isFinite })
            }
            .filter { $0.name == "validation error" || !$0.points.isEmpty }
        let all = curves.flatMap(\.points)
        let maximumEpoch = all.map(\.epoch).max() ?? 1
        let xTicks = ticks(lower: min(0, all.map(\.epoch).min() ?? 0), upper: max(maximumEpoch, 1),
                           maximumCount: 11, minimumStep: maximumEpoch >= 2 ? 1 : 0)
        let yTicks = ticks(lower: 0, upper: max((all.map(\.error).max() ?? 0) * 100, 1), maximumCount: 8)
        let xRange = (xTicks.first ?? 0, xTicks.last ?? 1), yRange = (yTicks.first ?? 0, yTicks.last ?? 1)
        func x(_ epoch: Double) -> Double { plot.left + (epoch - xRange.0) / (xRange.1 - xRange.0) * (plot.right - plot.left) }
        func y(_ percent: Double) -> Double { plot.bottom - (percent - yRange.0) / (yRange.1 - yRange.0) * (plot.bottom - plot.top) }
        let xDecimals = decimals(xTicks), yDecimals = decimals(yTicks)

        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)" font-family="sans-serif" font-size="12">"#,
            "  <title>\(escaped(title))</title>",
            #"  <rect width="\#(width)" height="\#(height)" fill="white"/>"#,
            #"  <text class="title" x="\#(number((plot.left + plot.right) / 2))" y="26" text-anchor="middle" font-size="15">\#(escaped(title))</text>"#,
            ##"  <g class="grid" stroke="#e4e4e4" stroke-width="1">"##,
        ]
        for tick in xTicks.dropFirst() { lines.append("    " + line(x(tick), plot.top, x(tick), plot.bottom)) }
        for tick in yTicks.dropFirst() { lines.append("    " + line(plot.left, y(tick), plot.right, y(tick))) }
        lines.append("  </g>")
        lines.append(#"  <g class="axes" stroke="black" stroke-width="1">"#)
        lines.append("    " + line(plot.left, plot.bottom, plot.right, plot.bottom))
        lines.append("    " + line(plot.left, plot.top, plot.left, plot.bottom))
        for tick in xTicks { lines.append("    " + line(x(tick), plot.bottom, x(tick), plot.bottom + 5)) }
        for tick in yTicks { lines.append("    " + line(plot.left - 5, y(tick), plot.left, y(tick))) }
        lines.append("  </g>")
        lines.append(#"  <g class="x-ticks" text-anchor="middle">"#)
        for tick in xTicks {
            lines.append(#"    <text x="\#(number(x(tick)))" y="\#(number(plot.bottom + 19))">\#(fixedDecimal(tick, decimals: xDecimals))</text>"#)
        }
        lines.append("  </g>")
        lines.append(#"  <g class="y-ticks" text-anchor="end">"#)
        for tick in yTicks {
            lines.append(#"    <text x="\#(number(plot.left - 8))" y="\#(number(y(tick) + 4))">\#(fixedDecimal(tick, decimals: yDecimals))</text>"#)
        }
        lines.append("  </g>")
        let middleX = number((plot.left + plot.right) / 2), middleY = number((plot.top + plot.bottom) / 2)
        lines.append(#"  <text class="x-label" x="\#(middleX)" y="\#(number(plot.bottom + 42))" text-anchor="middle">epoch</text>"#)
        lines.append(#"  <text class="y-label" x="18" y="\#(middleY)" text-anchor="middle" transform="rotate(-90 18 \#(middleY))">error (%)</text>"#)

        for curve in curves {
            let kind = curve.name.split(separator: " ")[0]
            let dashes = curve.dashes.isEmpty ? "" : #" stroke-dasharray="\#(curve.dashes)""#
            let points = curve.points.map { number(x($0.epoch)) + "," + number(y($0.error * 100)) }.joined(separator: " ")
            lines.append(#"  <polyline class="\#(kind)" fill="none" stroke="\#(curve.color)" stroke-width="2"\#(dashes) points="\#(points)"/>"#)
            lines.append(#"  <g class="\#(kind)-points" fill="\#(curve.color)">"#)
            for point in curve.points {
                lines.append(#"    <circle cx="\#(number(x(point.epoch)))" cy="\#(number(y(point.error * 100)))" r="2.5"/>"#)
            }
            lines.append("  </g>")
        }

        let legendWidth = 150.0, legendX = plot.right - legendWidth - 8
        lines.append(#"  <g class="legend">"#)
        lines.append(##"    <rect x="\##(number(legendX))" y="\##(number(plot.top + 8))" width="\##(number(legendWidth))" height="\##(number(Double(curves.count) * 20 + 8))" fill="white" fill-opacity="0.85" stroke="#999999"/>"##)
        for (index, curve) in curves.enumerated() {
            let rowY = plot.top + 8 + 14 + Double(index) * 20
            let dashes = curve.dashes.isEmpty ? "" : #" stroke-dasharray="\#(curve.dashes)""#
            lines.append(#"    <line x1="\#(number(legendX + 8))" y1="\#(number(rowY))" x2="\#(number(legendX + 36))" y2="\#(number(rowY))" stroke="\#(curve.color)" stroke-width="2"\#(dashes)/>"#)
            lines.append(#"    <text x="\#(number(legendX + 44))" y="\#(number(rowY + 4))">\#(curve.name)</text>"#)
        }
        lines.append("  </g>")
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Evenly spaced round values from at or below `lower` to at or above `upper`: the step is
    /// 1, 2 or 5 × 10ᵏ, the smallest such step of at least `minimumStep` that needs no more
    /// than `maximumCount` ticks (at least 2); bounds within 10⁻⁹ steps of a tick count as on it. Each value is a multiple of the step, computed
    /// as integer × 10ᵏ or integer / 10⁻ᵏ, so 0.3 is 0.3 and not 0.30000000000000004.
    public static func ticks(lower: Double, upper: Double, maximumCount: Int = 8, minimumStep: Double = 0) -> [Double] {
        precondition(lower.isFinite && upper.isFinite && lower < upper, "ticks: need finite lower < upper")
        precondition(maximumCount >= 2, "ticks: at least 2")
        var exponent = ((upper - lower) / Double(maximumCount)).log10Floor - 1
        while true {
            for multiple in [1, 2, 5] {
                let step = scaled(Double(multiple), exponent)
                guard step >= minimumStep else { continue }
                // A quotient within 10⁻⁹ of a whole number is that number (0.3 / 0.1 is 2.9999999999999996).
                let first = (lower / step + 1e-9).rounded(.down), last = max(first + 1, (upper / step - 1e-9).rounded(.up))
                guard last - first + 1 <= Double(maximumCount) else { continue }
                return (Int(first)...Int(last)).map { scaled(Double($0 * multiple), exponent) }
            }
            exponent += 1
        }
    }

    /// `value` × 10^`exponent`, by multiplying or dividing by an exact power of ten.
    private static func scaled(_ value: Double, _ exponent: Int) -> Double {
        var power = 1.0
        for _ in 0..<abs(exponent) { power *= 10 }
        return exponent >= 0 ? value * power : value / power
    }

    /// The fewest decimals that write every tick exactly (at most 9).
    private static func decimals(_ ticks: [Double]) -> Int {
        (0...9).first { digits in ticks.allSatisfy { Double(fixedDecimal($0, decimals: digits)) == $0 } } ?? 9
    }

    /// A coordinate with at most two decimals, trailing zeros dropped ("64", "123.5").
    private static func number(_ value: Double) -> String {
        var text = fixedDecimal(value, decimals: 2)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> String {
        #"<line x1="\#(number(x1))" y1="\#(number(y1))" x2="\#(number(x2))" y2="\#(number(y2))"/>"#
    }

    /// `text` with XML's five special characters as entities, and the control characters
    /// XML 1.0 cannot hold (all below U+0020 but tab, line feed and carriage return) as spaces.
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case _ where character.unicodeScalars.contains(where: { $0.value < 0x20 && !["\t", "\n", "\r"].contains(Character($0)) }):
                result += " "
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}

private extension Double {
    /// ⌊log₁₀ self⌋ for a positive value, by counting powers of ten (no libm needed).
    var log10Floor: Int {
        precondition(self > 0 && isFinite, "log10Floor of a positive finite value")
        var exponent = 0, value = self
        while value >= 10 { value /= 10; exponent += 1 }
        while value < 1 { value *= 10; exponent -= 1 }
        return exponent
    }
}

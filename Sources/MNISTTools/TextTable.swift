/// Rows of cells as lines, each column padded to its widest cell, columns separated by
/// two spaces (the last column is not padded).
public func alignedColumns(_ rows: [[String]]) -> [String] {
    let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in
        rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
    }
    return rows.map { row in
        row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
        }.joined(separator: "  ")
    }
}

/// `value` with exactly `decimals` digits after the point (none, and no point, for 0),
/// rounded half away from zero; "-0.00" is written "0.00". Values that are not finite, or
/// too large for 18 digits, are written as Swift writes them.
public func fixedDecimal(_ value: Double, decimals: Int) -> String {
    precondition((0...9).contains(decimals), "fixedDecimal: 0 to 9 decimals")
    var scale: Int64 = 1
    for _ in 0..<decimals { scale *= 10 }
    guard value.isFinite, abs(value) * Double(scale) < 1e17 else { return String(value) }
    let units = Int64((abs(value) * Double(scale)).rounded())
    let sign = value < 0 && units > 0 ? "-" : ""
    guard decimals > 0 else { return sign + String(units) }
    let fraction = String(units % scale)
    return sign + String(units / scale) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
}

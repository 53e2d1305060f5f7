import Pickle

/// The human summary `inspect` prints: how the file is stored, then either a per-split
/// table for an MNIST-style pickle or an outline of any other value.
public struct InspectReport {
    public var tree = PickleTree()

    public init() {}

    public func lines(for file: PickleFile) -> [String] {
        var lines = header(file)
        if let layout = ClassicPickleLayout(file.value) {
            lines += classicSummary(layout)
        } else {
            lines.append("")
            lines += tree.lines(file.value)
        }
        return lines
    }

    private func header(_ file: PickleFile) -> [String] {
        var stored: String
        switch file.compression {
        case .gzip:
            stored = "gzip, "
            if let size = file.compressedSize { stored += "\(plural(size, "byte")) on disk, " }
            stored += "\(plural(file.pickleSize, "byte")) of pickle (inflater: \(file.inflater))"
        case .none:
            stored = "uncompressed, \(plural(file.pickleSize, "byte")) of pickle (inflater: none)"
        }
        return [
            "file:      \(file.path)",
            "stored:    \(stored)",
            "protocol:  \(file.protocol)",
        ]
    }

    private func classicSummary(_ layout: ClassicPickleLayout) -> [String] {
        let pairs = layout.splits.map { "(\($0.name)_x, \($0.name)_y)" }.joined(separator: ", ")
        var lines = ["layout:    MNIST-style pickle of (images, labels) pairs: (\(pairs))", ""]
        var table = [["split", "count", "image", "dtype", "min", "max", "mean", "lossless as bytes", "labels"]]
        var classRows: [(String, [Int])] = []
        for split in layout.splits {
            let statistics = ArrayStatistics(split.images)
            let counts = classCounts(split.labels)
            if let counts { classRows.append((split.name, counts)) }
            let size = split.imageSize.map { size in
                let pixels = size.rows * size.columns
                return split.images.shape.count == 3 ? "\(size.rows)×\(size.columns)" : "\(pixels) = \(size.rows)×\(size.columns)"
            } ?? String(split.images.shape.dropFirst().reduce(1, *))
            table.append([
                split.name,
                formatThousands(split.images.shape[0]),
                size,
                split.images.dtype.description,
                statistics.map { number($0.minimum) } ?? "-",
                statistics.map { number($0.maximum) } ?? "-",
                statistics.map { number($0.mean) } ?? "-",
                losslessText(statistics),
                split.labels.dtype.description + (counts.map { ", \(plural($0.count, "class", "classes"))" } ?? ", not class indices"),
            ])
            if split.labels.shape[0] != split.images.shape[0] {
                lines.append("warning:   \(split.name) has \(split.images.shape[0]) images but \(split.labels.shape[0]) labels")
            }
        }
        lines += alignedColumns(table)
        if !classRows.isEmpty {
            let classes = classRows.map(\.1.count).max() ?? 0
            var counts = [["class counts"] + (0..<classes).map(String.init)]
            for (name, row) in classRows {
                counts.append([name] + (0..<classes).map { $0 < row.count ? String(row[$0]) : "0" })
            }
            lines.append("")
            lines += alignedColumns(counts)
        }
        return lines
    }

    /// How many labels each class has, when the labels are class indices (whole numbers
    /// below 1024, read as the dataset readers read them); nil otherwise.
    private func classCounts(_ labels: NDArray) -> [Int]? {
        guard let counts = (try? LabelBlock(labels, source: "", field: ""))?.classCounts, counts.count <= 1024 else { return nil }
        return counts
    }

    private func losslessText(_ statistics: ArrayStatistics?) -> String {
        switch statistics?.byteScale {
        case 256: "yes (k/256)"
        case 255: "yes (k/255)"
        case 1: "yes (bytes)"
        default: "no"
        }
    }

    private func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        guard value.isFinite else { return String(value) }
        // Six decimals are plenty for a summary.
        let rounded = abs(value) >= 1e-3 ? (value * 1e6).rounded() / 1e6 : value
        return PythonFloatFormat.repr(rounded)
    }
}

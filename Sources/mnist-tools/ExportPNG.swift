import ArgumentParser
import MNISTTools

struct ExportPNG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-png",
        abstract: "Write digits as 8-bit grayscale PNG pictures.",
        discussion: """
            Picks digits with --index N (the default, N = 0), --range A..<B or A...B, or \
            --label L --count C (the first C digits labelled L). One digit is written to \
            train-00042-label5.png (split, index, label) or to the -o path; with --range or \
            --label, each digit gets such a file inside the -o folder (created if missing). \
            --grid COLUMNS instead writes one contact sheet (default train-grid-FIRST-LAST.png), \
            with 1-pixel mid-gray (128) lines between cells, and beside it a caption file \
            (.txt) with one line per cell: ROW COLUMN INDEX LABEL, counted from 0. Existing \
            files are never replaced without --force. Exit codes: 0 ok, 1 bad input, 2 usage.
            """
    )

    @Argument(help: "The dataset: a classic pickle, an IDX folder, an .npz, or a folder written by convert.")
    var input: String

    @Option(help: "The split to read.")
    var split = "train"

    @Option(help: "The digit to write.")
    var index: Int?

    @Option(help: ArgumentHelp("Digits A to B − 1 (A..<B) or A to B (A...B).", valueName: "range"))
    var range: IndexRange?

    @Option(help: "Write digits with this label (the first --count of them).")
    var label: Int?

    @Option(help: "With --label: how many digits.")
    var count: Int?

    @Option(name: [.short, .customLong("output")], help: "The file (--index, --grid) or folder (--range, --label) to write.")
    var output: String?

    @Option(help: ArgumentHelp("Write one contact sheet with this many digits to a row.", valueName: "columns"))
    var grid: Int?

    @Option(help: ArgumentHelp("Enlarge each pixel to a K×K block (1…64).", valueName: "k"))
    var scale = 1

    @Flag(help: "White background: each gray level v becomes 255 − v.")
    var invert = false

    @Flag(help: "Replace existing files.")
    var force = false

    func validate() throws {
        let chosen = [index != nil, range != nil, label != nil].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("Choose at most one of --index, --range and --label.") }
        if let index, index < 0 { throw ValidationError("--index must not be negative.") }
        if let range {
            guard range.lowerBound >= 0 else { throw ValidationError("--range must not start below 0.") }
            guard !range.indices.isEmpty else { throw ValidationError("--range \(range.text) is empty.") }
        }
        if let label, label < 0 { throw ValidationError("--label must not be negative.") }
        if let count {
            guard label != nil else { throw ValidationError("--count goes with --label.") }
            guard count >= 1 else { throw ValidationError("--count must be at least 1.") }
        }
        guard (1...DigitImages.maximumScale).contains(scale) else {
            throw ValidationError("--scale must lie in 1…\(DigitImages.maximumScale).")
        }
        if let grid, grid < 1 { throw ValidationError("--grid needs at least 1 column.") }
    }

    func run() throws {
        try runReportingErrors {
            let selection: DigitExport.Selection
            if let range {
                selection = .range(range.indices)
            } else if let label {
                selection = .label(label, count: count ?? 1)
            } else {
                selection = .index(index ?? 0)
            }
            let export = DigitExport(split: split, selection: selection, output: output, gridColumns: grid,
                                     scale: scale, invert: invert, overwrite: force)
            let dataset = try DatasetLoader.load(path: input)
            try export.run(dataset: dataset, source: input) { file in
                switch file.kind {
                case let .digit(_, label):
                    print("wrote \(file.path) (\(file.width)×\(file.height), label \(label))")
                case let .sheet(cells, rows, columns):
                    print("wrote \(file.path) (\(file.width)×\(file.height), \(cells) digit\(cells == 1 ? "" : "s") in \(rows)×\(columns) cells)")
                case let .caption(cells):
                    print("wrote \(file.path) (\(cells) caption line\(cells == 1 ? "" : "s"))")
                }
            }
        }
    }
}

/// `A..<B` or `A...B`, as in Swift, with whole numbers A and B.
struct IndexRange: ExpressibleByArgument {
    let text: String
    let lowerBound: Int
    /// The indices, half-open.
    let indices: Range<Int>

    init?(argument: String) {
        let closed: Bool
        let parts: [Substring]
        if let marker = argument.firstRange(of: "..<") {
            closed = false
            parts = [argument[..<marker.lowerBound], argument[marker.upperBound...]]
        } else if let marker = argument.firstRange(of: "...") {
            closed = true
            parts = [argument[..<marker.lowerBound], argument[marker.upperBound...]]
        } else {
            return nil
        }
        guard let lower = Int(parts[0]), let upper = Int(parts[1]) else { return nil }
        text = argument
        lowerBound = lower
        if closed {
            guard upper < Int.max else { return nil }
            indices = lower <= upper + 1 ? lower..<(upper + 1) : lower..<lower
        } else {
            indices = lower <= upper ? lower..<upper : lower..<lower
        }
    }

    static var defaultValueDescription: String { "A..<B" }
}

import ArgumentParser
import MNISTTools

struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Carve or reshape a dataset's splits and write it as a dataset folder.",
        discussion: """
            Without --shuffle the last examples of train are taken, as the tutorials took the last \
            10,000 of MNIST's 60,000 training digits for validation. Amounts are counts (10000) or \
            fractions (0.2). The order of work: --merge, then --test, then --valid.
            """
    )

    @Argument(help: "The dataset to read (any input convert reads).")
    var input: String

    @Option(name: .shortAndLong, help: "The dataset folder to write.")
    var output: String

    @Option(help: "Take a validation split of this many (or this fraction of) training examples.")
    var valid: String?

    @Option(help: "Take a test split of this many (or this fraction of) training examples.")
    var test: String?

    @Flag(help: "Join all splits into one train split first.")
    var merge = false

    @Flag(help: "Shuffle train (with --seed) before taking splits.")
    var shuffle = false

    @Option(help: "The shuffle's seed (default 0).")
    var seed: UInt64?

    @Flag(help: "Keep each class's share equal in the parts taken and in what is left.")
    var stratify = false

    @Option(help: "idx (default) or npy.")
    var format: DatasetFolderWriter.FileFormat = .idx

    @Flag(help: "Replace the output if it exists.")
    var force = false

    func validate() throws {
        for (flag, text) in [("--valid", valid), ("--test", test)] {
            guard let text else { continue }
            guard DatasetSplitter.Amount(text) != nil else { throw ValidationError("\(flag) takes a count (10000) or a fraction (0.2), not '\(text)'.") }
        }
        guard seed == nil || shuffle else { throw ValidationError("--seed only matters with --shuffle.") }
        guard merge || valid != nil || test != nil else {
            throw ValidationError("Nothing to do: give --valid, --test or --merge.")
        }
    }

    func run() throws {
        try runReportingErrors {
            var splitter = DatasetSplitter()
            splitter.merge = merge
            splitter.valid = valid.flatMap(DatasetSplitter.Amount.init)
            splitter.test = test.flatMap(DatasetSplitter.Amount.init)
            splitter.seed = shuffle ? seed ?? 0 : nil
            splitter.stratify = stratify
            let dataset = try splitter.apply(to: try DatasetLoader.load(path: input), source: input)
            try DatasetFolderWriter.write(dataset, to: output, format: format, sourcePath: input,
                                          sourceSHA256: SourceChecksum(path: input).value, overwrite: force)
            let classes = dataset.classCount
            var rows = [["split", "count"] + (0..<classes).map(String.init)]
            for split in dataset.splits {
                let counts = split.labels.classCounts
                rows.append([split.name, String(split.count)] + (0..<classes).map { $0 < counts.count ? String(counts[$0]) : "0" })
            }
            print("wrote \(output) (\(format.rawValue))")
            for line in alignedColumns(rows) { print(line) }
        }
    }
}

extension DatasetFolderWriter.FileFormat: ExpressibleByArgument {}

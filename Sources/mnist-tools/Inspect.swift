import ArgumentParser
import MNISTTools
import Pickle

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe what a pickle file holds.",
        discussion: """
            Reads plain or gzip-compressed pickles of protocols 0 to 5 (told by content, not by \
            name) without running any Python. An MNIST-style pickle gets a per-split summary; \
            anything else an indented outline. Exit codes: 0 ok, 1 bad input, 2 usage.
            """
    )

    @Argument(help: "The pickle to read (\"-\" for standard input).")
    var file: String

    @Flag(help: "Print the whole value as one JSON document.")
    var json = false

    @Flag(help: "List the opcodes, like Python's pickletools.dis (also for files that fail to load).")
    var opcodes = false

    @Option(help: "Outline: how many levels of containers to open.")
    var maxDepth = 6

    @Option(help: "Outline: how many items of each container to show.")
    var maxItems = 12

    func validate() throws {
        guard !(json && opcodes) else { throw ValidationError("--json and --opcodes cannot be used together.") }
        guard maxDepth >= 0, maxItems >= 0 else { throw ValidationError("--max-depth and --max-items must not be negative.") }
    }

    func run() throws {
        try runReportingErrors {
            if opcodes {
                try PickleFile.disassemble(path: file) { print($0) }
                return
            }
            let loaded = try PickleFile.load(path: file)
            if json {
                print(PickleJSON.document(loaded.value, protocol: loaded.protocol, compression: loaded.compression.rawValue))
            } else {
                var report = InspectReport()
                report.tree = PickleTree(maximumDepth: maxDepth, maximumItems: maxItems)
                for line in report.lines(for: loaded) { print(line) }
            }
        }
    }
}

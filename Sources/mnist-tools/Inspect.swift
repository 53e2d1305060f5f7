import ArgumentParser
import MNISTTools

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe what a pickle file holds.",
        discussion: """
            Reads plain or gzip-compressed pickles of protocols 0 to 5 (told by content, not by \
            name) without running any Python. An MNIST-style pickle gets a per-split summary; \
            anything else an indented tree. Exit codes: 0 ok, 1 bad input, 2 usage.
            """
    )

    @Argument(help: "The pickle to read (\"-\" for standard input).")
    var file: String

    @Flag(help: "Print the whole value as one JSON document.")
    var json = false

    func run() throws {
        try runReportingErrors {
            let loaded = try PickleFile.load(path: file)
            if json {
                print(PickleJSON.document(loaded.value, protocol: loaded.protocol, compression: loaded.compression.rawValue))
            }
        }
    }
}

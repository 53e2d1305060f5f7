import ArgumentParser
import MNISTTools

#if canImport(Glibc)
import Glibc
#endif

/// The `mnist-tools` command: one subcommand per job, each in a file of its own.
@main
struct MNISTToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist-tools",
        abstract: "Inspect, convert and train on MNIST-style datasets (mnist.pkl.gz, IDX) without Python.",
        version: "0.1.0",
        subcommands: [Inspect.self, Convert.self, Split.self, ExportPNG.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self]
    )

    /// Runs the command with this tool's exit codes: 0 success, 1 bad input (reported by the
    /// subcommand), 2 a usage error (ArgumentParser's own would be 64).
    static func main() {
        InterruptCleanup.install()
        // Past a file size limit (`ulimit -f`), write(2) raises SIGXFSZ, whose default action
        // ends the program on the spot, leaving its temporary files. Ignored, the call fails
        // with EFBIG instead, which is reported ("File too large") and cleaned up after like
        // any other write error.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                var standardError = StandardError()
                print(fullMessage(for: error), to: &standardError)
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }

}

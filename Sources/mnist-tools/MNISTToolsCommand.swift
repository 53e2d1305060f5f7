import ArgumentParser

/// The `mnist-tools` command: one subcommand per job, each in a file of its own.
@main
struct MNISTToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist-tools",
        abstract: "Inspect, convert and train on MNIST-style datasets (mnist.pkl.gz, IDX) without Python.",
        version: "0.1.0",
        subcommands: [Inspect.self]
    )
}

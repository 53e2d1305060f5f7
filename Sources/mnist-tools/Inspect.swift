import ArgumentParser

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe what a pickle file holds.")
    @Argument(help: "The file to read.") var file: String
    func run() throws { print(file) }
}

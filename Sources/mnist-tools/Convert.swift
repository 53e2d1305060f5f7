import ArgumentParser
import MNISTTools

#if canImport(Glibc)
import Glibc
#endif

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a dataset to a memory-mappable folder (IDX or NPY) or to the classic pickle format.",
        discussion: """
            INPUT is a classic MNIST pickle (gzipped or not, any protocol), a folder of LeCun's IDX \
            files, an .npz archive, or a folder written by convert. The default output is a folder \
            of IDX files in LeCun's layout plus dataset.json (counts, shapes, pixel scale, class \
            counts, SHA-256 of each file and of the source). Float pixels that are exact multiples \
            of 1/256 or 1/255 are stored as bytes with that scale, so reading them back gives \
            bit-identical floats. The output is written under a temporary name and renamed when \
            complete: on any error nothing is left behind.
            """
    )

    @Argument(help: "The dataset to read.")
    var input: String

    @Option(name: .shortAndLong, help: "The folder to write (a file for --format pkl; gzipped when it ends in .gz).")
    var output: String

    @Option(help: "idx (default), npy (NumPy files; keeps float32 pixels) or pkl (the classic mnist.pkl.gz format).")
    var format: DatasetConverter.OutputFormat = .idx

    @Flag(help: "Round float pixels in 0…1 to bytes (divisor 255) and report the largest change.")
    var quantize = false

    @Flag(help: "Replace the output if it exists.")
    var force = false

    func run() throws {
        try runReportingErrors {
            let progress = ProgressLine()
            let summary = try DatasetConverter.convert(
                input: input, output: output, format: format, quantize: quantize, overwrite: force, progress: progress.show)
            progress.clear()
            let splits = summary.dataset.splits.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
            var line = "wrote \(output) (\(format.rawValue)): \(splits)"
            if let first = summary.dataset.splits.first {
                line += "; \(first.images.rows)×\(first.images.columns) \(pixelDescription(first.images.pixels))"
            }
            if let error = summary.quantizationError { line += "; largest quantization change \(error)" }
            print(line)
        }
    }

    private func pixelDescription(_ pixels: ImageBlock.Pixels) -> String {
        switch pixels {
        case let .bytes(_, divisor): "uint8 pixels (value = byte/\(divisor))"
        case .float32: "float32 pixels"
        }
    }
}

extension DatasetConverter.OutputFormat: ExpressibleByArgument {}

import ArgumentParser
import MNISTTools
import Train

/// `predict`: the class of each PNG picture, by a model saved by `train --save`.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify PNG pictures with a model saved by `train --save`.",
        discussion: """
            Loads MODEL.npz (as `train --save` writes it) and reads each IMAGE: any PNG \
            (gray, gray + alpha, RGB, RGBA or palette, 1 to 16 bits, interlaced or not), \
            turned into 8-bit gray (colour by ITU-R BT.601 luma, transparency composited \
            onto black). Each picture must have as many pixels as the model has inputs \
            (784 = 28×28 for MNIST), white digits on black as in MNIST. Pixels are scaled as \
            training saw them: byte / 256, or byte / model.json's pixel_divisor when it has \
            one. Prints one line per picture: the file, the predicted class and every class's \
            probability (softmax of the model's outputs). --json prints {"model", \
            "pixel_divisor", "predictions": [{"file", "class", "probabilities"}]} instead. \
            Exit codes: 0 ok, 1 bad input, 2 usage.
            """
    )

    @Argument(help: ArgumentHelp("The model saved by `train --save`.", valueName: "model.npz")) var model: String
    @Argument(help: ArgumentHelp("The pictures to classify.", valueName: "image.png")) var images: [String] = []
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("Name at least one PNG picture after the model.") }
    }

    func run() throws {
        try runReportingErrors {
            let saved = try SavedModel(npz: model)
            let (classifier, divisor) = (saved.classifier, saved.pixelDivisor)
            let pictures = try images.map { path in (path: path, image: try PNGReader.read(path: path)) }
            let rows = try classifier.inputRows(pictures, pixelDivisor: divisor)
            let probabilities = classifier.probabilities(images: rows, using: CPUBackend())
            let classes = probabilities.columns
            let results = images.indices.map { index in
                let row = Array(probabilities.values[(index * classes)..<((index + 1) * classes)])
                // The first of equal maxima, as numpy's argmax.
                let best = row.indices.reduce(0) { row[$1] > row[$0] ? $1 : $0 }
                return (file: images[index], predicted: best, probabilities: row)
            }
            if json {
                let document = JSONValue.object([
                    ("model", .string(model)),
                    ("pixel_divisor", .number(divisor)),
                    ("predictions", .array(results.map { result in
                        .object([("file", .string(result.file)), ("class", .number(Double(result.predicted))),
                                 // A float32 as its shortest decimal, so it reads back to the same float.
                                 ("probabilities", .array(result.probabilities.map { .number(Double($0.description) ?? Double($0)) }))])
                    })),
                ])
                print(document.formatted())
            } else {
                let header = ["file", "class"] + (0..<classes).map { "p(\($0))" }
                let lines = results.map { result in
                    [result.file, String(result.predicted)] + result.probabilities.map { fixedDecimal(Double($0), decimals: 4) }
                }
                alignedColumns([header] + lines).forEach { print($0) }
            }
        }
    }
}

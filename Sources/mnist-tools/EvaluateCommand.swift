import ArgumentParser
import MNISTTools
import Train

/// `evaluate`: a model saved by `train --save`, measured on every split of a dataset.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a model saved by `train --save` on every split of a dataset.",
        discussion: """
            Loads MODEL.npz (W0.npy, b0.npy, … and model.json, as `train --save` writes them) \
            and classifies every example of every split of DATA (every one, not only full \
            minibatches): one line per split (examples, errors, error rate as a fraction), then \
            a confusion matrix per split, rows the true class and columns the predicted one. \
            --errors-png writes a contact sheet of the misclassified digits of the test split \
            (or the last split when there is none), with a caption file beside it (.png \
            replaced by .txt): one line per cell, ROW COLUMN INDEX TRUE PREDICTED. Existing \
            files are refused unless --force.
            """
    )

    @Argument(help: ArgumentHelp("The model saved by `train --save`.", valueName: "model.npz")) var model: String
    @Argument(help: "The dataset (any format the tool reads).") var data: String
    @Option(help: ArgumentHelp("Write the misclassified test digits as a contact sheet.", valueName: "grid.png")) var errorsPng: String?
    @Option(help: "Cells per row of the --errors-png sheet.") var gridColumns = 20
    @Flag(help: "Replace --errors-png files that exist.") var force = false

    func validate() throws {
        guard gridColumns >= 1 else { throw ValidationError("--grid-columns must be at least 1.") }
        if let errorsPng, errorsPng.isEmpty { throw ValidationError("--errors-png needs a file name.") }
    }

    func run() throws {
        try runReportingErrors {
            let sheetPath = errorsPng
            let captionPath = sheetPath.map(DigitExport.captionPath(forSheet:))
            if let sheetPath, let captionPath {
                if sheetPath == captionPath {
                    throw MNISTToolsError.cannotWrite(path: sheetPath, reason: "the caption file would have the same name")
                }
                for path in [sheetPath, captionPath] where !force && AtomicFile.exists(path) {
                    throw MNISTToolsError.outputExists(path: path)
                }
            }
            let classifier = try SavedModel(npz: model).classifier
            let dataset = try DatasetLoader.load(path: data)
            guard !dataset.splits.isEmpty else {
                throw MNISTToolsError.invalidData(path: data, field: "splits", reason: "no splits")
            }
            let classes = max(dataset.classCount, classifier.classes)
            let backend = CPUBackend()
            var results: [(split: DatasetSplit, predictions: [Int])] = []
            for split in dataset.splits {
                try classifier.checkInputs(pixels: split.images.pixelsPerImage, modelPath: model, dataPath: data)
                let matrix = LabelledMatrix(split, rowsPerBlock: 1000)
                results.append((split, matrix.blocks.flatMap { classifier.predictions(images: $0.images, using: backend) }))
            }

            var summary = [["split", "examples", "errors", "error rate"]]
            for (split, predictions) in results {
                let errors = zip(split.labels.values, predictions).filter { $0 != $1 }.count
                let rate = split.count == 0 ? 0 : Double(errors) / Double(split.count)
                summary.append([split.name, String(split.count), String(errors), fixedDecimal(rate, decimals: 6)])
            }
            alignedColumns(summary).forEach { print($0) }

            for (split, predictions) in results {
                var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
                for (truth, predicted) in zip(split.labels.values, predictions) where (0..<classes).contains(truth) {
                    counts[truth][predicted] += 1
                }
                print("")
                print("confusion matrix of \(split.name) (rows: true class, columns: predicted)")
                let header = ["true\\predicted"] + (0..<classes).map(String.init)
                let rows = (0..<classes).map { truth in [String(truth)] + counts[truth].map(String.init) }
                alignedColumns([header] + rows).forEach { print($0) }
            }

            if let sheetPath, let captionPath, let chosen = dataset.split(named: "test").flatMap({ test in results.first { $0.split.name == test.name } }) ?? results.last {
                let split = chosen.split
                let labels = split.labels.values
                let wrong = split.labels.values.indices.filter { labels[$0] != chosen.predictions[$0] }
                guard !wrong.isEmpty else {
                    print("no misclassified digits in \(split.name); \(sheetPath) not written")
                    return
                }
                let images = split.images
                let sheet = try DigitImages.contactSheet(cellCount: wrong.count, rows: images.rows, columns: images.columns,
                                                         gridColumns: gridColumns) { cell in
                    images.grayLevels(image: wrong[cell])
                }
                let size = try DigitImages.sheetSize(cellCount: wrong.count, rows: images.rows, columns: images.columns,
                                                     gridColumns: gridColumns, scale: 1)
                var caption = ""
                for (cell, index) in wrong.enumerated() {
                    caption += "\(cell / size.columns) \(cell % size.columns) \(index) \(labels[index]) \(chosen.predictions[index])\n"
                }
                try AtomicOutputFile.commit([
                    try AtomicFile.stage(try sheet.pngBytes(), to: sheetPath, overwrite: force),
                    try AtomicFile.stage(Array(caption.utf8), to: captionPath, overwrite: force),
                ])
                print("wrote \(sheetPath) (\(sheet.width)×\(sheet.height), \(wrong.count) misclassified digits of \(split.name)) and \(captionPath)")
            }
        }
    }
}

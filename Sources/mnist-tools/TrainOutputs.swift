import MNISTTools
import Pickle
import Train

/// What `train` writes besides its report: the best parameters (`--save` .npz with
/// `model.json`, `--save-pickle`), one CSV row per validation (`--log`) and the learning
/// curves as SVG (`--plot`).
///
/// Every output is opened (as a temporary file beside its destination) before training, so
/// an existing file (without --force) or an unwritable folder is refused before any work;
/// `commit` writes them all, then renames them into place, after training or after Ctrl-C
/// stopped it.
struct TrainOutputs {
    /// One validation: the CSV row.
    struct LogRow {
        var epoch: Int
        /// Epochs trained so far, with the fraction of the current one (`--plot`'s x axis).
        var progress: Double
        /// Minibatches trained so far (1-based, the tutorials' `iter + 1`).
        var iteration: Int
        var validationError: Double
        var testError: Double?
        var seconds: Double
    }

    private let npz: AtomicOutputFile?
    private let pickle: AtomicOutputFile?
    private let log: AtomicOutputFile?
    private let plot: AtomicOutputFile?
    private(set) var rows: [LogRow] = []

    init(save: String?, savePickle: String?, log: String?, plot: String?, overwrite: Bool) throws {
        let paths = [save, savePickle, log, plot].compactMap { $0 }
        if let duplicate = paths.first(where: { path in paths.filter { $0 == path }.count > 1 }) {
            throw MNISTToolsError.cannotWrite(path: duplicate, reason: "named for more than one of --save, --save-pickle, --log and --plot")
        }
        npz = try save.map { try AtomicOutputFile(destination: $0, overwrite: overwrite) }
        pickle = try savePickle.map { try AtomicOutputFile(destination: $0, overwrite: overwrite) }
        self.log = try log.map { try AtomicOutputFile(destination: $0, overwrite: overwrite) }
        self.plot = try plot.map { try AtomicOutputFile(destination: $0, overwrite: overwrite) }
    }

    /// The validations of the run before it was resumed.
    mutating func restore(rows earlier: [LogRow]) {
        rows = earlier + rows
    }

    /// A validation after `minibatch` of the `of` minibatches of `epoch` (1-based).
    mutating func validated(epoch: Int, minibatch: Int, of: Int, iteration: Int, error: Double, seconds: Double) {
        rows.append(LogRow(epoch: epoch, progress: Double(epoch - 1) + Double(minibatch) / Double(max(of, 1)),
                           iteration: iteration + 1, validationError: error, seconds: seconds))
    }

    /// The test error measured right after the last validation.
    mutating func tested(error: Double) {
        if !rows.isEmpty { rows[rows.count - 1].testError = error }
    }

    /// Writes every output asked for, then renames them into place together: a failure
    /// while writing any of them (a full disk) leaves none behind.
    /// `title` heads the plot.
    func commit(parameters: [SavedParameter], description: [(String, JSONValue)], title: String) throws {
        if let npz {
            var writer = NPZWriter()
            for parameter in parameters {
                try writer.addFloat32(name: parameter.name, shape: parameter.shape, values: parameter.values, path: npz.destination)
            }
            try writer.add(name: "model.json", data: Array((JSONValue.object(description).formatted() + "\n").utf8), path: npz.destination)
            try writer.write(into: npz)
        }
        if let pickle {
            var bytes: [UInt8] = []
            var writer = NDArrayPickleWriter { bytes.append(contentsOf: $0) }
            try writer.write(float32Arrays: parameters.map { ($0.shape, $0.values) })
            try pickle.file.write(bytes)
        }
        if let log {
            var text = "epoch,iteration,validation_error,test_error,seconds\n"
            for row in rows {
                text += "\(row.epoch),\(row.iteration),\(row.validationError),\(row.testError.map { "\($0)" } ?? ""),\(fixedDecimal(row.seconds, decimals: 6))\n"
            }
            try log.file.write(Array(text.utf8))
        }
        if let plot {
            let svg = LearningCurvePlot.svg(
                validation: rows.map { ($0.progress, $0.validationError) },
                test: rows.compactMap { row in row.testError.map { (row.progress, $0) } },
                title: title)
            try plot.file.write(Array(svg.utf8))
        }
        try AtomicOutputFile.commit([npz, pickle, log, plot].compactMap { $0 })
    }
}

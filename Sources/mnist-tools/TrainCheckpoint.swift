import MNISTTools
import Train

/// `train --checkpoint` and `--resume`: the state of a run in one `.npz`, enough to continue
/// it exactly where it was, with the numbers an uninterrupted run would give.
///
/// Members: `W0.npy`, `b0.npy`, … the parameters now, and `best_W0.npy`, … those of the best
/// validation so far (both in the tutorials' layouts, as `--save` writes them);
/// `model.json`, as `--save` writes it (architecture, hyperparameters, results so far); and
/// `state.json`: `iterations` (minibatches trained), `patience` (as it has grown),
/// `best_validation_error`, `best_iteration` (0-based), `test_error_at_best`,
/// `patience_exhausted`, `seconds` (of training so far) and `log`, the validations so far
/// (`epoch`, `progress`, `iteration`, `validation_error`, `test_error`, `seconds`).
struct TrainCheckpoint {
    static let bestPrefix = "best_"

    /// Where it was read from.
    let path: String
    /// The model kind, hyperparameters and architecture: the checkpoint's `model.json`.
    let description: JSONValue
    let current: any Classifier
    let best: any Classifier
    let iterations: Int
    let grownPatience: Int
    let bestValidationError: Double
    let bestIteration: Int?
    let testErrorAtBest: Double?
    let patienceExhausted: Bool
    let seconds: Double
    let rows: [TrainOutputs.LogRow]

    /// Writes `progress` to `path` atomically, replacing the previous checkpoint.
    static func write<Model: Classifier>(
        _ progress: Trainer.Progress<Model>, to path: String, description: [(String, JSONValue)],
        rows: [TrainOutputs.LogRow], seconds: Double
    ) throws {
        var writer = NPZWriter()
        for parameter in progress.model.savedParameters {
            try writer.addFloat32(name: parameter.name, shape: parameter.shape, values: parameter.values, path: path)
        }
        for parameter in progress.best.savedParameters {
            try writer.addFloat32(name: bestPrefix + parameter.name, shape: parameter.shape, values: parameter.values, path: path)
        }
        let best = progress.stopping.bestValidationError
        let state: [(String, JSONValue)] = [
            ("iterations", .number(Double(progress.iterations))),
            ("patience", .number(Double(progress.stopping.patience))),
            ("best_validation_error", best.isFinite ? .number(best) : .null),
            ("best_iteration", progress.stopping.bestIteration.map { .number(Double($0)) } ?? .null),
            ("test_error_at_best", progress.testErrorAtBest.map(JSONValue.number) ?? .null),
            ("patience_exhausted", .bool(progress.patienceExhausted)),
            ("seconds", .number(seconds)),
            ("log", .array(rows.map { row in
                .object([("epoch", .number(Double(row.epoch))), ("progress", .number(row.progress)),
                         ("iteration", .number(Double(row.iteration))), ("validation_error", .number(row.validationError)),
                         ("test_error", row.testError.map(JSONValue.number) ?? .null), ("seconds", .number(row.seconds))])
            })),
        ]
        try writer.add(name: "model.json", data: Array((JSONValue.object(description).formatted() + "\n").utf8), path: path)
        try writer.add(name: "state.json", data: Array((JSONValue.object(state).formatted() + "\n").utf8), path: path)
        try writer.write(path: path, overwrite: true)
    }

    /// Reads the checkpoint at `path`; errors name the file and the member or field.
    init(path: String) throws {
        self.path = path
        current = try SavedModel(npz: path, parameterPrefix: "", otherPrefixes: [Self.bestPrefix]).classifier
        best = try SavedModel(npz: path, parameterPrefix: Self.bestPrefix, otherPrefixes: []).classifier
        let members = try NPZFile.readParameters(path: path).otherMembers
        func json(_ name: String) throws -> JSONValue {
            guard let bytes = members[name] else {
                throw MNISTToolsError.invalidData(path: path, field: "member '\(name)'",
                                                  reason: "missing; expected a checkpoint written by `mnist-tools train --checkpoint`")
            }
            do {
                return try JSONParser.parse(bytes)
            } catch {
                throw MNISTToolsError.invalidData(path: path, field: "member '\(name)'", reason: error.description)
            }
        }
        description = try json("model.json")
        let state = try json("state.json")
        func invalid(_ key: String, _ expected: String) -> MNISTToolsError {
            .invalidData(path: path, field: "member 'state.json' '\(key)'", reason: "expected \(expected)")
        }
        func number(_ value: JSONValue?, _ key: String) throws -> Double {
            guard case let .number(number)? = value, number.isFinite else { throw invalid(key, "a number") }
            return number
        }
        func count(_ value: JSONValue?, _ key: String) throws -> Int {
            guard let count = value?.count else { throw invalid(key, "a whole number") }
            return count
        }
        func optional<T>(_ key: String, _ read: (JSONValue?, String) throws -> T) throws -> T? {
            if case .null? = state[key] { return nil }
            return try read(state[key], key)
        }
        iterations = try count(state["iterations"], "iterations")
        grownPatience = try count(state["patience"], "patience")
        bestValidationError = try optional("best_validation_error", number) ?? .infinity
        bestIteration = try optional("best_iteration", count)
        testErrorAtBest = try optional("test_error_at_best", number)
        guard case let .bool(exhausted)? = state["patience_exhausted"] else { throw invalid("patience_exhausted", "true or false") }
        patienceExhausted = exhausted
        seconds = try number(state["seconds"], "seconds")
        guard let log = state["log"]?.array else { throw invalid("log", "an array") }
        rows = try log.map { row in
            TrainOutputs.LogRow(
                epoch: try count(row["epoch"], "log"), progress: try number(row["progress"], "log"),
                iteration: try count(row["iteration"], "log"), validationError: try number(row["validation_error"], "log"),
                testError: row["test_error"] == .null ? nil : try number(row["test_error"], "log"),
                seconds: try number(row["seconds"], "log"))
        }
    }

    /// The run's progress, for a model of type `Model` (that of the checkpoint) trained with
    /// `settings` on `trainBatches` minibatches an epoch.
    func progress<Model: Classifier>(as _: Model.Type, trainBatches: Int, settings: Trainer.Settings, path: String) throws -> Trainer.Progress<Model> {
        guard let current = current as? Model, let best = best as? Model else {
            throw MNISTToolsError.invalidData(path: path, field: "member 'model.json' 'model'", reason: "does not match the checkpoint's arrays")
        }
        let stopping = EarlyStopping(trainBatches: trainBatches, patience: settings.patience, patienceIncrease: settings.patienceIncrease,
                                     improvementThreshold: settings.improvementThreshold, grownPatience: grownPatience,
                                     bestValidationError: bestValidationError, bestIteration: bestIteration)
        return Trainer.Progress(model: current, best: best, stopping: stopping, testErrorAtBest: testErrorAtBest,
                                iterations: iterations, patienceExhausted: patienceExhausted)
    }
}

/// Where the trainer's minibatches run: a model and its splits, on the CPU
/// (`HostTrainingEngine`) or on a GPU (`CUDATrainingEngine`). `Trainer.run` drives one
/// through the tutorials' loop; the engine only trains, counts errors and hands the
/// parameters over when the trainer needs them (after each validation, and at the end).
public protocol TrainingEngine {
    associatedtype Model: Classifier
    /// What its steps may throw: `Never` on the CPU.
    associatedtype Failure: Error

    /// Examples in the training split.
    var trainCount: Int { get }
    /// Examples in the validation split.
    var validationCount: Int { get }
    /// Examples in the test split, or nil without one.
    var testCount: Int? { get }

    /// One SGD step on rows `rows` of the training split, with the settings' learning rate
    /// and penalties.
    mutating func trainStep(rows: Range<Int>, settings: Trainer.Settings) throws(Failure)

    /// How many of the first `rows` examples of `split` the current parameters misclassify.
    mutating func errors(on split: EvaluationSplit, rows: Int) throws(Failure) -> Int

    /// The parameters now.
    mutating func currentModel() throws(Failure) -> Model
}

/// The splits the trainer evaluates on.
public enum EvaluationSplit: Sendable {
    case validation
    case test
}

/// Training on the host: a `Classifier` value and the splits as `LabelledMatrix` blocks, with
/// a CPU `Backend` doing the arithmetic.
public struct HostTrainingEngine<Model: Classifier, Arithmetic: Backend>: TrainingEngine {
    public typealias Failure = Never

    public private(set) var model: Model
    public let train: LabelledMatrix
    public let validation: LabelledMatrix
    public let test: LabelledMatrix?
    public let backend: Arithmetic

    /// `validation` and `test` should hold blocks of `Trainer.evaluationBlockRows` rows, which
    /// are classified a block at a time.
    public init(model: Model, train: LabelledMatrix, validation: LabelledMatrix, test: LabelledMatrix?, backend: Arithmetic) {
        self.model = model
        self.train = train
        self.validation = validation
        self.test = test
        self.backend = backend
    }

    public var trainCount: Int { train.count }
    public var validationCount: Int { validation.count }
    public var testCount: Int? { test?.count }

    public mutating func trainStep(rows: Range<Int>, settings: Trainer.Settings) {
        let batch = train.batch(rows)
        _ = model.trainStep(images: batch.images, labels: batch.labels, learningRate: settings.learningRate,
                            l1: settings.l1, l2: settings.l2, using: backend)
    }

    /// Counted a block of the split at a time: a prediction does not depend on which rows
    /// share its batch, and large blocks make fast products.
    public mutating func errors(on split: EvaluationSplit, rows: Int) -> Int {
        guard let matrix = split == .validation ? validation : test else { return 0 }
        var errors = 0
        var start = 0
        while start < rows {
            let end = min(rows, (start / matrix.rowsPerBlock + 1) * matrix.rowsPerBlock)
            let batch = matrix.batch(start..<end)
            errors += model.evaluate(images: batch.images, labels: batch.labels, using: backend).errors
            start = end
        }
        return errors
    }

    public mutating func currentModel() -> Model { model }
}

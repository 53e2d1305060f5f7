/// Minibatch SGD with the tutorials' early stopping, reporting as the tutorials print.
///
/// Minibatches are taken by index over each split, in order; the last partial batch is
/// dropped, in validation and test too, where the error is the mean over full batches
/// (unless `evaluateAll`, which counts every example). Test error is measured at each new
/// best validation error, with the parameters of that moment, which are kept.
public struct Trainer {
    public struct Settings: Sendable {
        public var learningRate: Float
        public var batchSize: Int
        public var epochs: Int
        public var l1: Float
        public var l2: Float
        public var patience: Int
        public var patienceIncrease: Double
        public var improvementThreshold: Double
        public var evaluateAll: Bool

        public init(learningRate: Float, batchSize: Int, epochs: Int, l1: Float, l2: Float, patience: Int,
                    patienceIncrease: Double = 2, improvementThreshold: Double = 0.995, evaluateAll: Bool = false) {
            self.learningRate = learningRate
            self.batchSize = batchSize
            self.epochs = epochs
            self.l1 = l1
            self.l2 = l2
            self.patience = patience
            self.patienceIncrease = patienceIncrease
            self.improvementThreshold = improvementThreshold
            self.evaluateAll = evaluateAll
        }
    }

    /// What happened, for the caller to print or log.
    public enum Event {
        case validated(epoch: Int, minibatch: Int, of: Int, iteration: Int, error: Double)
        case tested(epoch: Int, minibatch: Int, of: Int, iteration: Int, error: Double)
    }

    public struct Outcome<Model: Classifier> {
        public let bestValidationError: Double
        public let testErrorAtBest: Double?
        public let bestIteration: Int?
        public let epochsRun: Int
        /// The model with the best validation error.
        public let bestModel: Model
    }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    /// Trains `model` on `train`, validating on `valid` and testing on `test` (if given).
    /// `shouldStop` is asked after every minibatch (Ctrl-C): when it says yes, training
    /// ends there with the best model so far.
    public func run<Model: Classifier>(
        model: Model, train: LabelledMatrix, valid: LabelledMatrix, test: LabelledMatrix?,
        using backend: some Backend, shouldStop: () -> Bool = { false },
        report: (Event) -> Void
    ) -> Outcome<Model> {
        var model = model
        var best = model
        var testError: Double?
        let trainBatches = train.count / settings.batchSize
        var stopping = EarlyStopping(trainBatches: trainBatches, patience: settings.patience,
                                     patienceIncrease: settings.patienceIncrease, improvementThreshold: settings.improvementThreshold)
        var epoch = 0
        training: while epoch < settings.epochs {
            epoch += 1
            for minibatch in 0..<trainBatches {
                let batch = train.batch((minibatch * settings.batchSize)..<((minibatch + 1) * settings.batchSize))
                _ = model.trainStep(images: batch.images, labels: batch.labels, learningRate: settings.learningRate,
                                    l1: settings.l1, l2: settings.l2, using: backend)
                let iteration = (epoch - 1) * trainBatches + minibatch
                if stopping.validatesAfter(iteration: iteration) {
                    let error = errorRate(of: model, on: valid, using: backend)
                    report(.validated(epoch: epoch, minibatch: minibatch + 1, of: trainBatches, iteration: iteration, error: error))
                    if stopping.record(validationError: error, iteration: iteration) {
                        best = model
                        if let test {
                            testError = errorRate(of: model, on: test, using: backend)
                            report(.tested(epoch: epoch, minibatch: minibatch + 1, of: trainBatches, iteration: iteration, error: testError ?? 0))
                        }
                    }
                }
                if stopping.stopsAfter(iteration: iteration) || shouldStop() { break training }
            }
        }
        return Outcome(bestValidationError: stopping.bestValidationError, testErrorAtBest: testError,
                       bestIteration: stopping.bestIteration, epochsRun: epoch, bestModel: best)
    }

    /// The zero-one loss: the mean of the full minibatches' error rates, as the tutorials
    /// compute it, or over every example with `evaluateAll`. The counted rows are
    /// classified a block of `split` at a time: a prediction does not depend on which
    /// rows share its batch, and large blocks make fast products.
    public func errorRate(of model: some Classifier, on split: LabelledMatrix, using backend: some Backend) -> Double {
        let counted = evaluatedCount(of: split)
        var errors = 0
        var start = 0
        while start < counted {
            let end = min(counted, (start / split.rowsPerBlock + 1) * split.rowsPerBlock)
            let batch = split.batch(start..<end)
            errors += model.evaluate(images: batch.images, labels: batch.labels, using: backend).errors
            start = end
        }
        return counted == 0 ? 0 : Double(errors) / Double(counted)
    }

    /// Rows per block for a validation or test split: whole minibatches, about 1,000 rows.
    public var evaluationBlockRows: Int {
        settings.batchSize * max(1, 1000 / settings.batchSize)
    }

    /// How many examples the error rates count: full batches only, unless `evaluateAll`.
    public func evaluatedCount(of split: LabelledMatrix) -> Int {
        settings.evaluateAll ? split.count : split.count / settings.batchSize * settings.batchSize
    }
}

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
        /// A minibatch was trained (for a progress display).
        case trained(epoch: Int, minibatch: Int, of: Int)
        case validated(epoch: Int, minibatch: Int, of: Int, iteration: Int, error: Double)
        case tested(epoch: Int, minibatch: Int, of: Int, iteration: Int, error: Double)
    }

    /// Where a run stands: everything needed to continue it exactly (`--resume`).
    public struct Progress<Model: Classifier> {
        /// The parameters now.
        public var model: Model
        /// The parameters at the best validation error so far.
        public var best: Model
        public var stopping: EarlyStopping
        /// The test error measured at the best validation error, if any.
        public var testErrorAtBest: Double?
        /// Minibatches trained so far, across epochs: the tutorials' `iter` of the next one.
        public var iterations: Int
        /// Whether patience ran out: there is nothing left to train.
        public var patienceExhausted: Bool

        /// A run about to start: no minibatch trained, `model` as the best so far.
        public init(starting model: Model, trainBatches: Int, settings: Settings) {
            self.init(model: model, best: model,
                      stopping: EarlyStopping(trainBatches: trainBatches, patience: settings.patience,
                                              patienceIncrease: settings.patienceIncrease,
                                              improvementThreshold: settings.improvementThreshold),
                      testErrorAtBest: nil, iterations: 0, patienceExhausted: false)
        }

        /// A run restored from its parts.
        public init(model: Model, best: Model, stopping: EarlyStopping, testErrorAtBest: Double?,
                    iterations: Int, patienceExhausted: Bool) {
            self.model = model
            self.best = best
            self.stopping = stopping
            self.testErrorAtBest = testErrorAtBest
            self.iterations = iterations
            self.patienceExhausted = patienceExhausted
        }

        /// Epochs begun: whole epochs trained, plus the one under way.
        public func epochsBegun(trainBatches: Int) -> Int {
            (iterations + trainBatches - 1) / max(trainBatches, 1)
        }
    }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    /// Minibatches in an epoch of `train`: the last partial one is dropped.
    public func trainBatches(of train: LabelledMatrix) -> Int {
        train.count / settings.batchSize
    }

    /// Trains on `train` from `progress`, validating on `valid` and testing on `test` (if
    /// given), until patience runs out or the epoch limit; returns where it ended.
    /// `checkpoint` is given the progress after each validation (and its test). `shouldStop`
    /// is asked after every minibatch (Ctrl-C): when it says yes, training ends there.
    public func run<Model: Classifier>(
        from progress: Progress<Model>, train: LabelledMatrix, valid: LabelledMatrix, test: LabelledMatrix?,
        using backend: some Backend, shouldStop: () -> Bool = { false },
        report: (Event) -> Void, checkpoint: (Progress<Model>) -> Void = { _ in }
    ) -> Progress<Model> {
        var progress = progress
        let trainBatches = trainBatches(of: train)
        while !progress.patienceExhausted && progress.iterations < settings.epochs * trainBatches {
            let iteration = progress.iterations
            let (epoch, minibatch) = (iteration / trainBatches + 1, iteration % trainBatches)
            let batch = train.batch((minibatch * settings.batchSize)..<((minibatch + 1) * settings.batchSize))
            _ = progress.model.trainStep(images: batch.images, labels: batch.labels, learningRate: settings.learningRate,
                                         l1: settings.l1, l2: settings.l2, using: backend)
            progress.iterations += 1
            report(.trained(epoch: epoch, minibatch: minibatch + 1, of: trainBatches))
            if progress.stopping.validatesAfter(iteration: iteration) {
                let error = errorRate(of: progress.model, on: valid, using: backend)
                report(.validated(epoch: epoch, minibatch: minibatch + 1, of: trainBatches, iteration: iteration, error: error))
                if progress.stopping.record(validationError: error, iteration: iteration) {
                    progress.best = progress.model
                    if let test {
                        let testError = errorRate(of: progress.model, on: test, using: backend)
                        progress.testErrorAtBest = testError
                        report(.tested(epoch: epoch, minibatch: minibatch + 1, of: trainBatches, iteration: iteration, error: testError))
                    }
                }
            }
            progress.patienceExhausted = progress.stopping.stopsAfter(iteration: iteration)
            if progress.stopping.validatesAfter(iteration: iteration) { checkpoint(progress) }
            if shouldStop() { break }
        }
        return progress
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

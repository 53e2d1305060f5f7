/// Minibatch SGD with the tutorials' early stopping, reporting as the tutorials print.
///
/// Minibatches are taken by index over each split, in order; the last partial batch is
/// dropped, in validation and test too, where the error is the mean over full batches
/// (unless `evaluateAll`, which counts every example). Test error is measured at each new
/// best validation error, with the parameters of that moment, which are kept. Where the
/// arithmetic runs is the `TrainingEngine`'s business.
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

    /// Minibatches in an epoch of a training split of `examples`: the last partial one is dropped.
    public func trainBatches(examples: Int) -> Int {
        examples / settings.batchSize
    }

    /// Trains `engine`'s model from `progress`, validating on its validation split and
    /// testing on its test split (if any), until patience runs out or the epoch limit;
    /// returns where it ended, with the engine's parameters. `checkpoint` is given the
    /// progress after each validation (and its test). `shouldStop` is asked after every
    /// minibatch (Ctrl-C): when it says yes, training ends there.
    public func run<Engine: TrainingEngine>(
        from progress: Progress<Engine.Model>, on engine: inout Engine, shouldStop: () -> Bool = { false },
        report: (Event) -> Void, checkpoint: (Progress<Engine.Model>) -> Void = { _ in }
    ) throws(Engine.Failure) -> Progress<Engine.Model> {
        var progress = progress
        let trainBatches = trainBatches(examples: engine.trainCount)
        while !progress.patienceExhausted && progress.iterations < settings.epochs * trainBatches {
            let iteration = progress.iterations
            let (epoch, minibatch) = (iteration / trainBatches + 1, iteration % trainBatches)
            try engine.trainStep(rows: (minibatch * settings.batchSize)..<((minibatch + 1) * settings.batchSize), settings: settings)
            progress.iterations += 1
            report(.trained(epoch: epoch, minibatch: minibatch + 1, of: trainBatches))
            if progress.stopping.validatesAfter(iteration: iteration) {
                progress.model = try engine.currentModel()
                let error = try errorRate(of: &engine, on: .validation, examples: engine.validationCount)
                report(.validated(epoch: epoch, minibatch: minibatch + 1, of: trainBatches, iteration: iteration, error: error))
                if progress.stopping.record(validationError: error, iteration: iteration) {
                    progress.best = progress.model
                    if let testCount = engine.testCount {
                        let testError = try errorRate(of: &engine, on: .test, examples: testCount)
                        progress.testErrorAtBest = testError
                        report(.tested(epoch: epoch, minibatch: minibatch + 1, of: trainBatches, iteration: iteration, error: testError))
                    }
                }
            }
            progress.patienceExhausted = progress.stopping.stopsAfter(iteration: iteration)
            if progress.stopping.validatesAfter(iteration: iteration) { checkpoint(progress) }
            if shouldStop() { break }
        }
        progress.model = try engine.currentModel()
        return progress
    }

    /// The zero-one loss: the mean of the full minibatches' error rates, as the tutorials
    /// compute it, or over every example with `evaluateAll`.
    func errorRate<Engine: TrainingEngine>(
        of engine: inout Engine, on split: EvaluationSplit, examples: Int
    ) throws(Engine.Failure) -> Double {
        let counted = evaluatedCount(examples: examples)
        let errors = try engine.errors(on: split, rows: counted)
        return counted == 0 ? 0 : Double(errors) / Double(counted)
    }

    /// Rows per block for a validation or test split: whole minibatches, about 500 rows.
    /// Enough rows for fast products; few enough that LeNet's largest activation (23 MB
    /// at 500 rows) stays below the size the CPU backend keeps in the heap between
    /// minibatches (`CPUBackend.processSettings`): at 1,000 rows every block cost a fresh
    /// 46 MB mapping and its page faults.
    public var evaluationBlockRows: Int {
        settings.batchSize * max(1, 500 / settings.batchSize)
    }

    /// How many of a split's `examples` the error rates count: full batches only, unless
    /// `evaluateAll`.
    public func evaluatedCount(examples: Int) -> Int {
        settings.evaluateAll ? examples : examples / settings.batchSize * settings.batchSize
    }
}

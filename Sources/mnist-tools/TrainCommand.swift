import ArgumentParser
import MNISTTools
import Train

/// `train`: the tutorials' models and method (minibatch SGD, early stopping), on the CPU.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the Theano tutorials' logistic regression or MLP with their method.",
        discussion: """
            Minibatch SGD on the mean negative log-likelihood plus L1·Σ|W| + L2·ΣW², early \
            stopping with patience, test error reported at the best validation point, all as in \
            the tutorials, with their defaults (logreg: lr 0.13, batch 600, patience 5000; mlp: \
            784→500 tanh→10, lr 0.01, L2 0.0001, batch 20, patience 10000, seed 1234). The last \
            partial minibatch is dropped, in validation and test too, unless --eval-all. Initial \
            weights are drawn as numpy.random.RandomState(seed) draws them. Ctrl-C stops after \
            the current minibatch and exits with 130. Reproducible: the same flags give the same \
            numbers (OpenBLAS with one thread; see OPENBLAS_NUM_THREADS).

            --save writes the parameters of the best validation point as a NumPy .npz \
            (W0.npy, b0.npy, W1.npy, … float32, hidden layers first, W as (inputs, outputs); \
            plus model.json: the architecture, hyperparameters and results, error rates as \
            fractions); --save-pickle writes them as a pickled list [W0, b0, …] of float32 \
            arrays (Python 3: pickle.load(f)); --log writes one CSV row per validation \
            (epoch,iteration,validation_error,test_error,seconds; iteration counts minibatches \
            trained; test_error empty where not measured). Outputs are written atomically, \
            also on Ctrl-C; existing files are refused before training unless --force.
            """
    )

    enum Model: String, ExpressibleByArgument, CaseIterable { case logreg, mlp }

    @Argument(help: "The dataset (needs train and valid splits; test is optional).")
    var data: String

    @Option(help: "logreg or mlp.")
    var model: Model

    @Option(help: "Learning rate (default: the tutorial's).") var lr: Float?
    @Option(help: "Minibatch size (default: the tutorial's).") var batchSize: Int?
    @Option(help: "Maximum epochs.") var epochs = 1000
    @Option(help: "L1 penalty weight.") var l1: Float = 0
    @Option(help: "L2 penalty weight (default: 0 for logreg, 0.0001 for mlp).") var l2: Float?
    @Option(help: "Hidden units (mlp).") var hidden = 500
    @Option(help: "Hidden activation (mlp): tanh, sigmoid or relu.") var activation: ActivationKind = .tanh
    @Option(help: "Patience in minibatches (default: 5000 logreg, 10000 mlp).") var patience: Int?
    @Option(help: "Patience grows to iteration × this on a significant improvement.") var patienceIncrease: Double = 2
    @Option(help: "A validation error below best × this is a significant improvement.") var improvementThreshold: Double = 0.995
    @Option(help: "Seed of the weight initialization (mlp).") var seed: UInt32 = 1234
    @Flag(help: "Count every validation and test example, not only full minibatches.") var evalAll = false
    @Option(help: ArgumentHelp("Write the best parameters and model.json as a NumPy .npz.", valueName: "file.npz")) var save: String?
    @Option(help: ArgumentHelp("Write the best parameters as a pickled list of float32 arrays.", valueName: "file.pkl")) var savePickle: String?
    @Option(help: ArgumentHelp("Write one CSV row per validation.", valueName: "file.csv")) var log: String?
    @Flag(help: "Replace --save, --save-pickle and --log files that exist.") var force = false

    func validate() throws {
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive.") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        guard epochs >= 1, hidden >= 1 else { throw ValidationError("--epochs and --hidden must be at least 1.") }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1.") }
    }

    func run() throws {
        try runReportingErrors {
            var outputs = try TrainOutputs(save: save, savePickle: savePickle, log: log, overwrite: force)
            let dataset = try DatasetLoader.load(path: data)
            guard let trainSplit = dataset.split(named: "train") else {
                throw MNISTToolsError.invalidData(path: data, field: "splits", reason: "no 'train' split")
            }
            guard let validSplit = dataset.split(named: "valid") else {
                throw MNISTToolsError.invalidData(path: data, field: "splits",
                                                  reason: "no 'valid' split to stop early on; make one with `mnist-tools split \(data) -o DIR --valid 10000`")
            }
            let train = LabelledMatrix(trainSplit), valid = LabelledMatrix(validSplit)
            let test = dataset.split(named: "test").map(LabelledMatrix.init)
            let classes = dataset.classCount
            let settings = settingsForModel()
            guard settings.batchSize <= train.count, settings.batchSize <= valid.count else {
                throw MNISTToolsError.invalidData(path: data, field: "--batch-size",
                                                  reason: "\(settings.batchSize) is larger than a split (train \(train.count), valid \(valid.count))")
            }
            var rng = NumpyRandomState(seed: seed)
            let initial: DenseClassifier = switch model {
            case .logreg: .logisticRegression(inputs: train.images.columns, classes: classes)
            case .mlp: .tutorialMLP(inputs: train.images.columns, hiddenUnits: hidden, classes: classes, activation: activation, rng: &rng)
            }
            let trainer = Trainer(settings: settings)
            print("training \(model.rawValue) on \(train.count) examples (\(trainSplit.images.rows)×\(trainSplit.images.columns), \(classes) classes); "
                  + "validation on \(trainer.evaluatedCount(of: valid)) of \(valid.count) examples"
                  + (test.map { ", test on \(trainer.evaluatedCount(of: $0)) of \($0.count)" } ?? ""))
            InterruptCleanup.deferInterrupts()
            let clock = ContinuousClock()
            let start = clock.now
            func secondsSinceStart() -> Double {
                let elapsed = (clock.now - start).components
                return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
            }
            let outcome = trainer.run(model: initial, train: train, valid: valid, test: test, using: CPUBackend(),
                                      shouldStop: { InterruptCleanup.interruptRequested }) { event in
                switch event {
                case let .validated(epoch, minibatch, of, iteration, error):
                    outputs.validated(epoch: epoch, iteration: iteration, error: error, seconds: secondsSinceStart())
                    print("epoch \(epoch), minibatch \(minibatch)/\(of), validation error \(percent(error)) %")
                case let .tested(epoch, minibatch, of, _, error):
                    outputs.tested(error: error)
                    print("     epoch \(epoch), minibatch \(minibatch)/\(of), test error of best model \(percent(error)) %")
                }
            }
            let seconds = secondsSinceStart()
            let testText = outcome.testErrorAtBest.map { "\(percent($0)) %" } ?? "not measured (no test split)"
            print("Optimization complete with best validation score of \(percent(outcome.bestValidationError)) %, with test performance \(testText)")
            print("The code ran for \(outcome.epochsRun) epochs, with \(fixed(Double(outcome.epochsRun) / max(seconds, 1e-9), decimals: 6)) epochs/sec")
            try outputs.commit(outcome: outcome, description: modelDescription(outcome: outcome, settings: settings))
            if InterruptCleanup.interruptRequested {
                throw ExitCode(130)
            }
        }
    }

    /// `model.json`: what was trained, how, and how well (error rates as fractions).
    private func modelDescription(outcome: Trainer.Outcome, settings: Trainer.Settings) -> [(String, JSONValue)] {
        let best = outcome.bestModel
        let sizes = [best.inputs] + best.hidden.map(\.layer.outputs) + [best.output.outputs]
        let names = TrainOutputs.parameters(of: best).map { JSONValue.string($0.name) }
        return [
            ("model", .string(model.rawValue)),
            ("layer_sizes", .array(sizes.map { .number(Double($0)) })),
            ("activation", model == .mlp ? .string(activation.rawValue) : .null),
            ("output", .string("softmax")),
            ("parameters", .array(names)),
            ("learning_rate", decimal(settings.learningRate)),
            ("batch_size", .number(Double(settings.batchSize))),
            ("max_epochs", .number(Double(settings.epochs))),
            ("l1", decimal(settings.l1)),
            ("l2", decimal(settings.l2)),
            ("patience", .number(Double(settings.patience))),
            ("patience_increase", .number(settings.patienceIncrease)),
            ("improvement_threshold", .number(settings.improvementThreshold)),
            ("eval_all", .bool(settings.evaluateAll)),
            ("seed", model == .mlp ? .number(Double(seed)) : .null),
            ("best_validation_error", .number(outcome.bestValidationError)),
            ("test_error_at_best", outcome.testErrorAtBest.map(JSONValue.number) ?? .null),
            ("best_iteration", outcome.bestIteration.map { .number(Double($0 + 1)) } ?? .null),
            ("epochs_run", .number(Double(outcome.epochsRun))),
            ("interrupted", .bool(InterruptCleanup.interruptRequested)),
        ]
    }

    private func settingsForModel() -> Trainer.Settings {
        switch model {
        case .logreg:
            Trainer.Settings(learningRate: lr ?? 0.13, batchSize: batchSize ?? 600, epochs: epochs, l1: l1, l2: l2 ?? 0,
                             patience: patience ?? 5000, patienceIncrease: patienceIncrease,
                             improvementThreshold: improvementThreshold, evaluateAll: evalAll)
        case .mlp:
            Trainer.Settings(learningRate: lr ?? 0.01, batchSize: batchSize ?? 20, epochs: epochs, l1: l1, l2: l2 ?? 0.0001,
                             patience: patience ?? 10000, patienceIncrease: patienceIncrease,
                             improvementThreshold: improvementThreshold, evaluateAll: evalAll)
        }
    }
}

extension ActivationKind: ExpressibleByArgument {}

/// A float32 setting as the shortest decimal that reads back to it ("0.13", not the
/// double nearest the float, 0.12999999523162842), as it was given on the command line.
private func decimal(_ value: Float) -> JSONValue {
    .number(Double(value.description) ?? Double(value))
}

/// An error rate as a percentage with six decimals, as the tutorials print it (`%f`).
func percent(_ rate: Double) -> String { fixed(rate * 100, decimals: 6) }

/// `value` with exactly `decimals` digits after the point, rounded half away from zero.
func fixed(_ value: Double, decimals: Int) -> String {
    guard value.isFinite, abs(value) < 1e12 else { return String(value) }
    var scale: Int64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let units = Int64((abs(value) * Double(scale)).rounded())
    let fraction = String(units % scale)
    return (value < 0 && units > 0 ? "-" : "") + String(units / scale) + "."
        + String(repeating: "0", count: decimals - fraction.count) + fraction
}

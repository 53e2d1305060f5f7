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

    func validate() throws {
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive.") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        guard epochs >= 1, hidden >= 1 else { throw ValidationError("--epochs and --hidden must be at least 1.") }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1.") }
    }

    func run() throws {
        try runReportingErrors {
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
            let outcome = trainer.run(model: initial, train: train, valid: valid, test: test, using: CPUBackend(),
                                      shouldStop: { InterruptCleanup.interruptRequested }) { event in
                switch event {
                case let .validated(epoch, minibatch, of, _, error):
                    print("epoch \(epoch), minibatch \(minibatch)/\(of), validation error \(percent(error)) %")
                case let .tested(epoch, minibatch, of, _, error):
                    print("     epoch \(epoch), minibatch \(minibatch)/\(of), test error of best model \(percent(error)) %")
                }
            }
            let seconds = Double((clock.now - start).components.seconds) + Double((clock.now - start).components.attoseconds) * 1e-18
            let testText = outcome.testErrorAtBest.map { "\(percent($0)) %" } ?? "not measured (no test split)"
            print("Optimization complete with best validation score of \(percent(outcome.bestValidationError)) %, with test performance \(testText)")
            print("The code ran for \(outcome.epochsRun) epochs, with \(fixed(Double(outcome.epochsRun) / max(seconds, 1e-9), decimals: 6)) epochs/sec")
            if InterruptCleanup.interruptRequested {
                throw ExitCode(130)
            }
        }
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

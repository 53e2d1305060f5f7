import ArgumentParser
import MNISTTools
import Train

/// `train`: the tutorials' models and method (minibatch SGD, early stopping), on the CPU or
/// an NVIDIA GPU.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the Theano tutorials' logistic regression, MLP or LeNet with their method.",
        discussion: """
            Minibatch SGD on the mean negative log-likelihood plus L1·Σ|W| + L2·ΣW², early \
            stopping with patience, test error reported at the best validation point, all as in \
            the tutorials, with their defaults (logreg: lr 0.13, batch 600, patience 5000; mlp: \
            784→500 tanh→10, lr 0.01, L2 0.0001, batch 20, patience 10000, seed 1234; lenet: \
            conv 20×5×5 + 2×2 max-pool + tanh, conv 50×5×5 + pool + tanh, 500 tanh, softmax, lr \
            0.1, batch 500, at most 200 epochs, patience 10000, seed 23455). The last partial \
            minibatch is dropped, in validation and test too, unless --eval-all. Initial \
            weights are drawn as numpy.random.RandomState(seed) draws them, in the tutorials' \
            order. Ctrl-C stops after the current minibatch and exits with 130. Reproducible: \
            the same flags give the same numbers on any machine (work is split in two halves \
            by shape, whatever the core count).

            --save writes the parameters of the best validation point as a NumPy .npz \
            (W0.npy, b0.npy, W1.npy, … float32, input layer first, in the tutorials' shapes: \
            dense W as (inputs, outputs), convolution W as (filters, channels, 5, 5); plus \
            model.json: the architecture, hyperparameters and results, error rates as \
            fractions); --save-pickle writes them as a pickled list [W0, b0, …] of float32 \
            arrays (Python 3: pickle.load(f)); --log writes one CSV row per validation \
            (epoch,iteration,validation_error,test_error,seconds; iteration counts minibatches \
            trained; test_error empty where not measured); --plot draws validation and test \
            error against epochs as an SVG. Outputs are written atomically, \
            also on Ctrl-C; existing files are refused before training unless --force.

            --device gpu trains on an NVIDIA GPU through CUDA, loaded when the run starts: the \
            driver (libcuda.so.1), NVRTC (libnvrtc.so*, which compiles the kernels built into \
            mnist-tools) and cuBLAS (libcublas.so*), looked for in --cuda-lib-dir, \
            LD_LIBRARY_PATH, the system's library path, /usr/local/cuda/lib64 and the \
            nvidia/*/lib folders of Python site-packages (where PyTorch's wheels put them). \
            Without them it stops and lists every place it looked. --device auto takes the GPU \
            when one is usable, else the CPU, and says which. GPU results equal the CPU's up to \
            float rounding (different summation orders), not bit for bit.
            """
    )

    enum Model: String, ExpressibleByArgument, CaseIterable { case logreg, mlp, lenet }

    enum Device: String, ExpressibleByArgument, CaseIterable { case auto, cpu, gpu }

    @Argument(help: "The dataset (needs train and valid splits; test is optional).")
    var data: String

    @Option(help: "logreg, mlp or lenet (not with --resume, which continues the checkpoint's model).")
    var model: Model?

    @Option(help: "Learning rate (default: the tutorial's).") var lr: Float?
    @Option(help: "Minibatch size (default: the tutorial's).") var batchSize: Int?
    @Option(help: "Maximum epochs (default: 1000; 200 for lenet).") var epochs: Int?
    @Option(help: "L1 penalty weight (default: 0).") var l1: Float?
    @Option(help: "L2 penalty weight (default: 0.0001 for mlp, else 0).") var l2: Float?
    @Option(help: "Hidden units (mlp, lenet; default: 500).") var hidden: Int?
    @Option(help: "Hidden activation (mlp): tanh (default), sigmoid or relu.") var activation: ActivationKind?
    @Option(help: "Patience in minibatches (default: 5000 logreg, 10000 mlp and lenet).") var patience: Int?
    @Option(help: "Patience grows to iteration × this on a significant improvement (default: 2).") var patienceIncrease: Double?
    @Option(help: "A validation error below best × this is a significant improvement (default: 0.995).") var improvementThreshold: Double?
    @Option(help: "Seed of the weight initialization (default: 1234 mlp, 23455 lenet).") var seed: UInt32?
    @Flag(help: "Count every validation and test example, not only full minibatches.") var evalAll = false
    @Option(help: ArgumentHelp("Write the best parameters and model.json as a NumPy .npz.", valueName: "file.npz")) var save: String?
    @Option(help: ArgumentHelp("Write the best parameters as a pickled list of float32 arrays.", valueName: "file.pkl")) var savePickle: String?
    @Option(help: ArgumentHelp("Write one CSV row per validation.", valueName: "file.csv")) var log: String?
    @Option(help: ArgumentHelp("Draw validation and test error against epochs as SVG.", valueName: "curves.svg")) var plot: String?
    @Option(help: ArgumentHelp("After every validation, save the run's state to continue it with --resume.", valueName: "run.npz")) var checkpoint: String?
    @Option(help: ArgumentHelp("Continue the run saved by --checkpoint, with its model and settings (--epochs may raise its limit).", valueName: "run.npz")) var resume: String?
    @Flag(help: "Replace --save, --save-pickle, --log, --plot and --checkpoint files that exist.") var force = false
    @Option(help: "Where to train: cpu (default: the same numbers on every machine), gpu (NVIDIA, through CUDA), or auto (the GPU when one is usable, else the CPU).")
    var device: Device = .cpu
    @Option(help: ArgumentHelp("A folder to look in first for libcuda, libnvrtc and libcublas (with --device gpu or auto).", valueName: "dir"))
    var cudaLibDir: String?

    func validate() throws {
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive.") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1.") }
        if let hidden, hidden < 1 { throw ValidationError("--hidden must be at least 1.") }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1.") }
        if model == .lenet, let activation, activation != .tanh {
            throw ValidationError("lenet's layers are tanh, as in the tutorial; --activation is for mlp.")
        }
        if cudaLibDir != nil && device == .cpu {
            throw ValidationError("--cuda-lib-dir is for --device gpu or --device auto.")
        }
        if resume == nil && model == nil { throw ValidationError("Say which model to train with --model (or continue a run with --resume).") }
        if resume != nil {
            let settingFlags: [(String, Bool)] = [
                ("--model", model != nil), ("--lr", lr != nil), ("--batch-size", batchSize != nil), ("--l1", l1 != nil),
                ("--l2", l2 != nil), ("--hidden", hidden != nil), ("--activation", activation != nil), ("--patience", patience != nil),
                ("--patience-increase", patienceIncrease != nil), ("--improvement-threshold", improvementThreshold != nil),
                ("--seed", seed != nil), ("--eval-all", evalAll),
            ]
            if let given = settingFlags.first(where: \.1) {
                throw ValidationError("\(given.0) cannot be used with --resume: the run continues with the checkpoint's model and settings (only --epochs may change).")
            }
        }
    }

    func run() throws {
        try runReportingErrors {
            let restored = try resume.map { try TrainCheckpoint(path: $0) }
            let model = try restored.map { try Self.model(of: $0) } ?? (self.model ?? .logreg)
            let settings = try restored.map { try checkpointSettings($0) } ?? settingsForModel(model)
            if let checkpoint, checkpoint != resume, !force, AtomicFile.exists(checkpoint) {
                throw MNISTToolsError.outputExists(path: checkpoint)
            }
            if let checkpoint, [save, savePickle, log, plot].contains(checkpoint) {
                throw MNISTToolsError.cannotWrite(path: checkpoint, reason: "named for --checkpoint and another output")
            }
            let outputs = try TrainOutputs(save: save, savePickle: savePickle, log: log, plot: plot, overwrite: force)
            let dataset = try DatasetLoader.load(path: data)
            guard let trainSplit = dataset.split(named: "train") else {
                throw MNISTToolsError.invalidData(path: data, field: "splits", reason: "no 'train' split")
            }
            guard let validSplit = dataset.split(named: "valid") else {
                throw MNISTToolsError.invalidData(path: data, field: "splits",
                                                  reason: "no 'valid' split to stop early on; make one with `mnist-tools split \(data) -o DIR --valid 10000`")
            }
            guard settings.batchSize <= trainSplit.images.count, settings.batchSize <= validSplit.images.count else {
                throw MNISTToolsError.invalidData(path: data, field: "--batch-size",
                                                  reason: "\(settings.batchSize) is larger than a split (train \(trainSplit.images.count), valid \(validSplit.images.count))")
            }
            let trainer = Trainer(settings: settings)
            let splits = TrainingSplits(train: trainSplit, validation: validSplit, test: dataset.split(named: "test"))
            let image = ImageGeometry(height: trainSplit.images.rows, width: trainSplit.images.columns, channels: 1)
            let seed: UInt32? = model == .logreg ? nil : try restored.map(Self.seed(of:)) ?? (self.seed ?? Self.defaultSeed(of: model))
            var run = TrainingRun(command: self, model: model, settings: settings, outputs: outputs, image: image,
                                  pixelDivisor: byteDivisor(of: trainSplit.images), classes: dataset.classCount, seed: seed)
            let trainBatches = trainer.trainBatches(examples: trainSplit.images.count)
            if model == .lenet {
                try checkLeNetFits(image: image, filters: 2, kernel: 5, poolSize: 2)
            }
            let gpu = try openGPU()
            if let restored, let resume {
                try restored.current.checkInputs(pixels: image.count, modelPath: resume, dataPath: data)
                switch model {
                case .logreg, .mlp:
                    try run.train(from: restored.progress(as: DenseClassifier.self, trainBatches: trainBatches, settings: settings, path: resume),
                                  splits: splits, gpu: gpu, earlierRows: restored.rows, earlierSeconds: restored.seconds)
                case .lenet:
                    try run.train(from: restored.progress(as: LeNet.self, trainBatches: trainBatches, settings: settings, path: resume),
                                  splits: splits, gpu: gpu, earlierRows: restored.rows, earlierSeconds: restored.seconds)
                }
                return
            }
            var rng = NumpyRandomState(seed: seed ?? 0)
            let classes = dataset.classCount, units = hidden ?? 500
            switch model {
            case .logreg:
                let initial = DenseClassifier.logisticRegression(inputs: image.count, classes: classes)
                try run.train(from: .init(starting: initial, trainBatches: trainBatches, settings: settings), splits: splits, gpu: gpu)
            case .mlp:
                let initial = DenseClassifier.tutorialMLP(inputs: image.count, hiddenUnits: units, classes: classes,
                                                          activation: activation ?? .tanh, rng: &rng)
                try run.train(from: .init(starting: initial, trainBatches: trainBatches, settings: settings), splits: splits, gpu: gpu)
            case .lenet:
                let initial = LeNet.tutorial(image: image, filters: [20, 50], kernel: 5, poolSize: 2,
                                             hiddenUnits: units, classes: classes, rng: &rng)
                try run.train(from: .init(starting: initial, trainBatches: trainBatches, settings: settings), splits: splits, gpu: gpu)
            }
        }
    }

    /// The GPU to train on, or nil for the CPU, as --device asks; prints which was picked
    /// unless it is the default CPU.
    private func openGPU() throws -> CUDABackend? {
        guard device != .cpu else { return nil }
        let search = CUDALibrarySearch.processDefault(explicitDirectory: cudaLibDir)
        let opened = Result { () throws(CUDAError) in try CUDABackend(device: CUDADevice(libraries: CUDALibraries.load(search))) }
        switch opened {
        case let .success(backend):
            print("device: \(backend.device.summary)")
            return backend
        case let .failure(error):
            guard device == .auto else { throw error }
            print("device: CPU (\(error.summary); --device gpu says where it looked)")
            return nil
        }
    }

    /// The divisor that turns stored bytes into the pixels training saw, or nil for float pixels.
    private func byteDivisor(of images: ImageBlock) -> Int? {
        if case let .bytes(_, divisor) = images.pixels { divisor } else { nil }
    }

    /// The tutorial's seed for `model` (logreg draws nothing).
    static func defaultSeed(of model: Model) -> UInt32 { model == .lenet ? 23455 : 1234 }

    /// Refuses images too small for `filters` layers of convolution and pooling.
    private func checkLeNetFits(image: ImageGeometry, filters: Int, kernel: Int, poolSize: Int) throws {
        var side = min(image.height, image.width)
        for _ in 0..<filters {
            guard side - kernel + 1 >= poolSize else {
                throw MNISTToolsError.invalidData(path: data, field: "images",
                                                  reason: "\(image.height)×\(image.width) images are too small for lenet's \(filters) layers of \(kernel)×\(kernel) filters and \(poolSize)×\(poolSize) pooling")
            }
            side = (side - kernel + 1) / poolSize
        }
    }

    func settingsForModel(_ model: Model) -> Trainer.Settings {
        let (rate, batch, maxEpochs, penalty, wait): (Float, Int, Int, Float, Int) = switch model {
        case .logreg: (0.13, 600, 1000, 0, 5000)
        case .mlp: (0.01, 20, 1000, 0.0001, 10000)
        case .lenet: (0.1, 500, 200, 0, 10000)
        }
        return Trainer.Settings(learningRate: lr ?? rate, batchSize: batchSize ?? batch, epochs: epochs ?? maxEpochs,
                                l1: l1 ?? 0, l2: l2 ?? penalty, patience: patience ?? wait, patienceIncrease: patienceIncrease ?? 2,
                                improvementThreshold: improvementThreshold ?? 0.995, evaluateAll: evalAll)
    }

    /// The model a checkpoint continues.
    private static func model(of checkpoint: TrainCheckpoint) throws -> Model {
        guard let name = checkpoint.description["model"]?.string, let model = Model(rawValue: name) else {
            throw MNISTToolsError.invalidData(path: checkpoint.path, field: "member 'model.json' 'model'", reason: "expected logreg, mlp or lenet")
        }
        return model
    }

    /// The seed recorded in a checkpoint's model.json.
    private static func seed(of checkpoint: TrainCheckpoint) throws -> UInt32? {
        guard let seed = checkpoint.description["seed"]?.count else { return nil }
        return UInt32(truncatingIfNeeded: seed)
    }

    /// The settings recorded in a checkpoint's model.json, with --epochs' limit if given.
    private func checkpointSettings(_ checkpoint: TrainCheckpoint) throws -> Trainer.Settings {
        let json = checkpoint.description
        func number(_ key: String) throws -> Double {
            guard case let .number(value)? = json[key], value.isFinite else {
                throw MNISTToolsError.invalidData(path: resume ?? "checkpoint", field: "member 'model.json' '\(key)'", reason: "expected a number")
            }
            return value
        }
        guard case let .bool(evaluateAll)? = json["eval_all"] else {
            throw MNISTToolsError.invalidData(path: resume ?? "checkpoint", field: "member 'model.json' 'eval_all'", reason: "expected true or false")
        }
        let maxEpochs = try epochs ?? Int(number("max_epochs"))
        return Trainer.Settings(
            learningRate: Float(try number("learning_rate")), batchSize: Int(try number("batch_size")),
            epochs: maxEpochs, l1: Float(try number("l1")), l2: Float(try number("l2")),
            patience: Int(try number("patience")), patienceIncrease: try number("patience_increase"),
            improvementThreshold: try number("improvement_threshold"), evaluateAll: evaluateAll)
    }
}

extension ActivationKind: ExpressibleByArgument {}

/// A float32 setting as the shortest decimal that reads back to it ("0.13", not the
/// double nearest the float, 0.12999999523162842), as it was given on the command line.
func decimal(_ value: Float) -> JSONValue {
    .number(Double(value.description) ?? Double(value))
}

/// An error rate as a percentage with six decimals, as the tutorials print it (`%f`).
func percent(_ rate: Double) -> String { fixedDecimal(rate * 100, decimals: 6) }

import ArgumentParser
import MNISTTools
import Train

#if canImport(Glibc)
import Glibc
#endif

/// The splits a run trains on: train, validation and, when the dataset has one, test.
struct TrainingSplits {
    let train: DatasetSplit
    let validation: DatasetSplit
    let test: DatasetSplit?
}

/// One `train` run: trains a model with the tutorials' loop, prints what the tutorials
/// print, and writes the outputs asked for (`TrainOutputs`) and checkpoints.
struct TrainingRun {
    let command: TrainCommand
    /// The model trained (from --model, or the checkpoint of --resume).
    let model: TrainCommand.Model
    let settings: Trainer.Settings
    var outputs: TrainOutputs
    let image: ImageGeometry
    /// What stored bytes were divided by to give the training pixels; nil for float pixels.
    let pixelDivisor: Int?
    let classes: Int
    /// The seed of the initial weights, recorded in model.json (nil for logreg).
    let seed: UInt32?

    /// Trains from `progress` (a new model, or a resumed run whose validations so far are
    /// `earlierRows`, after `earlierSeconds` of training) on `gpu`, or on the CPU when nil.
    mutating func train<Model: DeviceTrainable>(
        from progress: Trainer.Progress<Model>, splits: TrainingSplits, gpu: CUDABackend?,
        earlierRows: [TrainOutputs.LogRow] = [], earlierSeconds: Double = 0
    ) throws {
        let trainer = Trainer(settings: settings)
        if let gpu {
            var engine = try CUDATrainingEngine(model: progress.model, train: splits.train, validation: splits.validation,
                                                test: splits.test, backend: gpu, batchSize: settings.batchSize,
                                                evaluationBlockRows: trainer.evaluationBlockRows)
            try train(from: progress, on: &engine, earlierRows: earlierRows, earlierSeconds: earlierSeconds)
        } else {
            var engine = HostTrainingEngine(
                model: progress.model, train: LabelledMatrix(splits.train, rowsPerBlock: settings.batchSize),
                validation: LabelledMatrix(splits.validation, rowsPerBlock: trainer.evaluationBlockRows),
                test: splits.test.map { LabelledMatrix($0, rowsPerBlock: trainer.evaluationBlockRows) }, backend: CPUBackend())
            try train(from: progress, on: &engine, earlierRows: earlierRows, earlierSeconds: earlierSeconds)
        }
    }

    /// Trains `engine` from `progress`.
    private mutating func train<Engine: TrainingEngine>(
        from progress: Trainer.Progress<Engine.Model>, on engine: inout Engine,
        earlierRows: [TrainOutputs.LogRow], earlierSeconds: Double
    ) throws {
        let trainer = Trainer(settings: settings)
        let trainBatches = trainer.trainBatches(examples: engine.trainCount)
        print("training \(model.rawValue) on \(engine.trainCount) examples (\(image.height)×\(image.width), \(classes) classes); "
              + "validation on \(trainer.evaluatedCount(examples: engine.validationCount)) of \(engine.validationCount) examples"
              + (engine.testCount.map { ", test on \(trainer.evaluatedCount(examples: $0)) of \($0)" } ?? ""))
        if let resume = command.resume {
            let epoch = progress.iterations / trainBatches + 1, minibatch = progress.iterations % trainBatches
            print("resuming from \(resume) at epoch \(epoch), minibatch \(minibatch)/\(trainBatches)"
                  + (progress.stopping.bestValidationError.isFinite ? ", best validation error \(percent(progress.stopping.bestValidationError)) %" : ""))
        }
        InterruptCleanup.deferInterrupts()
        let clock = ContinuousClock()
        let start = clock.now
        func secondsSinceStart() -> Double {
            let elapsed = (clock.now - start).components
            return earlierSeconds + Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        }
        var outputs = self.outputs
        outputs.restore(rows: earlierRows)
        var checkpointError: Error?
        let progressLine = ProgressLine()
        var lastShown = clock.now
        let epochsBefore = progress.epochsBegun(trainBatches: trainBatches)
        let final = try trainer.run(
            from: progress, on: &engine,
            shouldStop: { InterruptCleanup.interruptRequested || checkpointError != nil },
            report: { event in
                switch event {
                case let .trained(epoch, minibatch, of):
                    // A bar on a terminal's standard error, redrawn at most five times a second.
                    guard clock.now - lastShown > .milliseconds(200) else { return }
                    lastShown = clock.now
                    let filled = minibatch * 30 / max(of, 1)
                    progressLine.show("epoch \(epoch) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: 30 - filled))] minibatch \(minibatch)/\(of)")
                case let .validated(epoch, minibatch, of, iteration, error):
                    progressLine.clear()
                    outputs.validated(epoch: epoch, minibatch: minibatch, of: of, iteration: iteration, error: error, seconds: secondsSinceStart())
                    say("epoch \(epoch), minibatch \(minibatch)/\(of), validation error \(percent(error)) %")
                case let .tested(epoch, minibatch, of, _, error):
                    outputs.tested(error: error)
                    say("     epoch \(epoch), minibatch \(minibatch)/\(of), test error of best model \(percent(error)) %")
                }
            },
            checkpoint: { progress in
                guard let path = command.checkpoint, checkpointError == nil else { return }
                do {
                    try TrainCheckpoint.write(progress, to: path, description: description(of: progress, trainBatches: trainBatches),
                                              rows: outputs.rows, seconds: secondsSinceStart())
                } catch {
                    checkpointError = error
                }
            })
        progressLine.clear()
        self.outputs = outputs
        if let checkpointError { throw checkpointError }
        let seconds = secondsSinceStart() - earlierSeconds
        let epochsRun = final.epochsBegun(trainBatches: trainBatches)
        let testText = final.testErrorAtBest.map { "\(percent($0)) %" } ?? "not measured (no test split)"
        print("Optimization complete with best validation score of \(percent(final.stopping.bestValidationError)) %, with test performance \(testText)")
        print("The code ran for \(epochsRun) epochs, with \(fixedDecimal(Double(epochsRun - epochsBefore) / max(seconds, 1e-9), decimals: 6)) epochs/sec")
        let finalDescription = description(of: final, trainBatches: trainBatches)
        if let path = command.checkpoint {
            try TrainCheckpoint.write(final, to: path, description: finalDescription, rows: outputs.rows, seconds: secondsSinceStart())
        }
        try outputs.commit(parameters: final.best.savedParameters, description: finalDescription,
                           title: "\(model.rawValue) on \(command.data): error rates")
        if InterruptCleanup.interruptRequested {
            throw ExitCode(130)
        }
    }

    /// Prints `line` at once, also into a pipe or a file, so a long run can be followed.
    private func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// `model.json`: what was trained, how, and how well (error rates as fractions).
    private func description<Model: Classifier>(
        of progress: Trainer.Progress<Model>, trainBatches: Int
    ) -> [(String, JSONValue)] {
        let best = progress.stopping.bestValidationError
        return [("model", .string(model.rawValue))]
            + architecture(of: progress.best)
            + [
                ("output", .string("softmax")),
                ("parameters", .array(progress.best.savedParameters.map { .string($0.name) })),
                ("pixel_divisor", pixelDivisor.map { .number(Double($0)) } ?? .null),
                ("learning_rate", decimal(settings.learningRate)),
                ("batch_size", .number(Double(settings.batchSize))),
                ("max_epochs", .number(Double(settings.epochs))),
                ("l1", decimal(settings.l1)),
                ("l2", decimal(settings.l2)),
                ("patience", .number(Double(settings.patience))),
                ("patience_increase", .number(settings.patienceIncrease)),
                ("improvement_threshold", .number(settings.improvementThreshold)),
                ("eval_all", .bool(settings.evaluateAll)),
                ("seed", seed.map { .number(Double($0)) } ?? .null),
                ("best_validation_error", best.isFinite ? .number(best) : .null),
                ("test_error_at_best", progress.testErrorAtBest.map(JSONValue.number) ?? .null),
                ("best_iteration", progress.stopping.bestIteration.map { .number(Double($0 + 1)) } ?? .null),
                ("epochs_run", .number(Double(progress.epochsBegun(trainBatches: trainBatches)))),
                ("interrupted", .bool(InterruptCleanup.interruptRequested)),
            ]
    }

    /// The fields `SavedModel.load` rebuilds the model from.
    private func architecture(of model: some Classifier) -> [(String, JSONValue)] {
        func numbers(_ values: [Int]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
        switch model {
        case let dense as DenseClassifier:
            let sizes = [dense.inputs] + dense.hidden.map(\.layer.outputs) + [dense.output.outputs]
            return [("layer_sizes", numbers(sizes)),
                    ("activation", dense.hidden.first.map { .string($0.activation.kind.rawValue) } ?? .null)]
        case let lenet as LeNet:
            let first = lenet.convolutions[0]
            return [("image_shape", numbers([first.inputGeometry.height, first.inputGeometry.width, first.inputGeometry.channels])),
                    ("filters", numbers(lenet.convolutions.map(\.filters))),
                    ("kernel_size", .number(Double(first.kernel))),
                    ("pool_size", .number(Double(first.poolSize))),
                    ("hidden_units", .number(Double(lenet.hidden.outputs))),
                    ("classes", .number(Double(lenet.classes))),
                    ("activation", .string("tanh"))]
        default:
            preconditionFailure("model.json: no description for \(type(of: model))")
        }
    }
}

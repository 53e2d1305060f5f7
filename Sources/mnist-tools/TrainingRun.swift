import ArgumentParser
import MNISTTools
import Train

/// One `train` run: trains a model with the tutorials' loop, prints what the tutorials
/// print, and writes the outputs asked for (`TrainOutputs`).
struct TrainingRun {
    let command: TrainCommand
    let settings: Trainer.Settings
    var outputs: TrainOutputs
    let image: ImageGeometry
    /// What stored bytes were divided by to give the training pixels; nil for float pixels.
    let pixelDivisor: Int?
    let classes: Int

    mutating func train<Model: Classifier>(
        _ initial: Model, train: LabelledMatrix, valid: LabelledMatrix, test: LabelledMatrix?
    ) throws {
        let trainer = Trainer(settings: settings)
        print("training \(command.model.rawValue) on \(train.count) examples (\(image.height)×\(image.width), \(classes) classes); "
              + "validation on \(trainer.evaluatedCount(of: valid)) of \(valid.count) examples"
              + (test.map { ", test on \(trainer.evaluatedCount(of: $0)) of \($0.count)" } ?? ""))
        InterruptCleanup.deferInterrupts()
        let clock = ContinuousClock()
        let start = clock.now
        func secondsSinceStart() -> Double {
            let elapsed = (clock.now - start).components
            return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        }
        var outputs = self.outputs
        let outcome = trainer.run(model: initial, train: train, valid: valid, test: test, using: CPUBackend(),
                                  shouldStop: { InterruptCleanup.interruptRequested }) { event in
            switch event {
            case let .validated(epoch, minibatch, of, iteration, error):
                outputs.validated(epoch: epoch, minibatch: minibatch, of: of, iteration: iteration, error: error, seconds: secondsSinceStart())
                print("epoch \(epoch), minibatch \(minibatch)/\(of), validation error \(percent(error)) %")
            case let .tested(epoch, minibatch, of, _, error):
                outputs.tested(error: error)
                print("     epoch \(epoch), minibatch \(minibatch)/\(of), test error of best model \(percent(error)) %")
            }
        }
        self.outputs = outputs
        let seconds = secondsSinceStart()
        let testText = outcome.testErrorAtBest.map { "\(percent($0)) %" } ?? "not measured (no test split)"
        print("Optimization complete with best validation score of \(percent(outcome.bestValidationError)) %, with test performance \(testText)")
        print("The code ran for \(outcome.epochsRun) epochs, with \(fixedDecimal(Double(outcome.epochsRun) / max(seconds, 1e-9), decimals: 6)) epochs/sec")
        let parameters = outcome.bestModel.savedParameters
        try outputs.commit(parameters: parameters, description: description(of: outcome, parameters: parameters),
                           title: "\(command.model.rawValue) on \(command.data): error rates")
        if InterruptCleanup.interruptRequested {
            throw ExitCode(130)
        }
    }

    /// `model.json`: what was trained, how, and how well (error rates as fractions).
    private func description<Model: Classifier>(
        of outcome: Trainer.Outcome<Model>, parameters: [SavedParameter]
    ) -> [(String, JSONValue)] {
        let model = command.model
        let usesSeed = model != .logreg
        return [("model", .string(model.rawValue))]
            + architecture(of: outcome.bestModel)
            + [
                ("output", .string("softmax")),
                ("parameters", .array(parameters.map { .string($0.name) })),
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
                ("seed", usesSeed ? .number(Double(command.seed ?? command.defaultSeed)) : .null),
                ("best_validation_error", .number(outcome.bestValidationError)),
                ("test_error_at_best", outcome.testErrorAtBest.map(JSONValue.number) ?? .null),
                ("best_iteration", outcome.bestIteration.map { .number(Double($0 + 1)) } ?? .null),
                ("epochs_run", .number(Double(outcome.epochsRun))),
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

/// The Theano tutorials' early stopping, as a state machine the trainer drives.
///
/// Validate every `min(trainBatches, patience / 2)` minibatches. A new best validation
/// error that beats the old best by the improvement threshold (error < best × 0.995)
/// raises patience to `max(patience, iteration × patienceIncrease)`. Training stops once
/// `patience <= iteration` (checked after every minibatch), or at the epoch limit.
/// Iterations count minibatches from 0, across epochs, as the tutorials' `iter` does.
public struct EarlyStopping: Sendable {
    public let validationFrequency: Int
    public let patienceIncrease: Double
    public let improvementThreshold: Double
    public private(set) var patience: Int
    public private(set) var bestValidationError = Double.infinity
    /// The iteration of the best validation error so far.
    public private(set) var bestIteration: Int?

    public init(trainBatches: Int, patience: Int, patienceIncrease: Double, improvementThreshold: Double) {
        validationFrequency = max(1, min(trainBatches, patience / 2))
        self.patience = patience
        self.patienceIncrease = patienceIncrease
        self.improvementThreshold = improvementThreshold
    }

    /// The state of a run that was saved: set up with the run's initial `patience` (which
    /// fixes the validation frequency), then `grownPatience`, the best validation error and
    /// its iteration (nil when no validation happened yet) as they were.
    public init(trainBatches: Int, patience: Int, patienceIncrease: Double, improvementThreshold: Double,
                grownPatience: Int, bestValidationError: Double, bestIteration: Int?) {
        self.init(trainBatches: trainBatches, patience: patience, patienceIncrease: patienceIncrease,
                  improvementThreshold: improvementThreshold)
        self.patience = grownPatience
        self.bestValidationError = bestValidationError
        self.bestIteration = bestIteration
    }

    /// Whether to validate after minibatch `iteration` (`(iter + 1) % frequency == 0`).
    public func validatesAfter(iteration: Int) -> Bool {
        (iteration + 1) % validationFrequency == 0
    }

    /// Records a validation error measured after `iteration`; returns whether it is a new
    /// best (the caller then measures test error and keeps the parameters).
    public mutating func record(validationError error: Double, iteration: Int) -> Bool {
        guard error < bestValidationError else { return false }
        if error < bestValidationError * improvementThreshold {
            patience = max(patience, Int(Double(iteration) * patienceIncrease))
        }
        bestValidationError = error
        bestIteration = iteration
        return true
    }

    /// Whether patience has run out after minibatch `iteration`.
    public func stopsAfter(iteration: Int) -> Bool {
        patience <= iteration
    }
}

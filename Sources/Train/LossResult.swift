/// The result of `Backend.softmaxCrossEntropy` on one minibatch.
public struct LossResult: Equatable, Sendable {
    /// Mean negative log-likelihood over the batch.
    public var loss: Float
    /// Number of examples whose most probable class is not their label.
    public var errors: Int

    public init(loss: Float, errors: Int) {
        self.loss = loss
        self.errors = errors
    }
}

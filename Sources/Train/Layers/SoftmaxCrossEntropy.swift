/// The tutorials' output: softmax over the logits and the mean negative
/// log-likelihood of the labels (`LogisticRegression.p_y_given_x`,
/// `negative_log_likelihood` and `errors`).
///
/// Shapes (B = batch, K = classes):
///
///     forward:   z: B×K, y: B labels     p = softmax(z) per row
///                                        loss = −(1/B) Σ_i log p[i, y_i]
///                                        errors = #{ i : argmax p[i] ≠ y_i }
///     backward:                          dz = (p − onehot(y)) / B      B×K
///
/// The gradient is computed with the loss (`Backend.softmaxCrossEntropy`) and kept
/// for `backward`.
public struct SoftmaxCrossEntropy: Sendable {
    /// dz from the last `forward`.
    private var logitsGradient: Matrix?

    public init() {}

    /// Loss and error count for `logits` and `labels`; keeps dz for `backward`.
    public mutating func forward(logits: Matrix, labels: [Int], using backend: some Backend) -> LossResult {
        var gradient = Matrix(rows: logits.rows, columns: logits.columns, uninitialized: ())
        let result = backend.softmaxCrossEntropy(logits: logits, labels: labels, gradient: &gradient)
        logitsGradient = gradient
        return result
    }

    /// dz = ∂loss/∂z = (p − onehot(y)) / B.
    public func backward() -> Matrix {
        guard let logitsGradient else { preconditionFailure("SoftmaxCrossEntropy.backward called before forward") }
        return logitsGradient
    }
}

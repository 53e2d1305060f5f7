/// A fully connected layer, `y = x·W + b`: the tutorials' `HiddenLayer` before its
/// activation, and `LogisticRegression` before its softmax.
///
/// Shapes (B = batch, I = inputs, O = outputs):
///
///     forward:   x: B×I, W: I×O, b: 1×O     y  = x·W + b                  B×O
///     backward:  dy = ∂L/∂y: B×O            dW += xᵀ·dy                   I×O
///                                           db += Σ_rows dy               1×O
///                                           dx  = dy·Wᵀ                   B×I
///
/// `forward` keeps x for `backward`; `backward` accumulates into the gradients,
/// which `zeroGradients()` clears before each minibatch.
public struct DenseLayer: Sendable {
    /// W, inputs × outputs, in the tutorials' (n_in, n_out) C order.
    public var weight: Matrix
    /// b, 1 × outputs.
    public var bias: Matrix
    /// ∂L/∂W accumulated by `backward` since the last `zeroGradients()`.
    public internal(set) var weightGradient: Matrix
    /// ∂L/∂b accumulated by `backward` since the last `zeroGradients()`.
    public internal(set) var biasGradient: Matrix
    /// x from the last `forward`, which `backward` needs for dW.
    private var input: Matrix?

    /// A layer with the given parameters and zero gradients; `bias` is 1 × `weight.columns`.
    public init(weight: Matrix, bias: Matrix) {
        precondition(bias.rows == 1 && bias.columns == weight.columns,
                     "DenseLayer: bias is \(bias.rows)×\(bias.columns), weight \(weight.rows)×\(weight.columns)")
        self.weight = weight
        self.bias = bias
        self.weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        self.biasGradient = Matrix(rows: 1, columns: bias.columns)
    }

    /// Number of inputs, I.
    public var inputs: Int { weight.rows }
    /// Number of outputs, O.
    public var outputs: Int { weight.columns }

    /// y = x·W + b for x: B×I, or f(x·W + b) with an `activation` f applied in the same pass
    /// (`Backend.denseForward`); returns B×O and keeps x for `backward`. `backward` takes the
    /// gradient with respect to x·W + b: the activation's own backward pass comes first.
    public mutating func forward(input: Matrix, activation: ActivationKind? = nil, using backend: some Backend) -> Matrix {
        precondition(input.columns == inputs, "DenseLayer.forward: input has \(input.columns) columns, layer \(inputs) inputs")
        var output = Matrix(rows: input.rows, columns: outputs, uninitialized: ())
        backend.denseForward(input, weight: weight, bias: bias, activation: activation, into: &output)
        self.input = input
        return output
    }

    /// Accumulates dW += xᵀ·dy and db += Σ_rows dy, and returns dx = dy·Wᵀ (B×I).
    public mutating func backward(outputGradient: Matrix, using backend: some Backend) -> Matrix {
        accumulateParameterGradients(outputGradient: outputGradient, using: backend)
        var inputGradient = Matrix(rows: outputGradient.rows, columns: inputs, uninitialized: ())
        backend.matmul(outputGradient, transposeA: false, weight, transposeB: true,
                       alpha: 1, beta: 0, into: &inputGradient)
        return inputGradient
    }

    /// `backward` without dx, for a first layer whose input is data: dW += xᵀ·dy, db += Σ_rows dy.
    public mutating func accumulateParameterGradients(outputGradient: Matrix, using backend: some Backend) {
        guard let input else { preconditionFailure("DenseLayer.backward called before forward") }
        precondition(outputGradient.rows == input.rows && outputGradient.columns == outputs,
                     "DenseLayer.backward: gradient is \(outputGradient.rows)×\(outputGradient.columns), "
                         + "expected \(input.rows)×\(outputs)")
        backend.matmul(input, transposeA: true, outputGradient, transposeB: false,
                       alpha: 1, beta: 1, into: &weightGradient)
        backend.accumulateColumnSums(of: outputGradient, into: &biasGradient)
    }

    /// Sets dW and db to zero.
    public mutating func zeroGradients() {
        weightGradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        biasGradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// One SGD step: W ← W − lr·(dW + L1·sign(W) + 2·L2·W), b ← b − lr·db.
    /// The tutorials penalise weights only, never biases.
    public mutating func update(learningRate: Float, l1: Float, l2: Float, using backend: some Backend) {
        backend.sgdUpdate(&weight, gradient: weightGradient, learningRate: learningRate, l1: l1, l2: l2)
        backend.sgdUpdate(&bias, gradient: biasGradient, learningRate: learningRate, l1: 0, l2: 0)
    }

    /// Backward and SGD step in one, for training: returns dx = dy·Wᵀ with the W of before
    /// the step (or nil when `needsInputGradient` is false, for a first layer), then sets
    ///
    ///     W ← W − lr·(xᵀ·dy + L1·sign(W) + 2·L2·W),   b ← b − lr·Σ_rows dy
    ///
    /// the same step as `zeroGradients`, `backward`, `update`. Without an L1 penalty the
    /// weight step is one GEMM straight into W, `W ← (1 − 2·lr·L2)·W − lr·xᵀ·dy`, which
    /// reads and writes W once and needs no dW; dW is then left as it was.
    public mutating func backwardAndStep(
        outputGradient: Matrix, learningRate: Float, l1: Float, l2: Float, needsInputGradient: Bool,
        using backend: some Backend
    ) -> Matrix? {
        guard l1 == 0, let input else {
            // L1's sign(W) needs dW on its own: the three steps one after the other.
            zeroGradients()
            var inputGradient: Matrix?
            if needsInputGradient {
                inputGradient = backward(outputGradient: outputGradient, using: backend)
            } else {
                accumulateParameterGradients(outputGradient: outputGradient, using: backend)
            }
            update(learningRate: learningRate, l1: l1, l2: l2, using: backend)
            return inputGradient
        }
        precondition(outputGradient.rows == input.rows && outputGradient.columns == outputs,
                     "DenseLayer.backwardAndStep: gradient is \(outputGradient.rows)×\(outputGradient.columns), "
                         + "expected \(input.rows)×\(outputs)")
        var inputGradient: Matrix?
        if needsInputGradient {
            var dx = Matrix(rows: outputGradient.rows, columns: inputs, uninitialized: ())
            backend.matmul(outputGradient, transposeA: false, weight, transposeB: true, alpha: 1, beta: 0, into: &dx)
            inputGradient = dx
        }
        backend.matmul(input, transposeA: true, outputGradient, transposeB: false,
                       alpha: -learningRate, beta: 1 - 2 * learningRate * l2, into: &weight)
        biasGradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        backend.accumulateColumnSums(of: outputGradient, into: &biasGradient)
        backend.sgdUpdate(&bias, gradient: biasGradient, learningRate: learningRate, l1: 0, l2: 0)
        return inputGradient
    }
}

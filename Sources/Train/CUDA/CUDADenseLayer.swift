/// `DenseLayer` on the GPU, `y = x·W + b`, with its work buffers.
///
/// Shapes (B = batch ≤ maxRows, I = inputs, O = outputs):
///
///     forward:   x: B×I, W: I×O, b: 1×O     y  = f(x·W + b)       B×O  (bias and f in one kernel)
///     backward:  dy: B×O                    dx = dy·Wᵀ            B×I  (with W of before the step)
///                                           W ← (1 − 2·lr·L2)·W − lr·xᵀ·dy  (or through dW with L1)
///                                           b ← b − lr·1ᵀ·dy
///
/// For the output layer, `forwardWithoutBias` leaves b to the softmax kernel.
final class CUDADenseLayer {
    let backend: CUDABackend
    /// W, inputs × outputs, as `DenseLayer.weight`.
    let weight: DeviceMatrix
    /// b, 1 × outputs.
    let bias: DeviceMatrix
    /// y of the last forward, in rows of a maxRows × O buffer.
    private let outputs: DeviceMatrix
    /// dx of the last backward, in rows of a maxRows × I buffer (nil for a first layer).
    private let inputGradients: DeviceMatrix?
    /// x of the last forward.
    private var input: DeviceMatrix?
    /// y of the last forward.
    private(set) var output: DeviceMatrix?

    init(_ layer: DenseLayer, backend: CUDABackend, maxRows: Int, needsInputGradient: Bool) throws(CUDAError) {
        self.backend = backend
        weight = try backend.upload(layer.weight)
        bias = try backend.upload(layer.bias)
        outputs = try backend.matrix(rows: maxRows, columns: layer.outputs)
        inputGradients = needsInputGradient ? try backend.matrix(rows: maxRows, columns: layer.inputs) : nil
    }

    /// y = f(x·W + b), f the identity for a nil `activation`; keeps x and y for `backward`.
    func forward(input: DeviceMatrix, activation: ActivationKind?) throws(CUDAError) -> DeviceMatrix {
        let y = try forwardWithoutBias(input: input)
        try backend.biasActivation(input: y, bias: bias, kind: activation, into: y)
        return y
    }

    /// x·W alone, for the output layer whose bias the softmax kernel adds; keeps x.
    func forwardWithoutBias(input: DeviceMatrix) throws(CUDAError) -> DeviceMatrix {
        let y = outputs.rows(0..<input.rows)
        try backend.matmul(input, transposeA: false, weight, transposeB: false, alpha: 1, beta: 0, into: y)
        self.input = input
        output = y
        return y
    }

    /// dx = dy·Wᵀ (when `needsInputGradient`), then the SGD step of W and b, as
    /// `DenseLayer.backwardAndStep`.
    func backwardAndStep(
        outputGradient: DeviceMatrix, learningRate: Float, l1: Float, l2: Float, needsInputGradient: Bool
    ) throws(CUDAError) -> DeviceMatrix? {
        guard let input else { preconditionFailure("CUDADenseLayer.backwardAndStep called before forward") }
        var inputGradient: DeviceMatrix?
        if needsInputGradient {
            guard let inputGradients else { preconditionFailure("CUDADenseLayer: built without an input gradient buffer") }
            let dx = inputGradients.rows(0..<outputGradient.rows)
            try backend.matmul(outputGradient, transposeA: false, weight, transposeB: true, alpha: 1, beta: 0, into: dx)
            inputGradient = dx
        }
        try backend.stepWeight(weight, input: input, outputGradient: outputGradient, learningRate: learningRate, l1: l1, l2: l2)
        try backend.stepBias(bias, outputGradient: outputGradient, learningRate: learningRate)
        return inputGradient
    }

    /// The parameters, as a host layer.
    func download() throws(CUDAError) -> DenseLayer {
        DenseLayer(weight: try weight.download(), bias: try bias.download())
    }
}

/// `ConvPoolLayer` on the GPU, with its work buffers. Shapes as in `ConvPoolLayer`
/// (B ≤ maxRows, input H×W×C, O filters K×K, pool P, conv maps OH×OW×O, pooled PH×PW×O):
///
///     forward:   a = conv(x, W)                     im2col + one product     B×(OH·OW·O)
///                m = maxpool(a), y = tanh(m + b)    one kernel               B×(PH·PW·O)
///     backward:  dz = dy ⊙ (1 − y²)                 in place over dy
///                b ← b − lr·1ᵀ·dz                   one product (dz as (B·PH·PW)×O)
///                da = dz routed to each window's maxima (Theano's tie rule)
///                dx = col2im(da·Wᵀ)                 with W of before the step
///                W ← W − lr·(patchesᵀ·da + L1·sign(W) + 2·L2·W)
final class CUDAConvPoolLayer {
    let backend: CUDABackend
    let inputGeometry: ImageGeometry
    let kernel: Int
    let poolSize: Int
    /// W, (K·K·C) × O, as `ConvPoolLayer.weight`.
    let weight: DeviceMatrix
    /// b, 1 × O.
    let bias: DeviceMatrix
    private let convolvedGeometry: ImageGeometry
    private let outputGeometry: ImageGeometry
    /// a, m and y of the last forward, and da, in rows of maxRows-row buffers.
    private let convolved: DeviceMatrix
    private let pooled: DeviceMatrix
    private let outputs: DeviceMatrix
    private let convolvedGradients: DeviceMatrix
    /// dx of the last backward (nil for a first layer).
    private let inputGradients: DeviceMatrix?
    /// x of the last forward.
    private var input: DeviceMatrix?

    init(_ layer: ConvPoolLayer, backend: CUDABackend, maxRows: Int, needsInputGradient: Bool) throws(CUDAError) {
        self.backend = backend
        inputGeometry = layer.inputGeometry
        kernel = layer.kernel
        poolSize = layer.poolSize
        weight = try backend.upload(layer.weight)
        bias = try backend.upload(layer.bias)
        convolvedGeometry = layer.convolvedGeometry
        outputGeometry = layer.outputGeometry
        convolved = try backend.matrix(rows: maxRows, columns: convolvedGeometry.count)
        pooled = try backend.matrix(rows: maxRows, columns: outputGeometry.count)
        outputs = try backend.matrix(rows: maxRows, columns: outputGeometry.count)
        convolvedGradients = try backend.matrix(rows: maxRows, columns: convolvedGeometry.count)
        inputGradients = needsInputGradient ? try backend.matrix(rows: maxRows, columns: inputGeometry.count) : nil
    }

    /// y = tanh(maxpool(conv(x, W)) + b); keeps what `backwardAndStep` needs.
    func forward(input: DeviceMatrix) throws(CUDAError) -> DeviceMatrix {
        let rows = 0..<input.rows
        try backend.convolutionForward(input: input, geometry: inputGeometry, kernel: kernel, weight: weight, into: convolved.rows(rows))
        try backend.maxPool(input: convolved.rows(rows), geometry: convolvedGeometry, size: poolSize, into: pooled.rows(rows),
                            bias: bias, kind: .tanh, activated: outputs.rows(rows))
        self.input = input
        return outputs.rows(rows)
    }

    /// The gradients and SGD step of W and b for dy (overwritten with dz); returns dx when
    /// `needsInputGradient`.
    func backwardAndStep(
        outputGradient: DeviceMatrix, learningRate: Float, l1: Float, l2: Float, needsInputGradient: Bool
    ) throws(CUDAError) -> DeviceMatrix? {
        guard let input else { preconditionFailure("CUDAConvPoolLayer.backwardAndStep called before forward") }
        let rows = 0..<input.rows
        let y = outputs.rows(rows)
        try backend.activationBackward(.tanh, output: y, outputGradient: outputGradient, into: outputGradient)
        try backend.stepBias(bias, outputGradient: outputGradient.reshaped(rows: input.rows * outputGeometry.pixels, columns: outputGeometry.channels),
                             learningRate: learningRate)
        let convolvedGradient = convolvedGradients.rows(rows)
        try backend.maxPoolBackward(input: convolved.rows(rows), output: pooled.rows(rows), outputGradient: outputGradient,
                                    geometry: convolvedGeometry, size: poolSize, into: convolvedGradient)
        var inputGradient: DeviceMatrix?
        if needsInputGradient {
            guard let inputGradients else { preconditionFailure("CUDAConvPoolLayer: built without an input gradient buffer") }
            inputGradient = inputGradients.rows(rows)
        }
        try backend.convolutionBackwardAndStep(input: input, geometry: inputGeometry, kernel: kernel, weight: weight,
                                               outputGradient: convolvedGradient, inputGradient: inputGradient,
                                               learningRate: learningRate, l1: l1, l2: l2)
        return inputGradient
    }

    /// The parameters, as a host layer.
    func download() throws(CUDAError) -> ConvPoolLayer {
        ConvPoolLayer(inputGeometry: inputGeometry, kernel: kernel, poolSize: poolSize,
                      weight: try weight.download(), bias: try bias.download())
    }
}

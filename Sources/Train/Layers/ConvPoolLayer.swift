/// The LeNet tutorial's `LeNetConvPoolLayer`: a 'valid' convolution, non-overlapping max-
/// pooling, a bias per filter and tanh, on NHWC maps (`ImageGeometry`).
///
/// Shapes (B = batch, input H×W×C, O filters of K×K, pool P, conv maps OH×OW×O, pooled
/// maps PH×PW×O with PH = OH/P, PW = OW/P):
///
///     forward:   x: B×(H·W·C)       a = conv(x, W)                      B×(OH·OW·O)
///                                   m = maxpool(a)                      B×(PH·PW·O)
///                                   y = tanh(m + b)                     B×(PH·PW·O)
///     backward:  dy: B×(PH·PW·O)    dz = dy ⊙ (1 − y²)
///                                   db += Σ over examples and pixels of dz       1×O
///                                   da  = dz routed to each window's maxima
///                                   dW += patches(x)ᵀ·da,  dx = da through the patches
///
/// Adding the bias after pooling, as the tutorial does, is the same as before it: the
/// bias is one constant per map. W is kept as (K·K·C) × O in the patch order of
/// `Backend.convolutionForward`; `init(tutorialWeight:…)` and `tutorialWeight` convert
/// from and to the tutorial's (O, C, K, K), flipping the kernel, because Theano's
/// `conv2d` convolves (it flips the filters) where our product correlates.
public struct ConvPoolLayer: Sendable {
    /// The maps this layer takes.
    public let inputGeometry: ImageGeometry
    /// The side of the square filters, K.
    public let kernel: Int
    /// The side of the square pooling windows, P.
    public let poolSize: Int
    /// W, (K·K·C) × O, row (i·K + j)·C + c for kernel offset (i, j) and input channel c.
    public var weight: Matrix
    /// b, 1 × O.
    public var bias: Matrix
    /// ∂L/∂W accumulated by `backward` since the last `zeroGradients()`.
    public internal(set) var weightGradient: Matrix
    /// ∂L/∂b accumulated by `backward` since the last `zeroGradients()`.
    public internal(set) var biasGradient: Matrix
    /// What the last `forward` kept for `backward`: x, a and m.
    private var input: Matrix?
    private var convolved: Matrix?
    private var pooled: Matrix?
    private var activation = Activation(.tanh)

    /// A layer with the given parameters (in the internal layout) and zero gradients.
    public init(inputGeometry: ImageGeometry, kernel: Int, poolSize: Int, weight: Matrix, bias: Matrix) {
        precondition(weight.rows == kernel * kernel * inputGeometry.channels,
                     "ConvPoolLayer: weight has \(weight.rows) rows, expected \(kernel)·\(kernel)·\(inputGeometry.channels)")
        precondition(bias.rows == 1 && bias.columns == weight.columns,
                     "ConvPoolLayer: bias is \(bias.rows)×\(bias.columns), weight has \(weight.columns) filters")
        let convolved = inputGeometry.height - kernel + 1
        precondition(kernel >= 1 && poolSize >= 1 && convolved >= poolSize && inputGeometry.width - kernel + 1 >= poolSize,
                     "ConvPoolLayer: \(kernel)×\(kernel) filters and \(poolSize)×\(poolSize) pooling do not fit \(inputGeometry) maps")
        self.inputGeometry = inputGeometry
        self.kernel = kernel
        self.poolSize = poolSize
        self.weight = weight
        self.bias = bias
        weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        biasGradient = Matrix(rows: 1, columns: weight.columns)
    }

    /// Number of filters, O.
    public var filters: Int { weight.columns }
    /// The convolution's maps, OH×OW×O.
    public var convolvedGeometry: ImageGeometry { inputGeometry.convolved(kernel: kernel, outputs: filters) }
    /// The maps this layer gives, PH×PW×O.
    public var outputGeometry: ImageGeometry { convolvedGeometry.pooled(size: poolSize) }

    /// y = tanh(maxpool(conv(x, W)) + b) for x: B×(H·W·C); keeps what `backward` needs.
    public mutating func forward(input: Matrix, using backend: some Backend) -> Matrix {
        precondition(input.columns == inputGeometry.count,
                     "ConvPoolLayer.forward: input has \(input.columns) columns, \(inputGeometry) maps have \(inputGeometry.count)")
        let batch = input.rows
        var convolved = Matrix(rows: batch, columns: convolvedGeometry.count, uninitialized: ())
        var pooled = Matrix(rows: batch, columns: outputGeometry.count, uninitialized: ())
        backend.convolutionPoolForward(input: input, geometry: inputGeometry, kernel: kernel, weight: weight,
                                       poolSize: poolSize, convolved: &convolved, pooled: &pooled)
        // One row per pixel, one column per filter: the bias is a row vector.
        var activated = Matrix(rows: batch * outputGeometry.pixels, columns: filters, uninitialized: ())
        backend.biasActivationForward(
            activation.kind, input: Matrix(rows: batch * outputGeometry.pixels, columns: filters, values: pooled.values),
            bias: bias, into: &activated)
        let output = Matrix(rows: batch, columns: outputGeometry.count, values: activated.values)
        activation.keep(output: output)
        self.input = input
        self.convolved = convolved
        self.pooled = pooled
        return output
    }

    /// Accumulates dW and db and returns dx (B×(H·W·C)), or nil when `needsInputGradient`
    /// is false (a first layer, whose input is data).
    public mutating func backward(outputGradient: Matrix, needsInputGradient: Bool, using backend: some Backend) -> Matrix? {
        guard let input, let convolved, let pooled else { preconditionFailure("ConvPoolLayer.backward called before forward") }
        let batch = input.rows
        let preActivation = activation.backward(outputGradient: outputGradient, using: backend)
        backend.accumulateColumnSums(
            of: Matrix(rows: batch * outputGeometry.pixels, columns: filters, values: preActivation.values), into: &biasGradient)
        var inputGradient: Matrix? = needsInputGradient ? Matrix(rows: 0, columns: 0) : nil
        backend.poolConvolutionBackward(input: input, geometry: inputGeometry, kernel: kernel, weight: weight,
                                        poolSize: poolSize, convolved: convolved, pooled: pooled,
                                        pooledGradient: preActivation, weightGradient: &weightGradient,
                                        inputGradient: &inputGradient)
        return inputGradient
    }

    /// Sets dW and db to zero.
    public mutating func zeroGradients() {
        weightGradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        biasGradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// One SGD step: W ← W − lr·(dW + L1·sign(W) + 2·L2·W), b ← b − lr·db.
    public mutating func update(learningRate: Float, l1: Float, l2: Float, using backend: some Backend) {
        backend.sgdUpdate(&weight, gradient: weightGradient, learningRate: learningRate, l1: l1, l2: l2)
        backend.sgdUpdate(&bias, gradient: biasGradient, learningRate: learningRate, l1: 0, l2: 0)
    }
}

/// The LeNet tutorial's convolutional network (`evaluate_lenet5`):
///
///     x ─► ConvPool(20 filters 5×5, pool 2) ─► ConvPool(50 filters 5×5, pool 2)
///       ─► DenseLayer(800 → 500) ─► tanh ─► DenseLayer(500 → 10) ─► SoftmaxCrossEntropy
///
/// (sizes for 28×28 images and the tutorial's `nkerns=[20, 50]`). Feature maps are NHWC
/// (`ImageGeometry`), so the hidden layer's 800 inputs come pixel by pixel, each pixel's
/// 50 channels together; the tutorial flattens channel by channel. The hidden W's rows
/// are kept in our order and converted at the edges (`tutorial(…)`, `savedParameters`,
/// `init(saved:…)`), so saved parameters are the tutorial's own.
public struct LeNet: Classifier {
    /// The convolution and pooling layers, input first.
    public var convolutions: [ConvPoolLayer]
    /// The fully connected tanh layer on the flattened maps.
    public var hidden: DenseLayer
    /// The final layer, whose outputs are the softmax logits.
    public var output: DenseLayer
    private var hiddenActivation = Activation(.tanh)
    private var loss = SoftmaxCrossEntropy()

    public init(convolutions: [ConvPoolLayer], hidden: DenseLayer, output: DenseLayer) {
        precondition(!convolutions.isEmpty, "LeNet: no convolution layer")
        for (previous, next) in zip(convolutions, convolutions.dropFirst()) {
            precondition(next.inputGeometry == previous.outputGeometry,
                         "LeNet: a layer takes \(next.inputGeometry) maps, the previous gives \(previous.outputGeometry)")
        }
        precondition(hidden.inputs == convolutions[convolutions.count - 1].outputGeometry.count,
                     "LeNet: the hidden layer takes \(hidden.inputs) inputs, the maps have \(convolutions[convolutions.count - 1].outputGeometry.count) values")
        precondition(output.inputs == hidden.outputs, "LeNet: the output layer takes \(output.inputs) inputs, the hidden layer gives \(hidden.outputs)")
        self.convolutions = convolutions
        self.hidden = hidden
        self.output = output
    }

    /// The tutorial's network and initialization for `image`-shaped inputs, drawn from
    /// `rng` in the tutorial's order: each ConvPool layer's filters, then the hidden layer's
    /// W (`DenseLayer.tutorialInitialization` with tanh); the output layer is zeros.
    public static func tutorial(
        image: ImageGeometry, filters: [Int] = [20, 50], kernel: Int = 5, poolSize: Int = 2,
        hiddenUnits: Int = 500, classes: Int, rng: inout NumpyRandomState
    ) -> LeNet {
        var convolutions: [ConvPoolLayer] = []
        var geometry = image
        for count in filters {
            let layer = ConvPoolLayer.tutorialInitialization(inputGeometry: geometry, kernel: kernel, poolSize: poolSize,
                                                             filters: count, rng: &rng)
            convolutions.append(layer)
            geometry = layer.outputGeometry
        }
        let drawn = DenseLayer.tutorialInitialization(inputs: geometry.count, outputs: hiddenUnits, activation: .tanh, rng: &rng)
        let hidden = DenseLayer(weight: reorderRows(of: drawn.weight, maps: geometry, toChannelMajor: false), bias: drawn.bias)
        return LeNet(convolutions: convolutions, hidden: hidden, output: .zeros(inputs: hiddenUnits, outputs: classes))
    }

    public var inputs: Int { convolutions[0].inputGeometry.count }

    public var classes: Int { output.outputs }

    /// The maps the last ConvPool layer gives, which the hidden layer flattens.
    var flattenedMaps: ImageGeometry { convolutions[convolutions.count - 1].outputGeometry }

    /// Forward pass to the logits; keeps what the backward pass needs.
    private mutating func forwardLogits(images: Matrix, using backend: some Backend) -> Matrix {
        var x = images
        for i in convolutions.indices {
            x = convolutions[i].forward(input: x, using: backend)
        }
        // The hidden layer applies its activation itself (`DenseLayer.forward`); the
        // activation keeps the result for the backward pass.
        x = hidden.forward(input: x, activation: hiddenActivation.kind, using: backend)
        hiddenActivation.keep(output: x)
        return output.forward(input: x, using: backend)
    }

    public mutating func trainStep(
        images: Matrix, labels: [Int], learningRate: Float, l1: Float, l2: Float, using backend: some Backend
    ) -> LossResult {
        let result = loss.forward(logits: forwardLogits(images: images, using: backend), labels: labels, using: backend)
        // Each layer's input gradient is taken with its weights of before its own step.
        guard let hiddenOutputGradient = output.backwardAndStep(
            outputGradient: loss.backward(), learningRate: learningRate, l1: l1, l2: l2, needsInputGradient: true, using: backend),
            var gradient = hidden.backwardAndStep(
                outputGradient: hiddenActivation.backward(outputGradient: hiddenOutputGradient, using: backend),
                learningRate: learningRate, l1: l1, l2: l2, needsInputGradient: true, using: backend)
        else { preconditionFailure("LeNet: a dense layer returned no input gradient") }
        for i in convolutions.indices.reversed() {
            convolutions[i].zeroGradients()
            let below = convolutions[i].backward(outputGradient: gradient, needsInputGradient: i > 0, using: backend)
            convolutions[i].update(learningRate: learningRate, l1: l1, l2: l2, using: backend)
            if let below { gradient = below }
        }
        return result
    }

    public func logits(images: Matrix, using backend: some Backend) -> Matrix {
        var scratch = self
        return scratch.forwardLogits(images: images, using: backend)
    }

    /// W0, b0 (the first ConvPool layer, W as (O, C, K, K)), W1, b1, …, then the hidden
    /// layer's W (inputs in the tutorial's channel-major order, outputs) and b, then the
    /// output layer's: the arrays of the tutorial's `params`, input layer first.
    public var savedParameters: [SavedParameter] {
        var saved: [SavedParameter] = []
        for layer in convolutions {
            let index = saved.count / 2
            saved.append(SavedParameter(name: "W\(index)", shape: [layer.filters, layer.inputGeometry.channels, layer.kernel, layer.kernel],
                                        values: layer.tutorialWeight))
            saved.append(SavedParameter(name: "b\(index)", shape: [layer.filters], values: layer.bias.values))
        }
        let hiddenWeight = Self.reorderRows(of: hidden.weight, maps: flattenedMaps, toChannelMajor: true)
        for (layer, weight) in [(hidden, hiddenWeight), (output, output.weight)] {
            let index = saved.count / 2
            saved.append(SavedParameter(name: "W\(index)", shape: [layer.inputs, layer.outputs], values: weight.values))
            saved.append(SavedParameter(name: "b\(index)", shape: [layer.outputs], values: layer.bias.values))
        }
        return saved
    }

    /// A weight whose rows are the values of `maps`, reordered between the tutorial's
    /// flattening (row c·H·W + p for channel c and pixel p) and ours (row p·C + c).
    static func reorderRows(of weight: Matrix, maps: ImageGeometry, toChannelMajor: Bool) -> Matrix {
        precondition(weight.rows == maps.count, "LeNet: \(weight.rows) rows for \(maps) maps")
        var result = Matrix(rows: weight.rows, columns: weight.columns)
        for pixel in 0..<maps.pixels {
            for channel in 0..<maps.channels {
                let ours = pixel * maps.channels + channel
                let tutorials = channel * maps.pixels + pixel
                let (from, to) = toChannelMajor ? (ours, tutorials) : (tutorials, ours)
                for column in 0..<weight.columns {
                    result.values[to * weight.columns + column] = weight.values[from * weight.columns + column]
                }
            }
        }
        return result
    }
}

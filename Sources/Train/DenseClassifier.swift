/// A stack of dense layers ending in softmax: the tutorials' `LogisticRegression`
/// (no hidden layer) and `MLP` (hidden layers with an activation each).
///
///     x ─► [DenseLayer ─► Activation]* ─► DenseLayer ─► SoftmaxCrossEntropy
///
/// `trainStep` is one call of the tutorials' `train_model`: gradients of the
/// minibatch cost for every parameter at the current values, then every update.
public struct DenseClassifier: Sendable {
    /// The hidden layers, each followed by its activation.
    public var hidden: [(layer: DenseLayer, activation: Activation)]
    /// The final layer, whose outputs are the softmax logits.
    public var output: DenseLayer
    private var loss = SoftmaxCrossEntropy()

    public init(hidden: [(layer: DenseLayer, activation: Activation)], output: DenseLayer) {
        var width = hidden.first?.layer.inputs ?? output.inputs
        for (layer, _) in hidden {
            precondition(layer.inputs == width, "DenseClassifier: layer takes \(layer.inputs) inputs, previous gives \(width)")
            width = layer.outputs
        }
        precondition(output.inputs == width, "DenseClassifier: output layer takes \(output.inputs) inputs, previous gives \(width)")
        self.hidden = hidden
        self.output = output
    }

    /// The logistic-regression tutorial's model: one zero-initialized layer.
    public static func logisticRegression(inputs: Int, classes: Int) -> DenseClassifier {
        DenseClassifier(hidden: [], output: .zeros(inputs: inputs, outputs: classes))
    }

    /// The MLP tutorial's model: a hidden layer drawn from `rng`
    /// (`DenseLayer.tutorialInitialization`), then a zero-initialized logistic
    /// regression layer, built in the tutorial's order.
    public static func tutorialMLP(
        inputs: Int, hiddenUnits: Int, classes: Int, activation: ActivationKind,
        rng: inout NumpyRandomState
    ) -> DenseClassifier {
        let layer = DenseLayer.tutorialInitialization(
            inputs: inputs, outputs: hiddenUnits, activation: activation, rng: &rng)
        return DenseClassifier(
            hidden: [(layer, Activation(activation))],
            output: .zeros(inputs: hiddenUnits, outputs: classes))
    }

    /// Number of inputs per example.
    public var inputs: Int { hidden.first?.layer.inputs ?? output.inputs }

    /// All weight matrices, hidden first: the ones the L1/L2 penalties cover.
    public var weights: [Matrix] { hidden.map(\.layer.weight) + [output.weight] }

    /// Forward pass through every layer to the loss; keeps what `backward` needs.
    mutating func forward(images: Matrix, labels: [Int], using backend: some Backend) -> LossResult {
        var x = images
        for i in hidden.indices {
            x = hidden[i].layer.forward(input: x, using: backend)
            x = hidden[i].activation.forward(input: x, using: backend)
        }
        let logits = output.forward(input: x, using: backend)
        return loss.forward(logits: logits, labels: labels, using: backend)
    }

    /// Backward pass from the loss, accumulating every layer's gradients.
    mutating func backward(using backend: some Backend) {
        var gradient = output.backward(outputGradient: loss.backward(), using: backend)
        for i in hidden.indices.reversed() {
            gradient = hidden[i].activation.backward(outputGradient: gradient, using: backend)
            if i == 0 {
                hidden[i].layer.accumulateParameterGradients(outputGradient: gradient, using: backend)
            } else {
                gradient = hidden[i].layer.backward(outputGradient: gradient, using: backend)
            }
        }
    }

    /// One minibatch of SGD on `cost = NLL + L1·Σ|W| + L2·ΣW²`: zero the
    /// gradients, forward, backward, update every layer. Returns the NLL and
    /// error count of the batch before the update (add `penalty(l1:l2:)` of the
    /// parameters before the step for the tutorial's full `cost`).
    public mutating func trainStep(
        images: Matrix, labels: [Int], learningRate: Float, l1: Float, l2: Float,
        using backend: some Backend
    ) -> LossResult {
        for i in hidden.indices { hidden[i].layer.zeroGradients() }
        output.zeroGradients()
        let result = forward(images: images, labels: labels, using: backend)
        backward(using: backend)
        for i in hidden.indices {
            hidden[i].layer.update(learningRate: learningRate, l1: l1, l2: l2, using: backend)
        }
        output.update(learningRate: learningRate, l1: l1, l2: l2, using: backend)
        return result
    }

    /// NLL and error count of a batch, without changing the model.
    public func evaluate(images: Matrix, labels: [Int], using backend: some Backend) -> LossResult {
        var scratch = self
        return scratch.forward(images: images, labels: labels, using: backend)
    }

    /// The regularization terms of the tutorial's cost, `L1·Σ|W| + L2·ΣW²` over
    /// every weight matrix (biases excluded), summed in float64.
    public func penalty(l1: Float, l2: Float) -> Double {
        var absoluteSum = 0.0
        var squareSum = 0.0
        for weight in weights {
            for w in weight.values {
                absoluteSum += Double(abs(w))
                squareSum += Double(w) * Double(w)
            }
        }
        return Double(l1) * absoluteSum + Double(l2) * squareSum
    }
}

/// A stack of dense layers ending in softmax: the tutorials' `LogisticRegression`
/// (no hidden layer) and `MLP` (hidden layers with an activation each).
///
///     x ─► [DenseLayer ─► Activation]* ─► DenseLayer ─► SoftmaxCrossEntropy
///
/// `trainStep` is one call of the tutorials' `train_model`: gradients of the
/// minibatch cost for every parameter at the current values, then every update.
public struct DenseClassifier: Classifier {
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

    public var classes: Int { output.outputs }

    /// All weight matrices, hidden first: the ones the L1/L2 penalties cover.
    public var weights: [Matrix] { hidden.map(\.layer.weight) + [output.weight] }

    /// Forward pass through every layer to the logits; keeps what the backward pass needs.
    private mutating func forwardLogits(images: Matrix, using backend: some Backend) -> Matrix {
        var x = images
        for i in hidden.indices {
            // The layer applies the activation itself (one pass over its output); the
            // activation keeps the result for the backward pass.
            x = hidden[i].layer.forward(input: x, activation: hidden[i].activation.kind, using: backend)
            hidden[i].activation.keep(output: x)
        }
        return output.forward(input: x, using: backend)
    }

    /// One minibatch of SGD on `cost = NLL + L1·Σ|W| + L2·ΣW²`: forward, then from the
    /// output layer down, each layer's input gradient (with its weights of before the step)
    /// and its SGD step (`DenseLayer.backwardAndStep`). Every gradient is that of the
    /// parameters before the minibatch, as in the tutorials' simultaneous updates. Returns
    /// the NLL and error count of the batch before the update (add `penalty(l1:l2:)` of
    /// the parameters before the step for the tutorial's full `cost`).
    public mutating func trainStep(
        images: Matrix, labels: [Int], learningRate: Float, l1: Float, l2: Float,
        using backend: some Backend
    ) -> LossResult {
        let result = loss.forward(logits: forwardLogits(images: images, using: backend), labels: labels, using: backend)
        var gradient = output.backwardAndStep(
            outputGradient: loss.backward(), learningRate: learningRate, l1: l1, l2: l2,
            needsInputGradient: !hidden.isEmpty, using: backend)
        for i in hidden.indices.reversed() {
            guard let outputGradient = gradient else { break }
            let preActivation = hidden[i].activation.backward(outputGradient: outputGradient, using: backend)
            gradient = hidden[i].layer.backwardAndStep(
                outputGradient: preActivation, learningRate: learningRate, l1: l1, l2: l2,
                needsInputGradient: i > 0, using: backend)
        }
        return result
    }

    public func logits(images: Matrix, using backend: some Backend) -> Matrix {
        var scratch = self
        return scratch.forwardLogits(images: images, using: backend)
    }

    /// W0, b0, W1, b1, …: hidden layers, then the output; W as (inputs, outputs), b as (outputs,).
    public var savedParameters: [SavedParameter] {
        (hidden.map(\.layer) + [output]).enumerated().flatMap { index, layer in
            [SavedParameter(name: "W\(index)", shape: [layer.inputs, layer.outputs], values: layer.weight.values),
             SavedParameter(name: "b\(index)", shape: [layer.outputs], values: layer.bias.values)]
        }
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

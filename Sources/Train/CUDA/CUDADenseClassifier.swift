/// `DenseClassifier` (logistic regression, MLP) on the GPU:
///
///     x ─► [CUDADenseLayer with its activation]* ─► CUDADenseLayer (x·W) ─► softmax kernel (+ b)
///
/// A minibatch is two products and one fused kernel per layer forward, the softmax
/// gradient in one kernel, and per layer backward one product for dx, one into W and one
/// into b, plus the activation's gradient: ten launches for the MLP, none waited for.
public final class CUDADenseClassifier: DeviceClassifier {
    private let backend: CUDABackend
    private let hidden: [(layer: CUDADenseLayer, activation: ActivationKind)]
    private let output: CUDADenseLayer
    /// dz of the last minibatch, in rows of a maxRows × classes buffer.
    private let logitsGradients: DeviceMatrix

    public init(_ host: DenseClassifier, backend: CUDABackend, maxRows: Int) throws(CUDAError) {
        self.backend = backend
        var layers: [(layer: CUDADenseLayer, activation: ActivationKind)] = []
        for (index, (layer, activation)) in host.hidden.enumerated() {
            layers.append((try CUDADenseLayer(layer, backend: backend, maxRows: maxRows, needsInputGradient: index > 0), activation.kind))
        }
        hidden = layers
        output = try CUDADenseLayer(host.output, backend: backend, maxRows: maxRows, needsInputGradient: !host.hidden.isEmpty)
        logitsGradients = try backend.matrix(rows: maxRows, columns: host.output.outputs)
    }

    /// The logits without the output bias (the softmax kernel adds it).
    private func forward(images: DeviceMatrix) throws(CUDAError) -> DeviceMatrix {
        var x = images
        for (layer, activation) in hidden {
            x = try layer.forward(input: x, activation: activation)
        }
        return try output.forwardWithoutBias(input: x)
    }

    public func trainStep(images: DeviceMatrix, labels: DeviceLabels, learningRate: Float, l1: Float, l2: Float) throws(CUDAError) {
        let logits = try forward(images: images)
        let logitsGradient = logitsGradients.rows(0..<images.rows)
        try backend.softmax(logits: logits, bias: output.bias, labels: labels, gradient: logitsGradient, rowLoss: nil,
                            countErrors: false, scale: 1 / Float(images.rows))
        var gradient = try output.backwardAndStep(outputGradient: logitsGradient, learningRate: learningRate, l1: l1, l2: l2,
                                                  needsInputGradient: !hidden.isEmpty)
        for index in hidden.indices.reversed() {
            guard let outputGradient = gradient, let y = hidden[index].layer.output else { break }
            try backend.activationBackward(hidden[index].activation, output: y, outputGradient: outputGradient, into: outputGradient)
            gradient = try hidden[index].layer.backwardAndStep(outputGradient: outputGradient, learningRate: learningRate,
                                                               l1: l1, l2: l2, needsInputGradient: index > 0)
        }
    }

    public func countErrors(images: DeviceMatrix, labels: DeviceLabels) throws(CUDAError) {
        let logits = try forward(images: images)
        try backend.softmax(logits: logits, bias: output.bias, labels: labels, gradient: nil, rowLoss: nil, countErrors: true, scale: 1)
    }

    public func download() throws(CUDAError) -> DenseClassifier {
        var layers: [(layer: DenseLayer, activation: Activation)] = []
        for (layer, activation) in hidden {
            layers.append((try layer.download(), Activation(activation)))
        }
        return DenseClassifier(hidden: layers, output: try output.download())
    }
}

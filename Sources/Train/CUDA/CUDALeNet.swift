/// `LeNet` on the GPU: the ConvPool layers, the tanh hidden layer and the output layer with
/// the softmax kernel, in the layouts of the host model (NHWC maps, W as (K·K·C) × O), so
/// parameters go up and come back unchanged.
public final class CUDALeNet: DeviceClassifier {
    private let backend: CUDABackend
    private let convolutions: [CUDAConvPoolLayer]
    private let hidden: CUDADenseLayer
    private let output: CUDADenseLayer
    private let logitsGradients: DeviceMatrix

    public init(_ host: LeNet, backend: CUDABackend, maxRows: Int) throws(CUDAError) {
        self.backend = backend
        var layers: [CUDAConvPoolLayer] = []
        for (index, layer) in host.convolutions.enumerated() {
            layers.append(try CUDAConvPoolLayer(layer, backend: backend, maxRows: maxRows, needsInputGradient: index > 0))
        }
        convolutions = layers
        hidden = try CUDADenseLayer(host.hidden, backend: backend, maxRows: maxRows, needsInputGradient: true)
        output = try CUDADenseLayer(host.output, backend: backend, maxRows: maxRows, needsInputGradient: true)
        logitsGradients = try backend.matrix(rows: maxRows, columns: host.output.outputs)
    }

    /// The logits without the output bias (the softmax kernel adds it).
    private func forward(images: DeviceMatrix) throws(CUDAError) -> DeviceMatrix {
        var x = images
        for layer in convolutions {
            x = try layer.forward(input: x)
        }
        return try output.forwardWithoutBias(input: try hidden.forward(input: x, activation: .tanh))
    }

    public func trainStep(images: DeviceMatrix, labels: DeviceLabels, learningRate: Float, l1: Float, l2: Float) throws(CUDAError) {
        let logits = try forward(images: images)
        let logitsGradient = logitsGradients.rows(0..<images.rows)
        try backend.softmax(logits: logits, bias: output.bias, labels: labels, gradient: logitsGradient, rowLoss: nil,
                            countErrors: false, scale: 1 / Float(images.rows))
        // Each layer's input gradient is taken with its weights of before its own step.
        guard let hiddenGradient = try output.backwardAndStep(outputGradient: logitsGradient, learningRate: learningRate,
                                                              l1: l1, l2: l2, needsInputGradient: true),
              let hiddenOutput = hidden.output
        else { preconditionFailure("CUDALeNet: the output layer returned no input gradient") }
        try backend.activationBackward(.tanh, output: hiddenOutput, outputGradient: hiddenGradient, into: hiddenGradient)
        guard var gradient = try hidden.backwardAndStep(outputGradient: hiddenGradient, learningRate: learningRate,
                                                        l1: l1, l2: l2, needsInputGradient: true)
        else { preconditionFailure("CUDALeNet: the hidden layer returned no input gradient") }
        for index in convolutions.indices.reversed() {
            let below = try convolutions[index].backwardAndStep(outputGradient: gradient, learningRate: learningRate,
                                                                l1: l1, l2: l2, needsInputGradient: index > 0)
            if let below { gradient = below }
        }
    }

    public func countErrors(images: DeviceMatrix, labels: DeviceLabels) throws(CUDAError) {
        let logits = try forward(images: images)
        try backend.softmax(logits: logits, bias: output.bias, labels: labels, gradient: nil, rowLoss: nil, countErrors: true, scale: 1)
    }

    public func download() throws(CUDAError) -> LeNet {
        var layers: [ConvPoolLayer] = []
        for layer in convolutions { layers.append(try layer.download()) }
        return LeNet(convolutions: layers, hidden: try hidden.download(), output: try output.download())
    }
}

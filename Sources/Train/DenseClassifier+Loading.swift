import MNISTTools

/// Building a classifier from saved parameters: `train --save`'s `.npz` (`W0.npy`, `b0.npy`,
/// …, hidden layers first, W as (inputs, outputs), plus `model.json`), and predicting with it.
extension DenseClassifier {
    /// A classifier from its layers' parameters, in order (hidden layers, then the output),
    /// each hidden layer followed by `activation`. Each bias must be 1 × its weight's columns,
    /// and each layer must take as many inputs as the previous one gives; errors name `source`
    /// and the member (`W0.npy`, `b0.npy`, …).
    public init(parameters: [(weight: Matrix, bias: Matrix)], activation: ActivationKind?, source: String) throws {
        guard let last = parameters.last else {
            throw MNISTToolsError.invalidData(path: source, field: "parameters", reason: "no layers (expected W0.npy and b0.npy at least)")
        }
        for (index, layer) in parameters.enumerated() {
            guard layer.bias.rows == 1, layer.bias.columns == layer.weight.columns else {
                throw MNISTToolsError.invalidData(path: source, field: "member 'b\(index).npy'",
                                                  reason: "has \(layer.bias.count) values, but W\(index) has \(layer.weight.columns) outputs")
            }
            if index > 0, layer.weight.rows != parameters[index - 1].weight.columns {
                throw MNISTToolsError.invalidData(path: source, field: "member 'W\(index).npy'",
                                                  reason: "takes \(layer.weight.rows) inputs, but W\(index - 1) gives \(parameters[index - 1].weight.columns) outputs")
            }
        }
        let hiddenLayers = parameters.dropLast()
        if !hiddenLayers.isEmpty && activation == nil {
            throw MNISTToolsError.invalidData(path: source, field: "activation", reason: "\(hiddenLayers.count) hidden layer(s) but no activation")
        }
        self.init(hidden: hiddenLayers.map { (DenseLayer(weight: $0.weight, bias: $0.bias), Activation(activation ?? .tanh)) },
                  output: DenseLayer(weight: last.weight, bias: last.bias))
    }

    /// The model saved by `train --save` at `path`: `W0`, `b0`, … (float32, W 2-D as
    /// (inputs, outputs), b 1-D) and `model.json` (`model` logreg or mlp, `layer_sizes`,
    /// `activation`), which must agree with the arrays. Errors name `path` and the member.
    public static func load(npz path: String) throws -> DenseClassifier {
        let archive = try NPZFile.readParameters(path: path)
        guard let jsonBytes = archive.otherMembers["model.json"] else {
            throw MNISTToolsError.invalidData(path: path, field: "member 'model.json'",
                                              reason: "missing; expected the architecture that `mnist-tools train --save` writes")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(jsonBytes)
        } catch {
            throw MNISTToolsError.invalidData(path: path, field: "member 'model.json'", reason: error.description)
        }
        func describe(_ field: String, _ reason: String) -> MNISTToolsError {
            .invalidData(path: path, field: "member 'model.json' \(field)", reason: reason)
        }
        guard case let .string(kind)? = json["model"], kind == "logreg" || kind == "mlp" else {
            throw describe("'model'", "expected \"logreg\" or \"mlp\"")
        }
        guard case let .array(sizeValues)? = json["layer_sizes"], sizeValues.count >= 2 else {
            throw describe("'layer_sizes'", "expected an array of at least two sizes")
        }
        var sizes: [Int] = []
        for value in sizeValues {
            guard case let .number(number) = value, number >= 1, number <= Double(Int32.max), number == number.rounded() else {
                throw describe("'layer_sizes'", "expected positive whole numbers")
            }
            sizes.append(Int(number))
        }
        let layerCount = sizes.count - 1
        if kind == "logreg" && layerCount != 1 {
            throw describe("'layer_sizes'", "a logreg model has one layer, not \(layerCount)")
        }
        if kind == "mlp" && layerCount < 2 {
            throw describe("'layer_sizes'", "an mlp model has a hidden layer")
        }
        var activation: ActivationKind?
        switch json["activation"] {
        case let .string(name)?:
            guard let known = ActivationKind(rawValue: name) else {
                throw describe("'activation'", "unknown activation '\(name)'; expected \(ActivationKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            activation = known
        case .null?, nil:
            if kind == "mlp" { throw describe("'activation'", "an mlp model needs an activation") }
        default:
            throw describe("'activation'", "expected a string or null")
        }

        var parameters: [(weight: Matrix, bias: Matrix)] = []
        for index in 0..<layerCount {
            let (inputs, outputs) = (sizes[index], sizes[index + 1])
            guard let weight = archive.arrays["W\(index)"] else {
                throw MNISTToolsError.invalidData(path: path, field: "member 'W\(index).npy'", reason: "missing; model.json's layer_sizes give \(layerCount) layers")
            }
            guard weight.shape == [inputs, outputs] else {
                throw MNISTToolsError.invalidData(path: path, field: "member 'W\(index).npy'",
                                                  reason: "has shape \(shapeText(weight.shape)), but model.json's layer_sizes give (\(inputs), \(outputs))")
            }
            guard let bias = archive.arrays["b\(index)"] else {
                throw MNISTToolsError.invalidData(path: path, field: "member 'b\(index).npy'", reason: "missing; model.json's layer_sizes give \(layerCount) layers")
            }
            guard bias.shape == [outputs] else {
                throw MNISTToolsError.invalidData(path: path, field: "member 'b\(index).npy'",
                                                  reason: "has shape \(shapeText(bias.shape)), but model.json's layer_sizes give (\(outputs),)")
            }
            parameters.append((Matrix(rows: inputs, columns: outputs, values: weight.values),
                               Matrix(rows: 1, columns: outputs, values: bias.values)))
        }
        if let extra = archive.arrays.keys.sorted().first(where: { name in !(0..<layerCount).contains { name == "W\($0)" || name == "b\($0)" } }) {
            throw MNISTToolsError.invalidData(path: path, field: "member '\(extra).npy'", reason: "not a parameter of the \(layerCount)-layer model that model.json describes")
        }
        return try DenseClassifier(parameters: parameters, activation: activation, source: path)
    }

    /// Refuses images of `pixels` values each unless the first layer takes that many inputs;
    /// the error names `modelPath`, the member `W0.npy`, and `dataPath`.
    public func checkInputs(pixels: Int, modelPath: String, dataPath: String) throws {
        guard pixels == inputs else {
            throw MNISTToolsError.invalidData(path: modelPath, field: "member 'W0.npy'",
                                              reason: "takes \(inputs) inputs, but the images of \(dataPath) have \(pixels) pixels")
        }
    }

    /// The predicted class of every row of `images`: the index of the largest logit (the
    /// first one on a tie, as numpy's argmax), computed in batches of `batchSize` rows.
    public func predictions(images: Matrix, batchSize: Int = 1000, using backend: some Backend) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(images.rows)
        forEachLogitBatch(images: images, batchSize: batchSize, using: backend) { logits in
            for row in 0..<logits.rows {
                var best = 0
                for column in 1..<logits.columns where logits.values[row * logits.columns + column] > logits.values[row * logits.columns + best] {
                    best = column
                }
                result.append(best)
            }
        }
        return result
    }

    /// The final layer's outputs (logits) for the rows of `images`, `batchSize` rows at a
    /// time: `body` gets each batch's logits (batch rows × classes), in order.
    func forEachLogitBatch(images: Matrix, batchSize: Int, using backend: some Backend, _ body: (Matrix) -> Void) {
        var start = 0
        while start < images.rows {
            let end = min(images.rows, start + max(1, batchSize))
            let slice = Array(images.values[(start * images.columns)..<(end * images.columns)])
            var x = Matrix(rows: end - start, columns: images.columns, values: slice)
            var scratch = self
            for i in scratch.hidden.indices {
                x = scratch.hidden[i].layer.forward(input: x, using: backend)
                x = scratch.hidden[i].activation.forward(input: x, using: backend)
            }
            body(scratch.output.forward(input: x, using: backend))
            start = end
        }
    }
}

private func shapeText(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

import MNISTTools

/// Reading back what `train --save` wrote: an `.npz` with `model.json` (what the model is)
/// and its parameters `W0.npy`, `b0.npy`, … in the tutorials' layouts (see each model's
/// `savedParameters`). Every array is checked against `model.json`; errors name the file
/// and the member.
public struct SavedModel {
    /// The classifier: logistic regression or MLP (`DenseClassifier`), or LeNet.
    public let classifier: any Classifier
    /// What a stored byte was divided by to give the pixels the model was trained on:
    /// `model.json`'s `pixel_divisor`, or 256 (the classic `mnist.pkl.gz`) when it has none.
    public let pixelDivisor: Double

    /// The model saved at `path` by `train --save`.
    public init(npz path: String) throws {
        try self.init(npz: path, parameterPrefix: "", otherPrefixes: [])
    }

    /// The model whose arrays are `parameterPrefix` + `W0`, `b0`, … in the `.npz` at `path`,
    /// which may hold other models' arrays under `otherPrefixes` (a `train --checkpoint`
    /// file holds the parameters now and, under `best_`, the best ones).
    public init(npz path: String, parameterPrefix: String, otherPrefixes: [String]) throws {
        var archive = try Archive(path: path, prefix: parameterPrefix)
        switch try archive.string("model") {
        case "logreg", "mlp": classifier = try Self.loadDense(&archive)
        case "lenet": classifier = try Self.loadLeNet(&archive)
        case let other: throw archive.invalid("'model'", "unknown model \"\(other)\"; expected \"logreg\", \"mlp\" or \"lenet\"")
        }
        switch archive.description["pixel_divisor"] {
        case nil, .null?:
            pixelDivisor = 256
        case let .number(divisor)? where divisor > 0 && divisor.isFinite:
            pixelDivisor = divisor
        default:
            throw archive.invalid("'pixel_divisor'", "expected a positive number")
        }
        try archive.refuseUnusedArrays(except: otherPrefixes)
    }

    /// `model.json` has `layer_sizes` [inputs, hidden…, classes] and `activation` (null for logreg).
    private static func loadDense(_ archive: inout Archive) throws -> DenseClassifier {
        let kind = try archive.string("model")
        let sizes = try archive.positiveIntegers("layer_sizes")
        guard sizes.count >= 2 else { throw archive.invalid("'layer_sizes'", "expected an array of at least two sizes") }
        let layerCount = sizes.count - 1
        if kind == "logreg" && layerCount != 1 { throw archive.invalid("'layer_sizes'", "a logreg model has one layer, not \(layerCount)") }
        if kind == "mlp" && layerCount < 2 { throw archive.invalid("'layer_sizes'", "an mlp model has a hidden layer") }
        let activation = layerCount > 1 ? try archive.activation() : nil
        var layers: [DenseLayer] = []
        for index in 0..<layerCount {
            layers.append(try archive.denseLayer(index, inputs: sizes[index], outputs: sizes[index + 1], because: "layer_sizes"))
        }
        return DenseClassifier(hidden: layers.dropLast().map { ($0, Activation(activation ?? .tanh)) }, output: layers[layers.count - 1])
    }

    /// `model.json` has `image_shape` [H, W, C], `filters` [O…], `kernel_size`, `pool_size`,
    /// `hidden_units` and `classes`.
    private static func loadLeNet(_ archive: inout Archive) throws -> LeNet {
        let shape = try archive.positiveIntegers("image_shape")
        guard shape.count == 3 else { throw archive.invalid("'image_shape'", "expected [height, width, channels]") }
        let filters = try archive.positiveIntegers("filters")
        guard !filters.isEmpty else { throw archive.invalid("'filters'", "expected at least one convolution layer") }
        let kernel = try archive.positiveInteger("kernel_size")
        let poolSize = try archive.positiveInteger("pool_size")
        let hiddenUnits = try archive.positiveInteger("hidden_units")
        let classes = try archive.positiveInteger("classes")
        var geometry = ImageGeometry(height: shape[0], width: shape[1], channels: shape[2])
        var convolutions: [ConvPoolLayer] = []
        for (index, count) in filters.enumerated() {
            guard geometry.height - kernel + 1 >= poolSize, geometry.width - kernel + 1 >= poolSize else {
                throw archive.invalid("'filters'", "layer \(index) gets \(geometry) maps, too small for \(kernel)×\(kernel) filters and \(poolSize)×\(poolSize) pooling")
            }
            let weight = try archive.array("W\(index)", shape: [count, geometry.channels, kernel, kernel], because: "filters, kernel_size and image_shape")
            let bias = try archive.array("b\(index)", shape: [count], because: "filters")
            let layer = ConvPoolLayer(inputGeometry: geometry, kernel: kernel, poolSize: poolSize, filters: count,
                                      tutorialWeight: weight, bias: bias)
            convolutions.append(layer)
            geometry = layer.outputGeometry
        }
        let saved = try archive.denseLayer(filters.count, inputs: geometry.count, outputs: hiddenUnits, because: "the maps and hidden_units")
        let hidden = DenseLayer(weight: LeNet.reorderRows(of: saved.weight, maps: geometry, toChannelMajor: false), bias: saved.bias)
        let output = try archive.denseLayer(filters.count + 1, inputs: hiddenUnits, outputs: classes, because: "hidden_units and classes")
        return LeNet(convolutions: convolutions, hidden: hidden, output: output)
    }
}

extension Classifier {
    /// Refuses images of `pixels` values each unless the model takes that many inputs; the
    /// error names `modelPath`, its first parameter and `dataPath`.
    public func checkInputs(pixels: Int, modelPath: String, dataPath: String) throws {
        guard pixels == inputs else {
            throw MNISTToolsError.invalidData(path: modelPath, field: "member 'W0.npy'",
                                              reason: "takes \(inputs) inputs, but the images of \(dataPath) have \(pixels) pixels")
        }
    }
}

/// An `.npz` being read: its description and the arrays not yet taken, each named
/// `prefix` + its name.
private struct Archive {
    let path: String
    let prefix: String
    let description: JSONValue
    var arrays: [String: NPZParameters.FloatArray]

    init(path: String, prefix: String) throws {
        let archive = try NPZFile.readParameters(path: path)
        guard let jsonBytes = archive.otherMembers["model.json"] else {
            throw MNISTToolsError.invalidData(path: path, field: "member 'model.json'",
                                              reason: "missing; expected the description that `mnist-tools train --save` writes")
        }
        do {
            description = try JSONParser.parse(jsonBytes)
        } catch {
            throw MNISTToolsError.invalidData(path: path, field: "member 'model.json'", reason: error.description)
        }
        self.path = path
        self.prefix = prefix
        arrays = archive.arrays.filter { $0.key.hasPrefix(prefix) }
    }

    func invalid(_ field: String, _ reason: String) -> MNISTToolsError {
        .invalidData(path: path, field: "member 'model.json' \(field)", reason: reason)
    }

    func string(_ key: String) throws -> String {
        guard let value = description[key]?.string else { throw invalid("'\(key)'", "expected a string") }
        return value
    }

    func positiveInteger(_ key: String) throws -> Int {
        guard let value = description[key], let number = Self.positiveInteger(value) else {
            throw invalid("'\(key)'", "expected a positive whole number")
        }
        return number
    }

    func positiveIntegers(_ key: String) throws -> [Int] {
        guard let values = description[key]?.array else { throw invalid("'\(key)'", "expected an array of positive whole numbers") }
        return try values.map { value in
            guard let number = Self.positiveInteger(value) else { throw invalid("'\(key)'", "expected positive whole numbers") }
            return number
        }
    }

    private static func positiveInteger(_ value: JSONValue) -> Int? {
        guard case let .number(number) = value, number >= 1, number <= Double(Int32.max), number == number.rounded() else { return nil }
        return Int(number)
    }

    /// `activation`: the name of an `ActivationKind`.
    func activation() throws -> ActivationKind {
        let names = ActivationKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let name = description["activation"]?.string else { throw invalid("'activation'", "a hidden layer needs an activation: \(names)") }
        guard let kind = ActivationKind(rawValue: name) else { throw invalid("'activation'", "unknown activation '\(name)'; expected \(names)") }
        return kind
    }

    /// Takes the array `name`, which must have `shape` (as `because` in model.json says).
    mutating func array(_ name: String, shape: [Int], because: String) throws -> [Float] {
        let name = prefix + name
        guard let array = arrays.removeValue(forKey: name) else {
            throw MNISTToolsError.invalidData(path: path, field: "member '\(name).npy'", reason: "missing; model.json's \(because) call for it")
        }
        guard array.shape == shape else {
            throw MNISTToolsError.invalidData(path: path, field: "member '\(name).npy'",
                                              reason: "has shape \(shapeText(array.shape)), but model.json's \(because) give \(shapeText(shape))")
        }
        return array.values
    }

    /// Takes `W<index>` (inputs, outputs) and `b<index>` (outputs,) as a layer.
    mutating func denseLayer(_ index: Int, inputs: Int, outputs: Int, because: String) throws -> DenseLayer {
        let weight = try array("W\(index)", shape: [inputs, outputs], because: because)
        let bias = try array("b\(index)", shape: [outputs], because: because)
        return DenseLayer(weight: Matrix(rows: inputs, columns: outputs, values: weight), bias: Matrix(rows: 1, columns: outputs, values: bias))
    }

    /// Refuses an array that model.json does not account for, other than those named
    /// with one of `otherPrefixes`.
    func refuseUnusedArrays(except otherPrefixes: [String]) throws {
        let unused = arrays.keys.filter { name in !otherPrefixes.contains { !$0.isEmpty && name.hasPrefix($0) } }
        if let extra = unused.sorted().first {
            throw MNISTToolsError.invalidData(path: path, field: "member '\(extra).npy'", reason: "not a parameter of the model that model.json describes")
        }
    }
}

private func shapeText(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

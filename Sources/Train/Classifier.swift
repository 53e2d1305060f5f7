/// A model the trainer can train and evaluate: the tutorials' logistic regression and MLP
/// (`DenseClassifier`) and LeNet (`LeNet`).
public protocol Classifier: Sendable {
    /// Values per example the model takes (pixels, for the tutorials' grayscale images).
    var inputs: Int { get }

    /// Number of classes, the width of the logits.
    var classes: Int { get }

    /// One minibatch of SGD on `cost = NLL + L1·Σ|W| + L2·ΣW²` (weights only, not
    /// biases), every gradient taken at the parameters before the step, as in the
    /// tutorials' simultaneous updates. Returns the NLL and error count of the batch
    /// before the step.
    mutating func trainStep(
        images: Matrix, labels: [Int], learningRate: Float, l1: Float, l2: Float, using backend: some Backend
    ) -> LossResult

    /// The softmax inputs z for a batch of images (B × inputs → B × classes).
    func logits(images: Matrix, using backend: some Backend) -> Matrix

    /// The parameters as the tutorials' code holds them, in save order (`W0`, `b0`, `W1`,
    /// …, from the input layer up), with the tutorials' shapes and layouts.
    var savedParameters: [SavedParameter] { get }
}

/// One parameter array as saved: its name, its shape (C order) and its values.
public struct SavedParameter: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "SavedParameter \(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.values = values
    }
}

extension Classifier {
    /// NLL and error count of a batch, without changing the model.
    public func evaluate(images: Matrix, labels: [Int], using backend: some Backend) -> LossResult {
        let z = logits(images: images, using: backend)
        var gradient = Matrix(rows: z.rows, columns: z.columns)
        return backend.softmaxCrossEntropy(logits: z, labels: labels, gradient: &gradient)
    }

    /// The predicted class of every row of `images`: the index of the largest logit (the
    /// first one on a tie, as numpy's argmax), computed in batches of `batchSize` rows.
    public func predictions(images: Matrix, batchSize: Int = 1000, using backend: some Backend) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(images.rows)
        var start = 0
        while start < images.rows {
            let end = min(images.rows, start + max(1, batchSize))
            let z = logits(images: images.rows(start..<end), using: backend)
            for row in 0..<z.rows {
                var best = 0
                for column in 1..<z.columns where z[row, column] > z[row, best] { best = column }
                result.append(best)
            }
            start = end
        }
        return result
    }
}

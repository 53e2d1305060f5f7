import Testing
import Train

/// 90 points in 4 dimensions, 30 per class, each coordinate within ±0.5 of its
/// class's center. For every pair of classes the cubes' projections onto the line
/// between the centers do not overlap, so the problem is linearly separable.
private func separableProblem() -> (images: Matrix, labels: [Int]) {
    var rng = NumpyRandomState(seed: 1234)
    let centers: [[Float]] = [[1, 0, 0, 0], [-1, 1, 0, 0], [0, -1, 1, 1]]
    let labels = (0..<90).map { $0 % 3 }
    let noise = rng.uniformFloat32(low: -0.5, high: 0.5, count: 90 * 4)
    var values: [Float] = []
    for (i, label) in labels.enumerated() {
        for j in 0..<4 { values.append(centers[label][j] + noise[i * 4 + j]) }
    }
    return (Matrix(rows: 90, columns: 4, values: values), labels)
}

/// Rows `range` of `matrix`.
private func rows(_ range: Range<Int>, of matrix: Matrix) -> Matrix {
    Matrix(rows: range.count, columns: matrix.columns,
           values: Array(matrix.values[(range.lowerBound * matrix.columns)..<(range.upperBound * matrix.columns)]))
}

@Suite("DenseClassifier")
struct DenseClassifierTests {
    @Test("tutorial initialization: RandomState(1234) draws in (n_in, n_out) C order, float32, ×4 for sigmoid")
    func tutorialInitialization() {
        // The first and last float32 weights of the MLP tutorial's hidden layer, as
        // printed by NumPy (see NumpyRandomStateTests.mlpUniformFloat32).
        var rng = NumpyRandomState(seed: 1234)
        let layer = DenseLayer.tutorialInitialization(inputs: 784, outputs: 500, activation: .tanh, rng: &rng)
        #expect((layer.weight.rows, layer.weight.columns) == (784, 500))
        #expect([layer.weight[0, 0], layer.weight[0, 1], layer.weight[0, 2]].map(\.bitPattern)
                == [0xBD2CBF44, 0x3C88C2A0, 0xBC0B7CFF])
        #expect([layer.weight[783, 497], layer.weight[783, 498], layer.weight[783, 499]].map(\.bitPattern)
                == [0x3D56B269, 0xBD80EEAD, 0xBCFE475B])
        #expect(layer.bias == Matrix(rows: 1, columns: 500))

        var sigmoidRNG = NumpyRandomState(seed: 1234)
        let sigmoid = DenseLayer.tutorialInitialization(inputs: 784, outputs: 500, activation: .sigmoid, rng: &sigmoidRNG)
        #expect(sigmoid.weight.values == layer.weight.values.map { 4 * $0 })

        let mlp = DenseClassifier.logisticRegression(inputs: 784, classes: 10)
        #expect(mlp.output.weight == Matrix(rows: 784, columns: 10))
        #expect(mlp.output.bias == Matrix(rows: 1, columns: 10))
    }

    @Test("logistic regression: 200 SGD steps on a separable problem drive the loss down")
    func logisticRegressionTrains() {
        let (images, labels) = separableProblem()
        var model = DenseClassifier.logisticRegression(inputs: 4, classes: 3)
        let backend = CPUBackend()
        let initial = model.evaluate(images: images, labels: labels, using: backend)
        // Zero weights: p = 1/3 for every class, so the loss is log 3.
        #expect(abs(Double(initial.loss) - 1.0986122886681098) <= 1e-6)
        for step in 0..<200 {
            let batch = (step % 9) * 10..<(step % 9) * 10 + 10
            _ = model.trainStep(images: rows(batch, of: images), labels: Array(labels[batch]),
                                learningRate: 0.13, l1: 0, l2: 0, using: backend)
        }
        let final = model.evaluate(images: images, labels: labels, using: backend)
        print("logistic regression: loss \(initial.loss) → \(final.loss), errors \(initial.errors) → \(final.errors)")
        #expect(final.loss < 0.08)
        #expect(final.errors == 0)

        // The reference backend trains to the same model, up to rounding.
        var referenceModel = DenseClassifier.logisticRegression(inputs: 4, classes: 3)
        for step in 0..<200 {
            let batch = (step % 9) * 10..<(step % 9) * 10 + 10
            _ = referenceModel.trainStep(images: rows(batch, of: images), labels: Array(labels[batch]),
                                         learningRate: 0.13, l1: 0, l2: 0, using: ReferenceBackend())
        }
        let difference = maxDifference(model.output.weight, referenceModel.output.weight)
        print("logistic regression CPU vs reference weights: largest difference \(difference)")
        #expect(difference <= 1e-4)
    }

    @Test("tutorial MLP with L1/L2: 200 steps reduce the penalised cost")
    func mlpTrains() {
        let (images, labels) = separableProblem()
        var rng = NumpyRandomState(seed: 1234)
        var model = DenseClassifier.tutorialMLP(inputs: 4, hiddenUnits: 8, classes: 3, activation: .tanh, rng: &rng)
        let backend = CPUBackend()
        let (l1, l2): (Float, Float) = (0.001, 0.0001)  // the tutorial's L2 default, and some L1
        func cost() -> Double {
            Double(model.evaluate(images: images, labels: labels, using: backend).loss) + model.penalty(l1: l1, l2: l2)
        }
        let initial = cost()
        for step in 0..<200 {
            let batch = (step % 9) * 10..<(step % 9) * 10 + 10
            _ = model.trainStep(images: rows(batch, of: images), labels: Array(labels[batch]),
                                learningRate: 0.1, l1: l1, l2: l2, using: backend)
        }
        let final = cost()
        let errors = model.evaluate(images: images, labels: labels, using: backend).errors
        print("MLP: cost \(initial) → \(final), errors \(errors)")
        #expect(final < 0.08)
        #expect(errors == 0)
    }

    @Test("penalty is L1·Σ|W| + L2·ΣW² over weights only")
    func penalty() {
        let model = DenseClassifier(
            hidden: [(DenseLayer(weight: Matrix(rows: 1, columns: 2, values: [1, -2]),
                                 bias: Matrix(rows: 1, columns: 2, values: [100, 100])), Activation(.relu))],
            output: DenseLayer(weight: Matrix(rows: 2, columns: 1, values: [3, 0]),
                               bias: Matrix(rows: 1, columns: 1, values: [100])))
        // Σ|W| = 1 + 2 + 3 = 6, ΣW² = 1 + 4 + 9 = 14.
        #expect(model.penalty(l1: 0.5, l2: 0.25) == 0.5 * 6 + 0.25 * 14)
    }
}

import Testing
import Train

// Every layer's backward pass against central finite differences. The scalar
// driven through a layer is L = Σ r ⊙ y for a fixed random r, so ∂L/∂y = r; the
// numeric derivative evaluates L in float64 on ReferenceBackend outputs, the
// analytic one runs CPUBackend's backward.

private let step: Float = 1e-2
private let tolerance = 5e-4

@Suite("Backward passes against finite differences")
struct LayerGradientTests {
    @Test("DenseLayer: dx, dW, db (and accumulation across two calls)")
    func dense() {
        var rng = NumpyRandomState(seed: 21)
        let x = randomMatrix(rows: 3, columns: 5, rng: &rng)
        let w = randomMatrix(rows: 5, columns: 4, rng: &rng)
        let b = randomMatrix(rows: 1, columns: 4, rng: &rng)
        let r = randomMatrix(rows: 3, columns: 4, rng: &rng)

        var layer = DenseLayer(weight: w, bias: b)
        _ = layer.forward(input: x, using: CPUBackend())
        let dx = layer.backward(outputGradient: r, using: CPUBackend())

        func loss(_ x: Matrix, _ w: Matrix, _ b: Matrix) -> Double {
            var probe = DenseLayer(weight: w, bias: b)
            return weightedSum(probe.forward(input: x, using: ReferenceBackend()), r)
        }
        let numericX = numericGradient(of: x, step: step) { loss($0, w, b) }
        let numericW = numericGradient(of: w, step: step) { loss(x, $0, b) }
        let numericB = numericGradient(of: b, step: step) { loss(x, w, $0) }
        let differences = (maxDifference(dx, numericX), maxDifference(layer.weightGradient, numericW),
                           maxDifference(layer.biasGradient, numericB))
        print("DenseLayer finite differences: largest difference dx \(differences.0), dW \(differences.1), db \(differences.2)")
        #expect(differences.0 <= tolerance)
        #expect(differences.1 <= tolerance)
        #expect(differences.2 <= tolerance)

        // A second backward adds the same gradients again; zeroGradients clears them.
        let firstW = layer.weightGradient
        _ = layer.backward(outputGradient: r, using: CPUBackend())
        #expect(maxDifference(layer.weightGradient, Matrix(rows: 5, columns: 4, values: firstW.values.map { 2 * $0 })) <= 1e-6)
        layer.zeroGradients()
        #expect(layer.weightGradient == Matrix(rows: 5, columns: 4))
        #expect(layer.biasGradient == Matrix(rows: 1, columns: 4))
    }

    @Test("Activation: dx", arguments: ActivationKind.allCases)
    func activation(_ kind: ActivationKind) {
        var rng = NumpyRandomState(seed: 22)
        // Keep |x| ≥ 0.1 so relu's kink at 0 stays outside x ± step.
        let x = Matrix(rows: 4, columns: 6, values: randomMatrix(rows: 4, columns: 6, low: 0.1, high: 2.5, rng: &rng)
            .values.enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element })
        let r = randomMatrix(rows: 4, columns: 6, rng: &rng)
        var layer = Activation(kind)
        _ = layer.forward(input: x, using: CPUBackend())
        let dx = layer.backward(outputGradient: r, using: CPUBackend())
        let numeric = numericGradient(of: x, step: step) { x in
            var probe = Activation(kind)
            return weightedSum(probe.forward(input: x, using: ReferenceBackend()), r)
        }
        let difference = maxDifference(dx, numeric)
        print("Activation \(kind) finite differences: largest difference \(difference)")
        #expect(difference <= tolerance)
    }

    @Test("DenseClassifier.trainStep: every parameter moves by −lr·∂cost/∂p, cost = NLL + L1·Σ|W| + L2·ΣW²",
          arguments: [(Float(0), Float(0)), (0, 0.05), (0.03, 0.05)])
    func wholeMLPStep(l1: Float, l2: Float) {
        var rng = NumpyRandomState(seed: 23)
        let x = randomMatrix(rows: 4, columns: 7, rng: &rng)
        let labels = randomLabels(count: 4, classes: 3, rng: &rng)
        // Random (not zero) output weights, so the hidden layer's gradient is not zero.
        let model = DenseClassifier(
            hidden: [(DenseLayer(weight: randomMatrix(rows: 7, columns: 5, rng: &rng),
                                 bias: randomMatrix(rows: 1, columns: 5, rng: &rng)), Activation(.tanh))],
            output: DenseLayer(weight: randomMatrix(rows: 5, columns: 3, rng: &rng),
                               bias: randomMatrix(rows: 1, columns: 3, rng: &rng)))
        // With learning rate 1 the step p − p′ is the gradient itself.
        var trained = model
        _ = trained.trainStep(images: x, labels: labels, learningRate: 1, l1: l1, l2: l2, using: CPUBackend())
        func change(_ before: Matrix, _ after: Matrix) -> Matrix {
            Matrix(rows: before.rows, columns: before.columns, values: zip(before.values, after.values).map { $0 - $1 })
        }
        func cost(_ m: DenseClassifier) -> Double {
            Double(m.evaluate(images: x, labels: labels, using: ReferenceBackend()).loss) + m.penalty(l1: l1, l2: l2)
        }
        let checks: [(String, Matrix, Matrix)] = [
            ("hidden W", change(model.hidden[0].layer.weight, trained.hidden[0].layer.weight),
             numericGradient(of: model.hidden[0].layer.weight, step: step) { var m = model; m.hidden[0].layer.weight = $0; return cost(m) }),
            ("hidden b", change(model.hidden[0].layer.bias, trained.hidden[0].layer.bias),
             numericGradient(of: model.hidden[0].layer.bias, step: step) { var m = model; m.hidden[0].layer.bias = $0; return cost(m) }),
            ("output W", change(model.output.weight, trained.output.weight),
             numericGradient(of: model.output.weight, step: step) { var m = model; m.output.weight = $0; return cost(m) }),
            ("output b", change(model.output.bias, trained.output.bias),
             numericGradient(of: model.output.bias, step: step) { var m = model; m.output.bias = $0; return cost(m) }),
        ]
        for (name, analytic, numeric) in checks {
            let difference = maxDifference(analytic, numeric)
            print("MLP step \(name), L1 \(l1), L2 \(l2), finite differences: largest difference \(difference)")
            #expect(difference <= tolerance, "\(name)")
        }
    }
}

import Foundation
import Testing
import Train

private var backends: [any Backend] { [CPUBackend(), ReferenceBackend()] }

@Suite("Softmax and mean negative log-likelihood")
struct SoftmaxCrossEntropyTests {
    // Hand computation (exact values from Python's math module):
    //   row 0: z = [1, 2, 3], y = 0   −log p = 2 + log(1 + e⁻¹ + e⁻²)      = 2.4076059644443806
    //   row 1: z = [0, 0, 0], y = 2   −log p = log 3                       = 1.0986122886681098
    //   row 2: z = [5, −1, 0], y = 0  −log p = log(1 + e⁻⁶ + e⁻⁵)          = 0.009174484591734507
    //   mean = 1.1717975792347417; gradient = (p − onehot(y)) / 3
    //   errors: row 0 (argmax 2 ≠ 0), row 1 (a three-way tie: argmax 0 ≠ 2); row 2 is right.
    private let logits = Matrix(rows: 3, columns: 3, values: [1, 2, 3, 0, 0, 0, 5, -1, 0])
    private let labels = [0, 2, 0]
    private let expectedGradient: [Double] = [
        -0.30332314227653984, 0.08157615701826589, 0.22174698525827394,
        0.1111111111111111, 0.1111111111111111, -0.22222222222222224,
        -0.0030441758059424062, 0.000818704968150318, 0.0022254708377921506,
    ]

    @Test("loss, gradient and errors against a hand computation")
    func handComputation() {
        for backend in backends {
            var gradient = Matrix(rows: 3, columns: 3)
            let result = backend.softmaxCrossEntropy(logits: logits, labels: labels, gradient: &gradient)
            let lossDifference = abs(Double(result.loss) - 1.1717975792347417)
            let gradientDifference = zip(gradient.values, expectedGradient)
                .map { abs(Double($0) - $1) }.max() ?? 0
            print("\(type(of: backend)) hand softmax: loss difference \(lossDifference), gradient \(gradientDifference)")
            #expect(lossDifference <= 2e-7)
            #expect(gradientDifference <= 1e-7)
            #expect(result.errors == 2)
        }
    }

    @Test("loss matches a float64 log-sum-exp where naive exp overflows or underflows")
    func logSumExp() {
        // exp(1000) overflows float32 and float64; exp(−1000) underflows to 0.
        let rows: [[Float]] = [[1000, 1001, 999, 0], [-1000, -1002, -999, -1001], [88, 89, 90, 30]]
        let labels = [2, 1, 3]
        var expected = 0.0
        for (z, y) in zip(rows, labels) {
            let m = Double(z.max() ?? 0)
            let logSum = m + log(z.reduce(0.0) { $0 + exp(Double($1) - m) })
            expected += logSum - Double(z[y])
        }
        expected /= Double(rows.count)
        let logits = Matrix(rows: 3, columns: 4, values: rows.flatMap { $0 })
        for backend in backends {
            var gradient = Matrix(rows: 3, columns: 4)
            let result = backend.softmaxCrossEntropy(logits: logits, labels: labels, gradient: &gradient)
            let difference = abs(Double(result.loss) - expected)
            print("\(type(of: backend)) log-sum-exp: loss \(result.loss), expected \(expected), difference \(difference)")
            #expect(result.loss.isFinite)
            #expect(difference <= 1e-5 * expected)
            #expect(gradient.values.allSatisfy { $0.isFinite })
            #expect(result.errors == 3)
        }
    }

    @Test("errors count argmax mismatches; a tie goes to the first index")
    func errorCounting() {
        let logits = Matrix(rows: 5, columns: 3, values: [
            0, 1, 0,     // argmax 1
            2, 2, 1,     // tie of 0 and 1: argmax 0
            -1, -3, -2,  // argmax 0
            0, 0, 7,     // argmax 2
            3, 3, 3,     // full tie: argmax 0
        ])
        for backend in backends {
            var gradient = Matrix(rows: 5, columns: 3)
            #expect(backend.softmaxCrossEntropy(logits: logits, labels: [1, 0, 0, 2, 0], gradient: &gradient).errors == 0)
            #expect(backend.softmaxCrossEntropy(logits: logits, labels: [0, 1, 0, 2, 1], gradient: &gradient).errors == 3)
            #expect(backend.softmaxCrossEntropy(logits: logits, labels: [2, 2, 2, 0, 2], gradient: &gradient).errors == 5)
        }
    }

    @Test("SoftmaxCrossEntropy.backward against central finite differences")
    func finiteDifferences() {
        var rng = NumpyRandomState(seed: 5)
        let logits = randomMatrix(rows: 4, columns: 6, low: -3, high: 3, rng: &rng)
        let labels = randomLabels(count: 4, classes: 6, rng: &rng)
        var layer = SoftmaxCrossEntropy()
        _ = layer.forward(logits: logits, labels: labels, using: CPUBackend())
        let analytic = layer.backward()
        let numeric = numericGradient(of: logits, step: 1e-2) { z in
            var scratch = Matrix(rows: z.rows, columns: z.columns)
            return Double(ReferenceBackend().softmaxCrossEntropy(logits: z, labels: labels, gradient: &scratch).loss)
        }
        let difference = maxDifference(analytic, numeric)
        print("softmax NLL finite differences: largest difference \(difference)")
        #expect(difference <= 2e-4)
    }
}

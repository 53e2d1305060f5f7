import Testing
import Train

// Every CPUBackend kernel against ReferenceBackend (plain loops, float64 sums).

private let cpu = CPUBackend()
private let reference = ReferenceBackend()

/// One GEMM case: C (m×n) = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n.
struct GEMMCase: CustomTestStringConvertible, Sendable {
    var m, n, k: Int
    var transposeA, transposeB: Bool
    var alpha: Float = 1
    var beta: Float = 0
    var testDescription: String {
        "\(m)×\(k)\(transposeA ? "ᵀ" : "")·\(k)×\(n)\(transposeB ? "ᵀ" : "") α=\(alpha) β=\(beta)"
    }
}

private let gemmCases: [GEMMCase] = {
    var cases: [GEMMCase] = []
    for (m, n, k) in [(1, 1, 1), (7, 5, 13), (3, 11, 1), (1, 9, 4)] {
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                cases.append(GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB))
                cases.append(GEMMCase(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                      alpha: -0.5, beta: 1.5))
            }
        }
    }
    // The MLP's shapes at batch 20: forward x·W, backward xᵀ·dy (accumulating) and dy·Wᵀ.
    cases.append(GEMMCase(m: 20, n: 500, k: 784, transposeA: false, transposeB: false))
    cases.append(GEMMCase(m: 784, n: 500, k: 20, transposeA: true, transposeB: false, beta: 1))
    cases.append(GEMMCase(m: 20, n: 784, k: 500, transposeA: false, transposeB: true))
    return cases
}()

@Suite("CPUBackend matches ReferenceBackend")
struct CPUBackendTests {
    @Test("matmul", arguments: gemmCases)
    func matmul(_ c: GEMMCase) {
        var rng = NumpyRandomState(seed: UInt32(c.m * 10_000 + c.n * 100 + c.k))
        let a = c.transposeA
            ? randomMatrix(rows: c.k, columns: c.m, rng: &rng) : randomMatrix(rows: c.m, columns: c.k, rng: &rng)
        let b = c.transposeB
            ? randomMatrix(rows: c.n, columns: c.k, rng: &rng) : randomMatrix(rows: c.k, columns: c.n, rng: &rng)
        let start = randomMatrix(rows: c.m, columns: c.n, rng: &rng)
        var fast = start
        var slow = start
        cpu.matmul(a, transposeA: c.transposeA, b, transposeB: c.transposeB, alpha: c.alpha, beta: c.beta, into: &fast)
        reference.matmul(a, transposeA: c.transposeA, b, transposeB: c.transposeB, alpha: c.alpha, beta: c.beta, into: &slow)
        // float32 sums of k products of magnitude ≤ 1: error grows at most like k·ε.
        let tolerance = 1e-6 + 2e-7 * Double(c.k)
        let difference = maxDifference(fast, slow)
        print("matmul \(c.testDescription): largest difference \(difference), tolerance \(tolerance)")
        #expect(difference <= tolerance)
    }

    @Test("matmul with beta = 0 ignores NaN in C; k = 0 scales C by beta")
    func matmulEdgeCases() {
        let a = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        let b = Matrix(rows: 3, columns: 1, values: [1, 0, -1])
        for backend in [cpu as any Backend, reference] {
            var c = Matrix(rows: 2, columns: 1, repeating: .nan)
            backend.matmul(a, transposeA: false, b, transposeB: false, alpha: 1, beta: 0, into: &c)
            #expect(c.values == [-2, -2])
            var d = Matrix(rows: 2, columns: 2, values: [1, 2, 3, 4])
            backend.matmul(Matrix(rows: 2, columns: 0), transposeA: false, Matrix(rows: 0, columns: 2),
                           transposeB: false, alpha: 1, beta: 0.5, into: &d)
            #expect(d.values == [0.5, 1, 1.5, 2])
        }
    }

    @Test("denseForward: matmul, bias and activation to the bit, and the reference's numbers",
          arguments: [ActivationKind?.none] + ActivationKind.allCases.map(Optional.some))
    func denseForward(_ activation: ActivationKind?) {
        // Small (one piece), the MLP's training shape (column strips) and its evaluation
        // shape (column halves).
        for (rows, inputs, outputs) in [(3, 7, 5), (20, 784, 500), (1000, 784, 500)] {
            var rng = NumpyRandomState(seed: UInt32(rows + outputs))
            let input = randomMatrix(rows: rows, columns: inputs, rng: &rng)
            let weight = randomMatrix(rows: inputs, columns: outputs, low: -0.1, high: 0.1, rng: &rng)
            let bias = randomMatrix(rows: 1, columns: outputs, rng: &rng)
            var fused = Matrix(rows: rows, columns: outputs)
            cpu.denseForward(input, weight: weight, bias: bias, activation: activation, into: &fused)

            var stepByStep = Matrix(rows: rows, columns: outputs)
            cpu.matmul(input, transposeA: false, weight, transposeB: false, alpha: 1, beta: 0, into: &stepByStep)
            cpu.addRowVector(bias, to: &stepByStep)
            if let activation {
                let preActivation = stepByStep
                cpu.activationForward(activation, input: preActivation, into: &stepByStep)
            }
            #expect(fused.values == stepByStep.values, "\(rows)×\(inputs)·\(inputs)×\(outputs)")

            var expected = Matrix(rows: rows, columns: outputs)
            reference.denseForward(input, weight: weight, bias: bias, activation: activation, into: &expected)
            #expect(maxDifference(fused, expected) <= 1e-6 + 2e-7 * Double(inputs) / 10)
        }
    }

    @Test("biasActivationForward: addRowVector then the activation, to the bit",
          arguments: ActivationKind.allCases)
    func biasActivationForward(_ kind: ActivationKind) {
        // One thread, and two halves of rows (LeNet's pooled maps: a row per pixel).
        for (rows, columns) in [(3, 5), (7_200, 20)] {
            var rng = NumpyRandomState(seed: UInt32(rows))
            let input = randomMatrix(rows: rows, columns: columns, low: -3, high: 3, rng: &rng)
            let bias = randomMatrix(rows: 1, columns: columns, rng: &rng)
            var fused = Matrix(rows: rows, columns: columns)
            cpu.biasActivationForward(kind, input: input, bias: bias, into: &fused)
            var biased = input
            cpu.addRowVector(bias, to: &biased)
            var stepByStep = Matrix(rows: rows, columns: columns)
            cpu.activationForward(kind, input: biased, into: &stepByStep)
            #expect(fused.values == stepByStep.values, "\(rows)×\(columns)")
            var expected = Matrix(rows: rows, columns: columns)
            reference.biasActivationForward(kind, input: input, bias: bias, into: &expected)
            #expect(maxDifference(fused, expected) <= 5e-7)
        }
    }

    @Test("addRowVector and accumulateColumnSums", arguments: [(1, 1), (7, 13), (20, 500), (3, 10), (4_000, 20)])
    func biasKernels(rows: Int, columns: Int) {
        var rng = NumpyRandomState(seed: UInt32(rows * 1000 + columns))
        let matrix = randomMatrix(rows: rows, columns: columns, rng: &rng)
        let bias = randomMatrix(rows: 1, columns: columns, rng: &rng)
        var fast = matrix
        var slow = matrix
        cpu.addRowVector(bias, to: &fast)
        reference.addRowVector(bias, to: &slow)
        #expect(fast == slow)  // one float32 addition each: exactly equal

        var fastSums = bias
        var slowSums = bias
        cpu.accumulateColumnSums(of: matrix, into: &fastSums)
        reference.accumulateColumnSums(of: matrix, into: &slowSums)
        let difference = maxDifference(fastSums, slowSums)
        let tolerance = 1e-6 + 2e-7 * Double(rows)
        print("columnSums \(rows)×\(columns): largest difference \(difference), tolerance \(tolerance)")
        #expect(difference <= tolerance)
    }

    @Test("activation forward and backward", arguments: ActivationKind.allCases)
    func activations(_ kind: ActivationKind) {
        var rng = NumpyRandomState(seed: 7)
        let input = randomMatrix(rows: 20, columns: 37, low: -6, high: 6, rng: &rng)
        let outputGradient = randomMatrix(rows: 20, columns: 37, rng: &rng)
        var fastOutput = Matrix(rows: 20, columns: 37)
        var slowOutput = Matrix(rows: 20, columns: 37)
        cpu.activationForward(kind, input: input, into: &fastOutput)
        reference.activationForward(kind, input: input, into: &slowOutput)
        let forwardDifference = maxDifference(fastOutput, slowOutput)

        var fastGradient = Matrix(rows: 20, columns: 37)
        var slowGradient = Matrix(rows: 20, columns: 37)
        cpu.activationBackward(kind, output: slowOutput, outputGradient: outputGradient, into: &fastGradient)
        reference.activationBackward(kind, output: slowOutput, outputGradient: outputGradient, into: &slowGradient)
        let backwardDifference = maxDifference(fastGradient, slowGradient)
        print("\(kind): largest difference forward \(forwardDifference), backward \(backwardDifference)")
        #expect(forwardDifference <= 2e-7)
        #expect(backwardDifference <= 2e-7)
    }

    // 600×10 is logistic regression's batch, which runs in two halves at once.
    @Test("softmaxCrossEntropy", arguments: [(1, 1), (1, 10), (20, 10), (7, 13), (600, 10), (257, 3)])
    func softmax(rows: Int, classes: Int) {
        var rng = NumpyRandomState(seed: UInt32(rows * 100 + classes))
        let logits = randomMatrix(rows: rows, columns: classes, low: -8, high: 8, rng: &rng)
        let labels = randomLabels(count: rows, classes: classes, rng: &rng)
        var fastGradient = Matrix(rows: rows, columns: classes)
        var slowGradient = Matrix(rows: rows, columns: classes)
        let fast = cpu.softmaxCrossEntropy(logits: logits, labels: labels, gradient: &fastGradient)
        let slow = reference.softmaxCrossEntropy(logits: logits, labels: labels, gradient: &slowGradient)
        let lossDifference = abs(Double(fast.loss) - Double(slow.loss))
        let gradientDifference = maxDifference(fastGradient, slowGradient)
        print("softmax \(rows)×\(classes): loss difference \(lossDifference), gradient \(gradientDifference)")
        #expect(lossDifference <= 1e-5 * max(1, Double(abs(slow.loss))))
        #expect(gradientDifference <= 1e-6)
        #expect(fast.errors == slow.errors)
    }

    @Test("sgdUpdate", arguments: [(0 as Float, 0 as Float), (0.001, 0.0001), (0.1, 0.05)])
    func sgd(l1: Float, l2: Float) {
        var rng = NumpyRandomState(seed: 11)
        var parameter = randomMatrix(rows: 13, columns: 7, rng: &rng)
        parameter[0, 0] = 0  // sign(0) = 0
        let gradient = randomMatrix(rows: 13, columns: 7, rng: &rng)
        var fast = parameter
        var slow = parameter
        cpu.sgdUpdate(&fast, gradient: gradient, learningRate: 0.13, l1: l1, l2: l2)
        reference.sgdUpdate(&slow, gradient: gradient, learningRate: 0.13, l1: l1, l2: l2)
        let difference = maxDifference(fast, slow)
        print("sgdUpdate L1=\(l1) L2=\(l2): largest difference \(difference)")
        #expect(difference <= 1e-6)
    }
}

// ReferenceBackend: the test oracle for every kernel in `Backend`.
//
// Plain loops over subscripts, sums and transcendental functions in Float64,
// no BLAS and no pointer tricks: slow, obviously correct, and independent of the
// code paths `CPUBackend` and `CUDABackend` use. Tests compare each fast
// kernel with the kernel of the same name here.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `Backend` in plain loops with float64 arithmetic; the oracle for tests.
public struct ReferenceBackend: Backend, Sendable {
    public init() {}

    public func matmul(
        _ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool,
        alpha: Float, beta: Float, into c: inout Matrix
    ) {
        let (m, n, k) = matmulShape(a, transposeA: transposeA, b, transposeB: transposeB, c)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transposeA ? a[p, i] : a[i, p]
                    let y = transposeB ? b[j, p] : b[p, j]
                    sum += Double(x) * Double(y)
                }
                let previous = beta == 0 ? 0 : Double(beta) * Double(c[i, j])
                c[i, j] = Float(Double(alpha) * sum + previous)
            }
        }
    }

    public func addRowVector(_ bias: Matrix, to matrix: inout Matrix) {
        precondition(bias.rows == 1 && bias.columns == matrix.columns,
                     "addRowVector: bias is \(bias.rows)×\(bias.columns), matrix has \(matrix.columns) columns")
        for i in 0..<matrix.rows {
            for j in 0..<matrix.columns {
                matrix[i, j] += bias[0, j]
            }
        }
    }

    public func accumulateColumnSums(of matrix: Matrix, into sums: inout Matrix) {
        precondition(sums.rows == 1 && sums.columns == matrix.columns,
                     "accumulateColumnSums: sums is \(sums.rows)×\(sums.columns), matrix has \(matrix.columns) columns")
        for j in 0..<matrix.columns {
            var sum = Double(sums[0, j])
            for i in 0..<matrix.rows {
                sum += Double(matrix[i, j])
            }
            sums[0, j] = Float(sum)
        }
    }

    public func activationForward(_ kind: ActivationKind, input: Matrix, into output: inout Matrix) {
        precondition(input.rows == output.rows && input.columns == output.columns,
                     "activationForward: shapes differ")
        for i in 0..<input.rows {
            for j in 0..<input.columns {
                let x = Double(input[i, j])
                let y: Double
                switch kind {
                case .tanh: y = tanh(x)
                case .sigmoid: y = 1 / (1 + exp(-x))
                case .relu: y = x > 0 ? x : 0
                }
                output[i, j] = Float(y)
            }
        }
    }

    public func activationBackward(
        _ kind: ActivationKind, output: Matrix, outputGradient: Matrix,
        into inputGradient: inout Matrix
    ) {
        precondition(output.rows == outputGradient.rows && output.columns == outputGradient.columns
                         && output.rows == inputGradient.rows && output.columns == inputGradient.columns,
                     "activationBackward: shapes differ")
        for i in 0..<output.rows {
            for j in 0..<output.columns {
                let y = Double(output[i, j])
                let derivative: Double
                switch kind {
                case .tanh: derivative = 1 - y * y
                case .sigmoid: derivative = y * (1 - y)
                case .relu: derivative = y > 0 ? 1 : 0
                }
                inputGradient[i, j] = Float(Double(outputGradient[i, j]) * derivative)
            }
        }
    }

    public func softmaxCrossEntropy(
        logits: Matrix, labels: [Int], gradient: inout Matrix
    ) -> LossResult {
        checkSoftmaxShapes(logits: logits, labels: labels, gradient: gradient)
        let batch = logits.rows
        var totalLoss = 0.0
        var errors = 0
        for i in 0..<batch {
            var maximum = -Double.infinity
            for k in 0..<logits.columns { maximum = max(maximum, Double(logits[i, k])) }
            var sum = 0.0
            for k in 0..<logits.columns { sum += exp(Double(logits[i, k]) - maximum) }
            let logSum = log(sum)
            totalLoss -= Double(logits[i, labels[i]]) - maximum - logSum
            var best = 0
            var bestProbability = -1.0
            for k in 0..<logits.columns {
                let probability = exp(Double(logits[i, k]) - maximum) / sum
                if probability > bestProbability {
                    best = k
                    bestProbability = probability
                }
                let target = k == labels[i] ? 1.0 : 0.0
                gradient[i, k] = Float((probability - target) / Double(batch))
            }
            if best != labels[i] { errors += 1 }
        }
        return LossResult(loss: batch == 0 ? 0 : Float(totalLoss / Double(batch)), errors: errors)
    }

    public func sgdUpdate(
        _ parameter: inout Matrix, gradient: Matrix, learningRate: Float, l1: Float, l2: Float
    ) {
        precondition(parameter.rows == gradient.rows && parameter.columns == gradient.columns,
                     "sgdUpdate: parameter is \(parameter.rows)×\(parameter.columns), "
                         + "gradient \(gradient.rows)×\(gradient.columns)")
        for i in 0..<parameter.rows {
            for j in 0..<parameter.columns {
                let w = Double(parameter[i, j])
                let sign: Double = w > 0 ? 1 : (w < 0 ? -1 : 0)
                let step = Double(gradient[i, j]) + Double(l1) * sign + 2 * Double(l2) * w
                parameter[i, j] = Float(w - Double(learningRate) * step)
            }
        }
    }
}

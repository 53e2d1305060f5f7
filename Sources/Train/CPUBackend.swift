// CPUBackend: the kernels training runs on the CPU.
//
// GEMM goes to OpenBLAS (`cblas_sgemm`), single-threaded, on two threads of our own
// (`ThreadPair`) that share the tiles of C (`GEMMTiles`, `inPieces`); every other kernel is a loop over
// contiguous float32 buffers, written with unsafe buffer pointers and no
// cross-iteration dependencies so the compiler vectorizes it; tanh and the sigmoid go
// through `VectorMath`'s call-free polynomials, which vectorize too. `ReferenceBackend` is the oracle each kernel is tested against.

import CLinuxCalls
import COpenBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `Backend` on the CPU: OpenBLAS for matrix products, vectorized loops for the rest.
public struct CPUBackend: Backend, Sendable {
    /// Products smaller than this many multiply-adds run on one thread: below it, the
    /// split costs more than it saves.
    static let parallelMultiplyAdds = 1 << 18
    /// Elementwise kernels on fewer elements than this run on one thread.
    static let parallelElements = 1 << 16

    /// Process-wide settings training needs, made once:
    ///
    /// - OpenBLAS runs single-threaded inside each piece of a split product (`inPieces`);
    ///   its own thread pool would fight the pair for the cores.
    /// - Training allocates the same large matrices every minibatch (LeNet's first
    ///   convolution gives 23 MB at batch 500). By default glibc hands blocks that large back
    ///   to the kernel when they are freed, and the next minibatch faults in freshly zeroed
    ///   pages: about a tenth of a LeNet epoch. Here blocks up to 32 MB (glibc's largest
    ///   setting) come from the heap, and the heap keeps freed memory for reuse.
    private static let processSettings: Void = {
        openblas_set_num_threads(1)
        _ = clinux_keep_freed_memory(32 << 20)
    }()

    public init() {
        Self.processSettings
    }

    /// `C = alpha·op(A)·op(B) + beta·C` through `cblas_sgemm` (row-major).
    public func matmul(
        _ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool,
        alpha: Float, beta: Float, into c: inout Matrix
    ) {
        multiply(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &c) { _, _, _ in }
    }

    /// `f(input·weight + bias)` with the bias and activation applied to each tile of the
    /// product as soon as it is computed, by the thread that computed it: no second pass
    /// over the output, and the activation runs on both cores.
    public func denseForward(
        _ input: Matrix, weight: Matrix, bias: Matrix, activation: ActivationKind?, into output: inout Matrix
    ) {
        precondition(bias.rows == 1 && bias.columns == weight.columns,
                     "denseForward: bias is \(bias.rows)×\(bias.columns), weight \(weight.rows)×\(weight.columns)")
        let width = weight.columns
        bias.values.withUnsafeBufferPointer { b in
            multiply(input, transposeA: false, weight, transposeB: false, alpha: 1, beta: 0, into: &output) { c, rows, columns in
                for i in rows {
                    let row = UnsafeMutableBufferPointer(rebasing: c[(i * width + columns.lowerBound)..<(i * width + columns.upperBound)])
                    for j in row.indices { row[j] += b[columns.lowerBound + j] }
                    if let activation { Self.apply(activation, UnsafeBufferPointer(row), row) }
                }
            }
        }
    }

    /// `C = alpha·op(A)·op(B) + beta·C`, then `finish(C, rows, columns)` on each rectangle of
    /// C once it is computed, on the thread that computed it: C whole when the product is
    /// small, else the tiles of `GEMMTiles`, shared by the two threads (`inPieces`).
    private func multiply(
        _ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool,
        alpha: Float, beta: Float, into c: inout Matrix,
        finish: (UnsafeMutableBufferPointer<Float>, Range<Int>, Range<Int>) -> Void
    ) {
        let (m, n, k) = matmulShape(a, transposeA: transposeA, b, transposeB: transposeB, c)
        if m == 0 || n == 0 { return }
        if k == 0 {
            // op(A)·op(B) is all zeros; BLAS would also reject the zero leading dimension.
            c.values.withUnsafeMutableBufferPointer { out in
                for i in out.indices { out[i] = beta == 0 ? 0 : beta * out[i] }
                finish(out, 0..<m, 0..<n)
            }
            return
        }
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max),
                     "matmul: dimensions exceed the BLAS integer range")
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    let pc = pc
                    let product = GEMMProduct(
                        a: pa.baseAddress, lda: a.columns, transposeA: transposeA,
                        b: pb.baseAddress, ldb: b.columns, transposeB: transposeB,
                        c: pc.baseAddress, ldc: n, k: k, alpha: alpha, beta: beta)
                    if m * n * k < Self.parallelMultiplyAdds {
                        product.run(rows: 0..<m, columns: 0..<n)
                        finish(pc, 0..<m, 0..<n)
                    } else {
                        let tiles = GEMMTiles(rows: m, columns: n, k: k)
                        inPieces(tiles.count) { index, _ in
                            let tile = tiles[index]
                            product.run(rows: tile.rows, columns: tile.columns)
                            finish(pc, tile.rows, tile.columns)
                        }
                    }
                }
            }
        }
    }

    public func addRowVector(_ bias: Matrix, to matrix: inout Matrix) {
        precondition(bias.rows == 1 && bias.columns == matrix.columns,
                     "addRowVector: bias is \(bias.rows)×\(bias.columns), matrix has \(matrix.columns) columns")
        let (rows, columns) = (matrix.rows, matrix.columns)
        bias.values.withUnsafeBufferPointer { b in
            matrix.values.withUnsafeMutableBufferPointer { out in
                let out = out
                inHalves(of: rows, threshold: Self.parallelElements / max(columns, 1), grain: 1) { range in
                    for i in range {
                        let row = UnsafeMutableBufferPointer(rebasing: out[(i * columns)..<((i + 1) * columns)])
                        for j in 0..<columns { row[j] += b[j] }
                    }
                }
            }
        }
    }

    public func biasActivationForward(_ kind: ActivationKind, input: Matrix, bias: Matrix, into output: inout Matrix) {
        precondition(bias.rows == 1 && bias.columns == input.columns,
                     "biasActivationForward: bias is \(bias.rows)×\(bias.columns), input has \(input.columns) columns")
        precondition(output.rows == input.rows && output.columns == input.columns,
                     "biasActivationForward: output is \(output.rows)×\(output.columns), input \(input.rows)×\(input.columns)")
        let (rows, columns) = (input.rows, input.columns)
        input.values.withUnsafeBufferPointer { x in
            bias.values.withUnsafeBufferPointer { b in
                output.values.withUnsafeMutableBufferPointer { y in
                    let y = y
                    inHalves(of: rows, threshold: Self.parallelElements / max(columns, 1), grain: 1) { range in
                        // The activation runs over blocks of whole rows, which lie end to end:
                        // a convolution's rows are one pixel's 20 or 50 filters, too short
                        // for a vector loop to pay on its own.
                        let rowsPerBlock = max(1, 4096 / max(columns, 1))
                        for start in stride(from: range.lowerBound, to: range.upperBound, by: rowsPerBlock) {
                            let end = min(start + rowsPerBlock, range.upperBound)
                            for i in start..<end {
                                for j in 0..<columns { y[i * columns + j] = x[i * columns + j] + b[j] }
                            }
                            let block = UnsafeMutableBufferPointer(rebasing: y[(start * columns)..<(end * columns)])
                            Self.apply(kind, UnsafeBufferPointer(block), block)
                        }
                    }
                }
            }
        }
    }

    /// Large matrices (a LeNet layer's bias gradient sums 72,000 rows) in two halves of
    /// rows at once, each summed into its own row of partial sums; `sums` then gets the
    /// first half's and the second's, in that order, on any number of cores.
    public func accumulateColumnSums(of matrix: Matrix, into sums: inout Matrix) {
        precondition(sums.rows == 1 && sums.columns == matrix.columns,
                     "accumulateColumnSums: sums is \(sums.rows)×\(sums.columns), matrix has \(matrix.columns) columns")
        let (rows, columns) = (matrix.rows, matrix.columns)
        guard rows * columns >= Self.parallelElements, rows >= 2 else {
            matrix.values.withUnsafeBufferPointer { m in
                sums.values.withUnsafeMutableBufferPointer { s in
                    Self.addColumnSums(of: m, rows: 0..<rows, columns: columns, into: s)
                }
            }
            return
        }
        var partial = [Float](repeating: 0, count: 2 * columns)
        matrix.values.withUnsafeBufferPointer { m in
            partial.withUnsafeMutableBufferPointer { partial in
                let partial = partial
                inTwoHalves { half in
                    Self.addColumnSums(of: m, rows: half == 0 ? 0..<(rows / 2) : (rows / 2)..<rows, columns: columns,
                                       into: UnsafeMutableBufferPointer(rebasing: partial[(half * columns)..<((half + 1) * columns)]))
                }
            }
        }
        sums.values.withUnsafeMutableBufferPointer { s in
            for j in 0..<columns { s[j] = s[j] + partial[j] + partial[columns + j] }
        }
    }

    /// `sums[j] += Σ_{i in rows} matrix[i, j]`, row by row, so the inner loop runs along
    /// contiguous memory.
    private static func addColumnSums(
        of m: UnsafeBufferPointer<Float>, rows: Range<Int>, columns: Int, into s: UnsafeMutableBufferPointer<Float>
    ) {
        for i in rows {
            let row = UnsafeBufferPointer(rebasing: m[(i * columns)..<((i + 1) * columns)])
            for j in 0..<columns { s[j] += row[j] }
        }
    }

    public func activationForward(_ kind: ActivationKind, input: Matrix, into output: inout Matrix) {
        precondition(input.rows == output.rows && input.columns == output.columns,
                     "activationForward: shapes differ")
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                let y = y
                inHalves(of: x.count, threshold: Self.parallelElements) { range in
                    Self.apply(kind, UnsafeBufferPointer(rebasing: x[range]), UnsafeMutableBufferPointer(rebasing: y[range]))
                }
            }
        }
    }

    /// `y[i] = f(x[i])`; `x` and `y` may be the same memory.
    private static func apply(_ kind: ActivationKind, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        switch kind {
        case .tanh: VectorMath.tanh(x, y)
        case .sigmoid: VectorMath.sigmoid(x, y)
        case .relu: for i in 0..<x.count { y[i] = x[i] > 0 ? x[i] : 0 }
        }
    }

    public func activationBackward(
        _ kind: ActivationKind, output: Matrix, outputGradient: Matrix,
        into inputGradient: inout Matrix
    ) {
        precondition(output.rows == outputGradient.rows && output.columns == outputGradient.columns
                         && output.rows == inputGradient.rows && output.columns == inputGradient.columns,
                     "activationBackward: shapes differ")
        output.values.withUnsafeBufferPointer { y in
            outputGradient.values.withUnsafeBufferPointer { dy in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    let dx = dx
                    inHalves(of: y.count, threshold: Self.parallelElements) { range in
                        switch kind {
                        case .tanh:
                            for i in range { dx[i] = dy[i] * (1 - y[i] * y[i]) }
                        case .sigmoid:
                            for i in range { dx[i] = dy[i] * (y[i] * (1 - y[i])) }
                        case .relu:
                            for i in range { dx[i] = y[i] > 0 ? dy[i] : 0 }
                        }
                    }
                }
            }
        }
    }

    /// Rows from which `softmaxCrossEntropy` works in two halves at once: each row costs
    /// `classes` exponentials, so logistic regression's 600-row batches gain and the MLP's
    /// 20-row ones would only pay for waking the second thread.
    static let parallelSoftmaxRows = 256

    public func softmaxCrossEntropy(
        logits: Matrix, labels: [Int], gradient: inout Matrix
    ) -> LossResult {
        checkSoftmaxShapes(logits: logits, labels: labels, gradient: gradient)
        let (batch, classes) = (logits.rows, logits.columns)
        guard batch > 0 else { return LossResult(loss: 0, errors: 0) }
        let scale = 1 / Float(batch)
        // Each row is independent; the halves' losses are summed in float64 at the end.
        var first = (loss: 0.0, errors: 0)
        var second = (loss: 0.0, errors: 0)
        logits.values.withUnsafeBufferPointer { z in
            gradient.values.withUnsafeMutableBufferPointer { buffer in
                let g = buffer
                func rows(_ range: Range<Int>) -> (loss: Double, errors: Int) {
                    Self.softmaxRows(range, logits: z, labels: labels, classes: classes, scale: scale, gradient: g)
                }
                if batch >= Self.parallelSoftmaxRows {
                    let middle = batch / 2
                    inTwoHalves { half in
                        if half == 0 { first = rows(0..<middle) } else { second = rows(middle..<batch) }
                    }
                } else {
                    first = rows(0..<batch)
                }
            }
        }
        return LossResult(loss: Float((first.loss + second.loss) / Double(batch)), errors: first.errors + second.errors)
    }

    /// `softmaxCrossEntropy` for rows `range`: writes their gradient rows and returns their
    /// summed negative log-likelihood (float64) and error count.
    private static func softmaxRows(
        _ range: Range<Int>, logits z: UnsafeBufferPointer<Float>, labels: [Int], classes: Int, scale: Float,
        gradient g: UnsafeMutableBufferPointer<Float>
    ) -> (loss: Double, errors: Int) {
        var totalLoss = 0.0
        var errors = 0
        for i in range {
            let row = UnsafeBufferPointer(rebasing: z[(i * classes)..<((i + 1) * classes)])
            let p = UnsafeMutableBufferPointer(rebasing: g[(i * classes)..<((i + 1) * classes)])
            var maximum = -Float.infinity
            for k in 0..<classes { maximum = max(maximum, row[k]) }
            var sum: Float = 0
            for k in 0..<classes {
                p[k] = expf(row[k] - maximum)
                sum += p[k]
            }
            let label = labels[i]
            totalLoss -= Double(row[label] - maximum - logf(sum))
            // Probabilities, their argmax (first wins, as numpy.argmax), then the gradient.
            let inverse = 1 / sum
            var best = 0
            var bestProbability = -Float.infinity
            for k in 0..<classes {
                p[k] *= inverse
                if p[k] > bestProbability {
                    best = k
                    bestProbability = p[k]
                }
            }
            if best != label { errors += 1 }
            p[label] -= 1
            for k in 0..<classes { p[k] *= scale }
        }
        return (totalLoss, errors)
    }

    public func sgdUpdate(
        _ parameter: inout Matrix, gradient: Matrix, learningRate: Float, l1: Float, l2: Float
    ) {
        precondition(parameter.rows == gradient.rows && parameter.columns == gradient.columns,
                     "sgdUpdate: parameter is \(parameter.rows)×\(parameter.columns), "
                         + "gradient \(gradient.rows)×\(gradient.columns)")
        let twiceL2 = 2 * l2
        gradient.values.withUnsafeBufferPointer { dw in
            parameter.values.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count {
                    let sign: Float = (w[i] > 0 ? 1 : 0) - (w[i] < 0 ? 1 : 0)
                    w[i] -= learningRate * (dw[i] + l1 * sign + twiceL2 * w[i])
                }
            }
        }
    }
}

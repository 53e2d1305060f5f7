/// The kernels training needs, and nothing else.
///
/// A backend does the arithmetic; layers (`DenseLayer`, `Activation`,
/// `SoftmaxCrossEntropy`) decide what to compute and keep the state. Each
/// implementation lives in a file of its own: `CPUBackend` (OpenBLAS and
/// vectorized loops) for training, `ReferenceBackend` (plain loops) as the test
/// oracle. `CUDABackend` has the same method names and meanings on matrices in GPU
/// memory, as llm.c keeps its CPU reference next to each CUDA kernel.
///
/// Shapes are checked with `precondition`: a mismatch is a programming error.
public protocol Backend {
    /// General matrix multiply, `C = alpha·op(A)·op(B) + beta·C`, where `op(X)` is
    /// `Xᵀ` when the matching `transpose` flag is set and `X` otherwise.
    ///
    /// op(A) is M×K, op(B) is K×N and C is M×N. With `beta == 0`, C's previous
    /// contents are ignored (NaNs in it do not propagate), as in BLAS.
    func matmul(
        _ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool,
        alpha: Float, beta: Float, into c: inout Matrix)

    /// A dense layer's forward pass and its activation in one: `output = f(input·weight + bias)`,
    /// or `input·weight + bias` when `activation` is nil. input: B×I, weight: I×O, bias: 1×O,
    /// output: B×O (overwritten). The same numbers as `matmul`, `addRowVector` and
    /// `activationForward` one after the other, which is what the default does.
    func denseForward(
        _ input: Matrix, weight: Matrix, bias: Matrix, activation: ActivationKind?, into output: inout Matrix)

    /// `output = f(input + bias)`: the 1×N row vector `bias` added to every row of the M×N
    /// `input`, then the activation `kind`; `output` is M×N (overwritten). The same numbers
    /// as `addRowVector` and `activationForward` one after the other, which is what the
    /// default does.
    func biasActivationForward(_ kind: ActivationKind, input: Matrix, bias: Matrix, into output: inout Matrix)

    /// Adds the 1×N row vector `bias` to every row of the M×N `matrix`:
    /// `matrix[i, j] += bias[0, j]`.
    func addRowVector(_ bias: Matrix, to matrix: inout Matrix)

    /// Accumulates the column sums of the M×N `matrix` into the 1×N `sums`:
    /// `sums[0, j] += Σ_i matrix[i, j]`.
    func accumulateColumnSums(of matrix: Matrix, into sums: inout Matrix)

    /// Elementwise `output = f(input)` for the activation `kind`; same shapes.
    func activationForward(_ kind: ActivationKind, input: Matrix, into output: inout Matrix)

    /// Elementwise `inputGradient = outputGradient · f′(x)`, with f′ written in
    /// terms of the forward output y = f(x) (see `ActivationKind`); same shapes.
    func activationBackward(
        _ kind: ActivationKind, output: Matrix, outputGradient: Matrix,
        into inputGradient: inout Matrix)

    /// Softmax, mean negative log-likelihood and its gradient, fused.
    ///
    /// For B×K `logits` z and B labels y in 0..<K, with p = softmax(z) per row:
    ///
    ///     loss      = −(1/B) Σ_i log p[i, y_i]        (the tutorial's negative_log_likelihood)
    ///     gradient  = (p − onehot(y)) / B              (∂loss/∂z, written into `gradient`, B×K)
    ///     errors    = #{ i : argmax_k p[i, k] ≠ y_i }  (first index wins ties, as numpy.argmax)
    ///
    /// log p is computed as z − max(z) − log Σ exp(z − max(z)), so large logits
    /// neither overflow nor lose the loss to log(0).
    func softmaxCrossEntropy(
        logits: Matrix, labels: [Int], gradient: inout Matrix) -> LossResult

    /// One step of minibatch SGD on a parameter with L1 and L2 penalties.
    ///
    /// The tutorials minimise `cost = NLL + L1·Σ|W| + L2·ΣW²` and update
    /// `W ← W − lr·∂cost/∂W`; Theano's gradient of |w| is sign(w) (0 at 0), so
    ///
    ///     W ← W − lr·(dW + L1·sign(W) + 2·L2·W)
    ///
    /// where dW is `gradient` (∂NLL/∂W). The tutorials penalise weights only: pass
    /// `l1: 0, l2: 0` for biases. `parameter` and `gradient` have the same shape.
    func sgdUpdate(
        _ parameter: inout Matrix, gradient: Matrix, learningRate: Float, l1: Float, l2: Float)

    /// 'Valid' 2-D convolution of a batch of NHWC maps (see `ImageGeometry`) with O filters
    /// of K×K×C, as one product of input patches and filters:
    ///
    ///     output[b, (y·OW + x)·O + o] = Σ_{i,j,c} input[b, ((y+i)·W + x+j)·C + c] · weight[(i·K + j)·C + c, o]
    ///
    /// input: B × (H·W·C) with `geometry` H×W×C; weight: (K·K·C) × O, K = `kernel`;
    /// output: B × (OH·OW·O), OH = H − K + 1, OW = W − K + 1 (overwritten).
    func convolutionForward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, into output: inout Matrix)

    /// The gradients of `convolutionForward` for dy = ∂L/∂output (B × (OH·OW·O)):
    ///
    ///     weightGradient += Σ_b patches(input_b)ᵀ · dy_b                        (K·K·C) × O
    ///     inputGradient   = dy scattered back through the patches: for every
    ///                       (y, x, i, j), dx[b, (y+i, x+j)] += dy[b, (y, x)] · weight[(i, j), :]ᵀ
    ///
    /// `inputGradient` (B × (H·W·C)) is overwritten; pass nil when no input gradient is needed.
    func convolutionBackward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, outputGradient: Matrix,
        weightGradient: inout Matrix, inputGradient: inout Matrix?)

    /// `convolutionForward` into `convolved`, then `maxPoolForward` of it with windows of
    /// `poolSize` into `pooled`, the same numbers as the two calls, which is what the
    /// default does.
    func convolutionPoolForward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, poolSize: Int,
        convolved: inout Matrix, pooled: inout Matrix)

    /// The gradients of `convolutionPoolForward` for `pooledGradient` = ∂L/∂pooled:
    /// `maxPoolBackward` to the convolution's maps, then `convolutionBackward`, the same
    /// numbers as the two calls, which is what the default does.
    func poolConvolutionBackward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, poolSize: Int,
        convolved: Matrix, pooled: Matrix, pooledGradient: Matrix,
        weightGradient: inout Matrix, inputGradient: inout Matrix?)

    /// Non-overlapping `size`×`size` max-pooling of NHWC maps (Theano's `pool_2d`,
    /// `ignore_border=True`): output (B × (H/size · W/size · C)) holds each window's largest value.
    func maxPoolForward(input: Matrix, geometry: ImageGeometry, size: Int, into output: inout Matrix)

    /// The gradient of `maxPoolForward`, as Theano computes it: each window's dy goes to
    /// every input equal to the window's maximum (all of them on a tie), zero elsewhere and
    /// in the rows and columns the windows leave out. `inputGradient` is overwritten.
    func maxPoolBackward(
        input: Matrix, output: Matrix, outputGradient: Matrix, geometry: ImageGeometry, size: Int,
        into inputGradient: inout Matrix)
}

extension Backend {
    public func denseForward(
        _ input: Matrix, weight: Matrix, bias: Matrix, activation: ActivationKind?, into output: inout Matrix
    ) {
        matmul(input, transposeA: false, weight, transposeB: false, alpha: 1, beta: 0, into: &output)
        if let activation {
            let product = output
            biasActivationForward(activation, input: product, bias: bias, into: &output)
        } else {
            addRowVector(bias, to: &output)
        }
    }

    public func convolutionPoolForward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, poolSize: Int,
        convolved: inout Matrix, pooled: inout Matrix
    ) {
        convolutionForward(input: input, geometry: geometry, kernel: kernel, weight: weight, into: &convolved)
        maxPoolForward(input: convolved, geometry: geometry.convolved(kernel: kernel, outputs: weight.columns),
                       size: poolSize, into: &pooled)
    }

    public func poolConvolutionBackward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, poolSize: Int,
        convolved: Matrix, pooled: Matrix, pooledGradient: Matrix,
        weightGradient: inout Matrix, inputGradient: inout Matrix?
    ) {
        var convolvedGradient = Matrix(rows: convolved.rows, columns: convolved.columns, uninitialized: ())
        maxPoolBackward(input: convolved, output: pooled, outputGradient: pooledGradient,
                        geometry: geometry.convolved(kernel: kernel, outputs: weight.columns), size: poolSize,
                        into: &convolvedGradient)
        convolutionBackward(input: input, geometry: geometry, kernel: kernel, weight: weight,
                            outputGradient: convolvedGradient, weightGradient: &weightGradient,
                            inputGradient: &inputGradient)
    }

    public func biasActivationForward(_ kind: ActivationKind, input: Matrix, bias: Matrix, into output: inout Matrix) {
        var biased = input
        addRowVector(bias, to: &biased)
        activationForward(kind, input: biased, into: &output)
    }

    /// Checks the shapes of a `matmul` call and returns (M, N, K).
    func matmulShape(
        _ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool, _ c: Matrix
    ) -> (m: Int, n: Int, k: Int) {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(k == kb, "matmul: op(A) is \(m)×\(k) but op(B) is \(kb)×\(n)")
        precondition(
            c.rows == m && c.columns == n,
            "matmul: C is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        return (m, n, k)
    }

    /// Checks the shapes of a convolution call (`convolutionForward`, `convolutionBackward`)
    /// and returns the output geometry.
    func convolutionShape(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, output: Matrix
    ) -> ImageGeometry {
        precondition(kernel >= 1 && kernel <= geometry.height && kernel <= geometry.width,
                     "convolution: \(kernel)×\(kernel) kernel on \(geometry) maps")
        precondition(input.columns == geometry.count,
                     "convolution: input has \(input.columns) columns, \(geometry) maps have \(geometry.count)")
        precondition(weight.rows == kernel * kernel * geometry.channels,
                     "convolution: weight has \(weight.rows) rows, expected \(kernel)·\(kernel)·\(geometry.channels)")
        let result = geometry.convolved(kernel: kernel, outputs: weight.columns)
        precondition(output.rows == input.rows && output.columns == result.count,
                     "convolution: output is \(output.rows)×\(output.columns), expected \(input.rows)×\(result.count)")
        return result
    }

    /// Checks the shapes of a max-pooling call and returns the output geometry.
    func poolShape(input: Matrix, geometry: ImageGeometry, size: Int, output: Matrix) -> ImageGeometry {
        precondition(size >= 1 && size <= geometry.height && size <= geometry.width,
                     "maxPool: \(size)×\(size) windows on \(geometry) maps")
        precondition(input.columns == geometry.count,
                     "maxPool: input has \(input.columns) columns, \(geometry) maps have \(geometry.count)")
        let result = geometry.pooled(size: size)
        precondition(output.rows == input.rows && output.columns == result.count,
                     "maxPool: output is \(output.rows)×\(output.columns), expected \(input.rows)×\(result.count)")
        return result
    }

    /// Checks the shapes of a `softmaxCrossEntropy` call.
    func checkSoftmaxShapes(logits: Matrix, labels: [Int], gradient: Matrix) {
        precondition(labels.count == logits.rows,
                     "softmaxCrossEntropy: \(labels.count) labels for \(logits.rows) rows")
        precondition(gradient.rows == logits.rows && gradient.columns == logits.columns,
                     "softmaxCrossEntropy: gradient is \(gradient.rows)×\(gradient.columns), "
                         + "logits \(logits.rows)×\(logits.columns)")
        for label in labels {
            precondition(label >= 0 && label < logits.columns,
                         "softmaxCrossEntropy: label \(label) outside 0..<\(logits.columns)")
        }
    }
}

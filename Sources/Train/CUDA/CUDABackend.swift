// CUDABackend: the kernels training runs on an NVIDIA GPU.
//
// The methods carry `Backend`'s names and meanings, on matrices in GPU memory
// (`DeviceMatrix`) rather than host `Matrix` values: matrix products go to cuBLAS, the rest
// to the kernels of `CUDAKernels.source`, all queued on the device's one stream. Column
// sums (bias gradients) are products with a vector of ones, so no kernel needs a
// reduction. Next to `Backend`'s kernels are the fused steps the GPU layers train with:
// bias and activation in one pass, the softmax gradient without reading anything back, an
// SGD step folded into the weight-gradient product. The tests check each method against
// `ReferenceBackend`'s method of the same name.

/// `Backend`'s kernels on a CUDA GPU, for matrices in its memory.
public final class CUDABackend: @unchecked Sendable {
    public let device: CUDADevice
    /// A row of ones, for column sums as products; grown when a longer one is needed.
    private var ones: DeviceMatrix
    /// Work buffers reused from call to call (patches, their gradient, a weight gradient).
    private var scratch: [ScratchUse: DeviceBuffer] = [:]
    /// The integer the error-counting kernels add to.
    private let errorCounter: DeviceBuffer

    private enum ScratchUse { case patches, patchGradient, weightGradient, rowLoss }

    public init(device: CUDADevice) throws(CUDAError) {
        self.device = device
        errorCounter = try device.allocate(byteCount: 4)
        ones = try Self.onesRow(count: 1024, on: device)
    }

    /// A 1×`count` matrix of ones.
    private static func onesRow(count: Int, on device: CUDADevice) throws(CUDAError) -> DeviceMatrix {
        let row = DeviceMatrix(rows: 1, columns: count, buffer: try device.allocate(byteCount: count * 4))
        try device.launch(.fill, elements: count, [.address(row.address), .float(1), .int64(Int64(count))])
        return row
    }

    /// A row of `count` ones.
    private func onesRow(_ count: Int) throws(CUDAError) -> DeviceMatrix {
        if ones.columns < count { ones = try Self.onesRow(count: max(count, 2 * ones.columns), on: device) }
        return ones.columnsPrefix(count)
    }

    /// A work buffer of at least `floats` floats for `use`.
    private func scratch(_ use: ScratchUse, floats: Int) throws(CUDAError) -> DeviceBuffer {
        if let buffer = scratch[use], buffer.byteCount >= floats * 4 { return buffer }
        scratch[use] = nil  // freed before the larger one is taken
        let buffer = try device.allocate(byteCount: floats * 4)
        scratch[use] = buffer
        return buffer
    }

    // MARK: Matrices

    /// A `rows`×`columns` matrix in device memory, its elements not set.
    public func matrix(rows: Int, columns: Int) throws(CUDAError) -> DeviceMatrix {
        DeviceMatrix(rows: rows, columns: columns, buffer: try device.allocate(byteCount: rows * columns * 4))
    }

    /// A copy of `matrix` in device memory.
    public func upload(_ matrix: Matrix) throws(CUDAError) -> DeviceMatrix {
        let copy = try self.matrix(rows: matrix.rows, columns: matrix.columns)
        try copy.upload(matrix)
        return copy
    }

    // MARK: Backend's kernels

    /// `C = alpha·op(A)·op(B) + beta·C`, as `Backend.matmul` (op(A) m×k with k > 0).
    public func matmul(
        _ a: DeviceMatrix, transposeA: Bool, _ b: DeviceMatrix, transposeB: Bool,
        alpha: Float, beta: Float, into c: DeviceMatrix
    ) throws(CUDAError) {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(k == kb, "matmul: op(A) is \(m)×\(k) but op(B) is \(kb)×\(n)")
        precondition(c.rows == m && c.columns == n, "matmul: C is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        try device.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                         alpha: alpha, a: a.address, lda: a.columns, b: b.address, ldb: b.columns,
                         beta: beta, c: c.address, ldc: c.columns)
    }

    /// `matrix[i, j] += bias[0, j]`.
    public func addRowVector(_ bias: DeviceMatrix, to matrix: DeviceMatrix) throws(CUDAError) {
        try biasActivation(input: matrix, bias: bias, kind: nil, into: matrix)
    }

    /// `sums[0, j] += Σ_i matrix[i, j]`, as the product onesᵀ·matrix.
    public func accumulateColumnSums(of matrix: DeviceMatrix, into sums: DeviceMatrix) throws(CUDAError) {
        precondition(sums.rows == 1 && sums.columns == matrix.columns,
                     "accumulateColumnSums: sums is \(sums.rows)×\(sums.columns), matrix has \(matrix.columns) columns")
        guard matrix.rows > 0 else { return }
        try matmul(onesRow(matrix.rows), transposeA: false, matrix, transposeB: false, alpha: 1, beta: 1, into: sums)
    }

    /// `output = f(input)`; `output` may be `input`.
    public func activationForward(_ kind: ActivationKind, input: DeviceMatrix, into output: DeviceMatrix) throws(CUDAError) {
        try biasActivation(input: input, bias: nil, kind: kind, into: output)
    }

    /// `inputGradient = outputGradient · f′`, f′ from the forward output; `inputGradient` may
    /// be `outputGradient`.
    public func activationBackward(
        _ kind: ActivationKind, output: DeviceMatrix, outputGradient: DeviceMatrix, into inputGradient: DeviceMatrix
    ) throws(CUDAError) {
        precondition(output.count == outputGradient.count && output.count == inputGradient.count, "activationBackward: shapes differ")
        try device.launch(.activationBackward, elements: output.count, [
            .address(output.address), .address(outputGradient.address), .address(inputGradient.address),
            .int64(Int64(output.count)), .int32(CUDAKernels.code(of: kind))])
    }

    /// Softmax, mean negative log-likelihood and its gradient, as `Backend.softmaxCrossEntropy`;
    /// reads the loss and error count back (training uses `softmaxGradient`, which does not).
    public func softmaxCrossEntropy(logits: DeviceMatrix, labels: DeviceLabels, gradient: DeviceMatrix) throws(CUDAError) -> LossResult {
        precondition(labels.count == logits.rows, "softmaxCrossEntropy: \(labels.count) labels for \(logits.rows) rows")
        guard logits.rows > 0 else { return LossResult(loss: 0, errors: 0) }
        let rowLoss = DeviceMatrix(rows: logits.rows, columns: 1, buffer: try scratch(.rowLoss, floats: logits.rows))
        try resetErrorCount()
        try softmax(logits: logits, bias: nil, labels: labels, gradient: gradient, rowLoss: rowLoss, countErrors: true,
                    scale: 1 / Float(logits.rows))
        let losses = try rowLoss.download().values
        let total = losses.reduce(0.0) { $0 + Double($1) }  // summed in float64, as the CPU does
        return LossResult(loss: Float(total / Double(logits.rows)), errors: try errorCount())
    }

    /// `W ← W − lr·(dW + L1·sign(W) + 2·L2·W)`.
    public func sgdUpdate(_ parameter: DeviceMatrix, gradient: DeviceMatrix, learningRate: Float, l1: Float, l2: Float) throws(CUDAError) {
        precondition(parameter.rows == gradient.rows && parameter.columns == gradient.columns,
                     "sgdUpdate: parameter is \(parameter.rows)×\(parameter.columns), gradient \(gradient.rows)×\(gradient.columns)")
        try device.launch(.sgdStep, elements: parameter.count, [
            .address(parameter.address), .address(gradient.address), .int64(Int64(parameter.count)),
            .float(learningRate), .float(l1), .float(l2)])
    }

    // MARK: Fused steps for training

    /// `output[i, j] = f(input[i, j] + bias[0, j])`, f the identity for a nil `kind`, no bias for
    /// a nil `bias`; `output` may be `input`.
    public func biasActivation(input: DeviceMatrix, bias: DeviceMatrix?, kind: ActivationKind?, into output: DeviceMatrix) throws(CUDAError) {
        precondition(input.rows == output.rows && input.columns == output.columns, "biasActivation: shapes differ")
        if let bias {
            precondition(bias.count == input.columns, "biasActivation: \(bias.count) biases for \(input.columns) columns")
        }
        try device.launch(.biasActivation, elements: input.count, [
            .address(input.address), .address(bias?.address ?? 0), .address(output.address),
            .int64(Int64(input.rows)), .int32(Int32(input.columns)), .int32(CUDAKernels.code(of: kind))])
    }

    /// The softmax cross-entropy kernel on `logits + bias`: the gradient (scaled by `scale`)
    /// when given, per-row losses when given, and the errors added to the device's count.
    func softmax(
        logits: DeviceMatrix, bias: DeviceMatrix?, labels: DeviceLabels, gradient: DeviceMatrix?, rowLoss: DeviceMatrix?,
        countErrors: Bool, scale: Float
    ) throws(CUDAError) {
        precondition(labels.count == logits.rows, "softmax: \(labels.count) labels for \(logits.rows) rows")
        if let gradient { precondition(gradient.rows == logits.rows && gradient.columns == logits.columns, "softmax: gradient shape") }
        if let bias { precondition(bias.count == logits.columns, "softmax: \(bias.count) biases for \(logits.columns) classes") }
        try device.launch(.softmaxCrossEntropy, elements: logits.rows, [
            .address(logits.address), .address(bias?.address ?? 0), .address(labels.address),
            .address(gradient?.address ?? 0), .address(rowLoss?.address ?? 0), .address(countErrors ? errorCounter.address : 0),
            .int64(Int64(logits.rows)), .int32(Int32(logits.columns)), .float(scale)])
    }

    /// Sets the device's error count to zero.
    public func resetErrorCount() throws(CUDAError) {
        try device.fill32(errorCounter.address, value: 0, count: 1)
    }

    /// The device's error count, read back once the work queued before is done.
    public func errorCount() throws(CUDAError) -> Int {
        var count: Int32 = 0
        try withUnsafeMutableBytes(of: &count) { bytes in
            Result { () throws(CUDAError) in try device.download(from: errorCounter.address, into: bytes) }
        }.get()
        return Int(count)
    }

    /// The SGD step of a weight whose gradient is `inputᵀ·outputGradient`:
    /// `W ← W − lr·(xᵀ·dy + L1·sign(W) + 2·L2·W)`. Without L1 it is one product straight
    /// into W, `W ← (1 − 2·lr·L2)·W − lr·xᵀ·dy`, as on the CPU; with L1, dW goes through a
    /// work buffer and `sgdUpdate`.
    func stepWeight(_ weight: DeviceMatrix, input: DeviceMatrix, outputGradient: DeviceMatrix,
                    learningRate: Float, l1: Float, l2: Float) throws(CUDAError) {
        if l1 == 0 {
            try matmul(input, transposeA: true, outputGradient, transposeB: false,
                       alpha: -learningRate, beta: 1 - 2 * learningRate * l2, into: weight)
        } else {
            let gradient = DeviceMatrix(rows: weight.rows, columns: weight.columns, buffer: try scratch(.weightGradient, floats: weight.count))
            try matmul(input, transposeA: true, outputGradient, transposeB: false, alpha: 1, beta: 0, into: gradient)
            try sgdUpdate(weight, gradient: gradient, learningRate: learningRate, l1: l1, l2: l2)
        }
    }

    /// The SGD step of a bias (never penalised): `b ← b − lr·Σ_rows dy`, one product with ones.
    func stepBias(_ bias: DeviceMatrix, outputGradient: DeviceMatrix, learningRate: Float) throws(CUDAError) {
        precondition(bias.rows == 1 && bias.columns == outputGradient.columns, "stepBias: bias and gradient widths differ")
        guard outputGradient.rows > 0 else { return }
        try matmul(onesRow(outputGradient.rows), transposeA: false, outputGradient, transposeB: false,
                   alpha: -learningRate, beta: 1, into: bias)
    }

    /// A work matrix for the patches of a convolution (`rows` × `columns`).
    func patchMatrix(rows: Int, columns: Int, gradient: Bool = false) throws(CUDAError) -> DeviceMatrix {
        DeviceMatrix(rows: rows, columns: columns, buffer: try scratch(gradient ? .patchGradient : .patches, floats: rows * columns))
    }
}

extension DeviceMatrix {
    /// The first `count` columns of a one-row matrix, as a view.
    func columnsPrefix(_ count: Int) -> DeviceMatrix {
        precondition(rows == 1 && count <= columns, "DeviceMatrix.columnsPrefix: \(count) of \(rows)×\(columns)")
        return DeviceMatrix(rows: 1, columns: count, buffer: buffer, offset: offset)
    }
}

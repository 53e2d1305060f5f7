// CUDABackend's convolution and max-pooling: a convolution is im2col into a work matrix
// and one cuBLAS product, as on the CPU, for the whole batch at once; the input gradient
// is the product with the filters, gathered back by col2im (each input element sums its own
// patch entries, so no two threads write one place).

extension CUDABackend {
    /// 'Valid' convolution of NHWC maps, as `Backend.convolutionForward`:
    /// output (B × OH·OW·O) = patches(input) · weight.
    public func convolutionForward(
        input: DeviceMatrix, geometry: ImageGeometry, kernel: Int, weight: DeviceMatrix, into output: DeviceMatrix
    ) throws(CUDAError) {
        let out = checkConvolution(input: input, geometry: geometry, kernel: kernel, weight: weight, output: output)
        let patches = try gatherPatches(input: input, geometry: geometry, kernel: kernel, output: out)
        try matmul(patches, transposeA: false, weight, transposeB: false, alpha: 1, beta: 0,
                   into: output.reshaped(rows: input.rows * out.pixels, columns: out.channels))
    }

    /// The gradients of `convolutionForward`, as `Backend.convolutionBackward`:
    /// `weightGradient += patchesᵀ·dy`, and `inputGradient` (when given) overwritten with dy
    /// sent back through the patches.
    public func convolutionBackward(
        input: DeviceMatrix, geometry: ImageGeometry, kernel: Int, weight: DeviceMatrix, outputGradient: DeviceMatrix,
        weightGradient: DeviceMatrix, inputGradient: DeviceMatrix?
    ) throws(CUDAError) {
        let out = checkConvolution(input: input, geometry: geometry, kernel: kernel, weight: weight, output: outputGradient)
        let patches = try gatherPatches(input: input, geometry: geometry, kernel: kernel, output: out)
        let dy = outputGradient.reshaped(rows: input.rows * out.pixels, columns: out.channels)
        try matmul(patches, transposeA: true, dy, transposeB: false, alpha: 1, beta: 1, into: weightGradient)
        if let inputGradient {
            try scatterPatchGradient(dy, geometry: geometry, kernel: kernel, weight: weight, into: inputGradient)
        }
    }

    /// Backward and SGD step of a convolution in one: `inputGradient` (when given) with the
    /// filters of before the step, then `W ← W − lr·(patchesᵀ·dy + L1·sign(W) + 2·L2·W)`.
    func convolutionBackwardAndStep(
        input: DeviceMatrix, geometry: ImageGeometry, kernel: Int, weight: DeviceMatrix, outputGradient: DeviceMatrix,
        inputGradient: DeviceMatrix?, learningRate: Float, l1: Float, l2: Float
    ) throws(CUDAError) {
        let out = checkConvolution(input: input, geometry: geometry, kernel: kernel, weight: weight, output: outputGradient)
        let patches = try gatherPatches(input: input, geometry: geometry, kernel: kernel, output: out)
        let dy = outputGradient.reshaped(rows: input.rows * out.pixels, columns: out.channels)
        if let inputGradient {
            try scatterPatchGradient(dy, geometry: geometry, kernel: kernel, weight: weight, into: inputGradient)
        }
        try stepWeight(weight, input: patches, outputGradient: dy, learningRate: learningRate, l1: l1, l2: l2)
    }

    /// Max-pooling, as `Backend.maxPoolForward`.
    public func maxPoolForward(input: DeviceMatrix, geometry: ImageGeometry, size: Int, into output: DeviceMatrix) throws(CUDAError) {
        try maxPool(input: input, geometry: geometry, size: size, into: output, bias: nil, kind: nil, activated: nil)
    }

    /// Max-pooling into `pooled`, and `activated = f(pooled + bias)` per channel when
    /// `activated` is given: the ConvPool layer's forward after its convolution, in one pass.
    func maxPool(
        input: DeviceMatrix, geometry: ImageGeometry, size: Int, into pooled: DeviceMatrix,
        bias: DeviceMatrix?, kind: ActivationKind?, activated: DeviceMatrix?
    ) throws(CUDAError) {
        let out = geometry.pooled(size: size)
        precondition(input.columns == geometry.count, "maxPool: input has \(input.columns) columns, \(geometry) maps have \(geometry.count)")
        precondition(pooled.rows == input.rows && pooled.columns == out.count, "maxPool: output is \(pooled.rows)×\(pooled.columns)")
        if let activated {
            precondition(activated.rows == pooled.rows && activated.columns == pooled.columns && bias?.count == geometry.channels,
                         "maxPool: activated output or bias shape")
        }
        try device.launch(.maxPoolForward, elements: pooled.count, [
            .address(input.address), .address(pooled.address), .address(bias?.address ?? 0), .address(activated?.address ?? 0),
            .int32(Int32(input.rows)), .int32(Int32(geometry.height)), .int32(Int32(geometry.width)),
            .int32(Int32(geometry.channels)), .int32(Int32(size)), .int32(CUDAKernels.code(of: kind))])
    }

    /// The max-pooling gradient with Theano's tie rule, as `Backend.maxPoolBackward`.
    public func maxPoolBackward(
        input: DeviceMatrix, output: DeviceMatrix, outputGradient: DeviceMatrix, geometry: ImageGeometry, size: Int,
        into inputGradient: DeviceMatrix
    ) throws(CUDAError) {
        let out = geometry.pooled(size: size)
        precondition(input.columns == geometry.count && inputGradient.rows == input.rows && inputGradient.columns == input.columns,
                     "maxPoolBackward: input or input gradient shape")
        precondition(output.rows == input.rows && output.columns == out.count && outputGradient.rows == output.rows
                         && outputGradient.columns == output.columns, "maxPoolBackward: output or output gradient shape")
        try device.launch(.maxPoolBackward, elements: input.count, [
            .address(input.address), .address(output.address), .address(outputGradient.address), .address(inputGradient.address),
            .int32(Int32(input.rows)), .int32(Int32(geometry.height)), .int32(Int32(geometry.width)),
            .int32(Int32(geometry.channels)), .int32(Int32(size))])
    }

    /// Checks a convolution's shapes and returns the output geometry.
    private func checkConvolution(
        input: DeviceMatrix, geometry: ImageGeometry, kernel: Int, weight: DeviceMatrix, output: DeviceMatrix
    ) -> ImageGeometry {
        precondition(kernel >= 1 && kernel <= geometry.height && kernel <= geometry.width, "convolution: \(kernel)×\(kernel) kernel on \(geometry) maps")
        precondition(input.columns == geometry.count, "convolution: input has \(input.columns) columns, \(geometry) maps have \(geometry.count)")
        precondition(weight.rows == kernel * kernel * geometry.channels, "convolution: weight has \(weight.rows) rows")
        let result = geometry.convolved(kernel: kernel, outputs: weight.columns)
        precondition(output.rows == input.rows && output.columns == result.count,
                     "convolution: output is \(output.rows)×\(output.columns), expected \(input.rows)×\(result.count)")
        return result
    }

    /// The patch matrix of `input`, (B·OH·OW) × (K·K·C), in the backend's work buffer.
    private func gatherPatches(input: DeviceMatrix, geometry: ImageGeometry, kernel: Int, output: ImageGeometry) throws(CUDAError) -> DeviceMatrix {
        let patches = try patchMatrix(rows: input.rows * output.pixels, columns: kernel * kernel * geometry.channels)
        try device.launch(.im2col, elements: patches.count, [
            .address(input.address), .address(patches.address), .int32(Int32(input.rows)), .int32(Int32(geometry.height)),
            .int32(Int32(geometry.width)), .int32(Int32(geometry.channels)), .int32(Int32(kernel))])
        return patches
    }

    /// `inputGradient` = col2im(dy·Wᵀ): the patch gradient, summed back onto the pixels.
    private func scatterPatchGradient(
        _ dy: DeviceMatrix, geometry: ImageGeometry, kernel: Int, weight: DeviceMatrix, into inputGradient: DeviceMatrix
    ) throws(CUDAError) {
        precondition(inputGradient.columns == geometry.count, "convolution: input gradient has \(inputGradient.columns) columns")
        let patchGradient = try patchMatrix(rows: dy.rows, columns: weight.rows, gradient: true)
        try matmul(dy, transposeA: false, weight, transposeB: true, alpha: 1, beta: 0, into: patchGradient)
        try device.launch(.col2im, elements: inputGradient.count, [
            .address(patchGradient.address), .address(inputGradient.address), .int32(Int32(inputGradient.rows)),
            .int32(Int32(geometry.height)), .int32(Int32(geometry.width)), .int32(Int32(geometry.channels)), .int32(Int32(kernel))])
    }
}

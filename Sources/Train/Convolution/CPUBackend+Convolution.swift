// CPUBackend's convolution and max-pooling kernels.
//
// A convolution is a matrix product of input patches and filters (im2col). The patch
// matrix of a whole LeNet batch would be 64 MB, so it is built a few examples at a time
// into a buffer that stays in cache (about 256 patch rows), multiplied by OpenBLAS, and
// dropped; the backward pass builds it again rather than keeping it. In the NHWC layout
// (`ImageGeometry`) each kernel row of a patch is one contiguous run of K·C floats, so
// building a patch row is K copies. Single-channel input (LeNet's first layer, where such
// runs are only K floats) gets the transposed patch matrix instead, whose rows are runs of
// a whole output row (`PatchPlan.patchesTransposed`).
//
// The two threads (`ThreadPair`) share the chunks (`inPieces`). Each chunk writes its own
// rows of the output and input gradient; the weight gradient is summed per fixed group of
// chunks and the sums added in group order, so the result does not depend on which thread
// ran what, nor on how many cores there are.
//
// LeNet's layers pool what they convolve: `convolutionPoolForward` pools each chunk as
// soon as it is computed, and `poolConvolutionBackward` routes the pooling's gradient a
// chunk at a time into a buffer the convolution's products read at once, so the
// convolution's large maps and their gradient cross memory once rather than three times.

import COpenBLAS

extension CPUBackend {
    /// Patch rows per im2col chunk, a few examples' worth: enough rows for an efficient
    /// product, few enough that the chunk stays in the core's cache.
    static let patchRowsPerChunk = 256

    public func convolutionForward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, into output: inout Matrix
    ) {
        let out = convolutionShape(input: input, geometry: geometry, kernel: kernel, weight: weight, output: output)
        convolveInChunks(input: input, geometry: geometry, kernel: kernel, weight: weight, output: out, into: &output) { _, _ in }
    }

    /// The convolution, and each chunk of examples pooled as soon as the product has
    /// written its maps, while they are still in the core's cache: pooling afterwards would
    /// read all of them back from memory (23 MB for LeNet's first layer at batch 500).
    public func convolutionPoolForward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, poolSize: Int,
        convolved: inout Matrix, pooled: inout Matrix
    ) {
        let out = convolutionShape(input: input, geometry: geometry, kernel: kernel, weight: weight, output: convolved)
        let pool = poolShape(input: convolved, geometry: out, size: poolSize, output: pooled)
        pooled.values.withUnsafeMutableBufferPointer { target in
            let target = target.baseAddress!
            convolveInChunks(input: input, geometry: geometry, kernel: kernel, weight: weight, output: out, into: &convolved) { chunk, maps in
                for b in chunk {
                    poolExample(UnsafePointer(maps + b * out.count), geometry: out, size: poolSize, into: target + b * pool.count, pooled: pool)
                }
            }
        }
    }

    /// output = patches(input)·W, a chunk of examples at a time, the chunks shared by the
    /// two threads (`inPieces`), calling `finished(chunk, output)` on the thread that
    /// computed each chunk.
    private func convolveInChunks(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, output out: ImageGeometry,
        into output: inout Matrix, finished: (Range<Int>, UnsafeMutablePointer<Float>) -> Void
    ) {
        let plan = PatchPlan(geometry: geometry, kernel: kernel, output: out)
        let chunks = plan.chunks(of: 0..<input.rows)
        var patches = uninitializedFloats(2 * plan.chunkBufferCount)  // one buffer per thread
        input.values.withUnsafeBufferPointer { x in
            weight.values.withUnsafeBufferPointer { w in
                output.values.withUnsafeMutableBufferPointer { y in
                    patches.withUnsafeMutableBufferPointer { patches in
                        let (x, w, y, patches) = (x, w, y, patches)
                        inPieces(chunks.count) { index, thread in
                            let chunk = chunks[index]
                            let buffer = UnsafeMutableBufferPointer(
                                rebasing: patches[(thread * plan.chunkBufferCount)..<((thread + 1) * plan.chunkBufferCount)])
                            plan.gather(examples: chunk, from: x, into: buffer)
                            // y[chunk] = patches · W: (rows × KKC)·(KKC × O)
                            sgemm(rows: chunk.count * plan.patchRowsPerExample, columns: out.channels, depth: plan.patchWidth,
                                  a: buffer.baseAddress, transposeA: plan.patchesTransposed, b: w.baseAddress, transposeB: false,
                                  alpha: 1, beta: 0, c: y.baseAddress! + chunk.lowerBound * out.count)
                            finished(chunk, y.baseAddress!)
                        }
                    }
                }
            }
        }
    }

    public func convolutionBackward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, outputGradient: Matrix,
        weightGradient: inout Matrix, inputGradient: inout Matrix?
    ) {
        let out = convolutionShape(input: input, geometry: geometry, kernel: kernel, weight: weight, output: outputGradient)
        outputGradient.values.withUnsafeBufferPointer { dy in
            let dy = dy
            backpropagateInChunks(input: input, geometry: geometry, kernel: kernel, weight: weight, output: out,
                                  weightGradient: &weightGradient, inputGradient: &inputGradient) { chunk, _ in
                dy.baseAddress! + chunk.lowerBound * out.count
            }
        }
    }

    /// The pooling's gradient routed to the convolution's maps a chunk of examples at a
    /// time, into a buffer that stays in cache and goes straight into the convolution's
    /// products: the maps' whole gradient (23 MB for LeNet's first layer) is never written.
    public func poolConvolutionBackward(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, poolSize: Int,
        convolved: Matrix, pooled: Matrix, pooledGradient: Matrix,
        weightGradient: inout Matrix, inputGradient: inout Matrix?
    ) {
        let out = convolutionShape(input: input, geometry: geometry, kernel: kernel, weight: weight, output: convolved)
        let pool = poolShape(input: convolved, geometry: out, size: poolSize, output: pooled)
        precondition(pooledGradient.rows == pooled.rows && pooledGradient.columns == pooled.columns,
                     "poolConvolutionBackward: pooledGradient shape differs from pooled's")
        let coversMaps = out.height % poolSize == 0 && out.width % poolSize == 0
        convolved.values.withUnsafeBufferPointer { a in
            pooled.values.withUnsafeBufferPointer { m in
                pooledGradient.values.withUnsafeBufferPointer { dm in
                    let (a, m, dm) = (a.baseAddress!, m.baseAddress!, dm.baseAddress!)
                    backpropagateInChunks(input: input, geometry: geometry, kernel: kernel, weight: weight, output: out,
                                          weightGradient: &weightGradient, inputGradient: &inputGradient) { chunk, buffer in
                        if !coversMaps { buffer.update(repeating: 0, count: chunk.count * out.count) }
                        for (index, b) in chunk.enumerated() {
                            routeExample(values: a + b * out.count, geometry: out, size: poolSize,
                                         largest: m + b * pool.count, gradient: dm + b * pool.count, pooled: pool,
                                         into: buffer + index * out.count)
                        }
                        return UnsafePointer(buffer)
                    }
                }
            }
        }
    }

    /// Groups of consecutive chunks in the backward pass, each summing its own partial
    /// weight gradient: enough for the two threads to share the work evenly, few enough that
    /// adding the partials up costs little.
    static let backwardGroups = 16

    /// The gradients of the convolution, a chunk of examples at a time: `outputGradient(chunk,
    /// buffer)` gives the chunk's rows of dy, either from a whole dy or written into `buffer`
    /// (room for a chunk's rows of the output).
    ///
    /// The chunks are cut into `backwardGroups` fixed groups that the two threads share
    /// (`inPieces`). Each chunk writes its own rows of the input gradient; each group sums
    /// its own partial weight gradient, and the partials are added to `weightGradient` in
    /// group order, so the result does not depend on which thread ran which group, nor on
    /// how many cores there are.
    private func backpropagateInChunks(
        input: Matrix, geometry: ImageGeometry, kernel: Int, weight: Matrix, output out: ImageGeometry,
        weightGradient: inout Matrix, inputGradient: inout Matrix?,
        outputGradient: (Range<Int>, UnsafeMutablePointer<Float>) -> UnsafePointer<Float>
    ) {
        precondition(weightGradient.rows == weight.rows && weightGradient.columns == weight.columns,
                     "convolutionBackward: weightGradient shape differs from weight's")
        let plan = PatchPlan(geometry: geometry, kernel: kernel, output: out)
        let chunks = plan.chunks(of: 0..<input.rows)
        let groups = min(chunks.count, Self.backwardGroups)
        let wantsInputGradient = inputGradient != nil
        var dx = wantsInputGradient ? Matrix(rows: input.rows, columns: input.columns) : Matrix(rows: 0, columns: 0)
        var partial = [Float](repeating: 0, count: groups * weight.count)
        // Scratch for each thread: patches, their gradient, and a chunk's rows of dy.
        let rowsPerChunk = plan.chunkExamples * plan.patchRowsPerExample
        let patchGradientCount = wantsInputGradient ? rowsPerChunk * plan.patchWidth : 0
        let scratchCount = plan.chunkBufferCount + patchGradientCount + plan.chunkExamples * out.count
        var scratch = uninitializedFloats(2 * scratchCount)
        input.values.withUnsafeBufferPointer { x in
            weight.values.withUnsafeBufferPointer { w in
                dx.values.withUnsafeMutableBufferPointer { dx in
                    partial.withUnsafeMutableBufferPointer { partial in
                        scratch.withUnsafeMutableBufferPointer { scratch in
                            let (x, w, dx, partial, scratch) = (x, w, dx, partial, scratch)
                            inPieces(groups) { group, thread in
                                let patches = UnsafeMutableBufferPointer(
                                    rebasing: scratch[(thread * scratchCount)..<(thread * scratchCount + plan.chunkBufferCount)])
                                let patchGradient = patches.baseAddress! + plan.chunkBufferCount
                                let gradientBuffer = patchGradient + patchGradientCount
                                let dw = partial.baseAddress! + group * weight.count
                                for index in (chunks.count * group / groups)..<(chunks.count * (group + 1) / groups) {
                                    let chunk = chunks[index]
                                    let rows = chunk.count * plan.patchRowsPerExample
                                    let dyChunk = outputGradient(chunk, gradientBuffer)
                                    plan.gather(examples: chunk, from: x, into: patches)
                                    // dW += patchesᵀ · dy: (KKC × rows)·(rows × O)
                                    sgemm(rows: plan.patchWidth, columns: out.channels, depth: rows,
                                          a: patches.baseAddress, transposeA: !plan.patchesTransposed, b: dyChunk, transposeB: false,
                                          alpha: 1, beta: 1, c: dw)
                                    guard wantsInputGradient else { continue }
                                    // dPatches = dy · Wᵀ: (rows × O)·(O × KKC), then scattered back.
                                    sgemm(rows: rows, columns: plan.patchWidth, depth: out.channels,
                                          a: dyChunk, transposeA: false, b: w.baseAddress, transposeB: true,
                                          alpha: 1, beta: 0, c: patchGradient)
                                    plan.scatterAdd(examples: chunk, from: UnsafeBufferPointer(start: patchGradient, count: rows * plan.patchWidth),
                                                    into: dx)
                                }
                            }
                        }
                    }
                }
            }
        }
        weightGradient.values.withUnsafeMutableBufferPointer { total in
            partial.withUnsafeBufferPointer { partial in
                let total = total
                inHalves(of: total.count, threshold: Self.parallelElements / groups) { range in
                    for i in range {
                        var sum = total[i]
                        for group in 0..<groups { sum += partial[group * weight.count + i] }
                        total[i] = sum
                    }
                }
            }
        }
        if wantsInputGradient { inputGradient = dx }
    }

    public func maxPoolForward(input: Matrix, geometry: ImageGeometry, size: Int, into output: inout Matrix) {
        let out = poolShape(input: input, geometry: geometry, size: size, output: output)
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                let y = y
                inHalves(of: input.rows, threshold: 2, grain: 1) { examples in
                    for b in examples {
                        poolExample(x.baseAddress! + b * geometry.count, geometry: geometry, size: size,
                                    into: y.baseAddress! + b * out.count, pooled: out)
                    }
                }
            }
        }
    }

    public func maxPoolBackward(
        input: Matrix, output: Matrix, outputGradient: Matrix, geometry: ImageGeometry, size: Int,
        into inputGradient: inout Matrix
    ) {
        let out = poolShape(input: input, geometry: geometry, size: size, output: output)
        precondition(outputGradient.rows == output.rows && outputGradient.columns == output.columns,
                     "maxPoolBackward: outputGradient shape differs from output's")
        if inputGradient.rows != input.rows || inputGradient.columns != input.columns {
            inputGradient = Matrix(rows: input.rows, columns: input.columns)
        } else if geometry.height % size != 0 || geometry.width % size != 0 {
            // Rows and columns the windows leave out get no gradient; the windows write the rest.
            inputGradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeBufferPointer { y in
                outputGradient.values.withUnsafeBufferPointer { dy in
                    inputGradient.values.withUnsafeMutableBufferPointer { dx in
                        let dx = dx
                        inHalves(of: input.rows, threshold: 2, grain: 1) { examples in
                            for b in examples {
                                routeExample(values: x.baseAddress! + b * geometry.count, geometry: geometry, size: size,
                                             largest: y.baseAddress! + b * out.count, gradient: dy.baseAddress! + b * out.count,
                                             pooled: out, into: dx.baseAddress! + b * geometry.count)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Max-pools one example's maps (`geometry`) into its `pooled` maps.
@inline(__always)
private func poolExample(
    _ maps: UnsafePointer<Float>, geometry: ImageGeometry, size: Int,
    into target: UnsafeMutablePointer<Float>, pooled out: ImageGeometry
) {
    let channels = geometry.channels
    for py in 0..<out.height {
        for px in 0..<out.width {
            poolWindow(corner: maps + ((py * size) * geometry.width + px * size) * channels,
                       rowStride: geometry.width * channels, size: size,
                       into: target + (py * out.width + px) * channels, channels: channels)
        }
    }
}

/// One example's pooling gradient: each window's gradient to the window's maxima, zero to
/// the window's other values. Values the windows leave out are not written.
@inline(__always)
private func routeExample(
    values: UnsafePointer<Float>, geometry: ImageGeometry, size: Int,
    largest: UnsafePointer<Float>, gradient: UnsafePointer<Float>, pooled out: ImageGeometry,
    into target: UnsafeMutablePointer<Float>
) {
    let channels = geometry.channels
    for py in 0..<out.height {
        for px in 0..<out.width {
            let pixel = (py * out.width + px) * channels
            let corner = ((py * size) * geometry.width + px * size) * channels
            routeToMaxima(values: values + corner, rowStride: geometry.width * channels, size: size,
                          largest: largest + pixel, gradient: gradient + pixel, into: target + corner, channels: channels)
        }
    }
}

/// The largest of each channel over one size×size window whose top-left pixel is at
/// `corner` (window rows `rowStride` floats apart), into `pooled`: the first pixel, then each
/// later pixel in row order wherever it is larger. Four channels at a time, in registers:
/// Swift's `max` on floats compiles to branches, and a copy then a pass per pixel cost a
/// call and a load and store per pixel.
@inline(__always)
private func poolWindow(
    corner: UnsafePointer<Float>, rowStride: Int, size: Int, into pooled: UnsafeMutablePointer<Float>, channels: Int
) {
    let vectors = channels / 4 * 4
    var c = 0
    while c < vectors {
        var largest = UnsafeRawPointer(corner + c).loadUnaligned(as: SIMD4<Float>.self)
        for i in 0..<size {
            for j in 0..<size where i > 0 || j > 0 {
                let value = UnsafeRawPointer(corner + i * rowStride + j * channels + c).loadUnaligned(as: SIMD4<Float>.self)
                largest.replace(with: value, where: value .> largest)
            }
        }
        UnsafeMutableRawPointer(pooled + c).storeBytes(of: largest, as: SIMD4<Float>.self)
        c += 4
    }
    while c < channels {
        var largest = corner[c]
        for i in 0..<size {
            for j in 0..<size where i > 0 || j > 0 {
                let value = corner[i * rowStride + j * channels + c]
                if value > largest { largest = value }
            }
        }
        pooled[c] = largest
        c += 1
    }
}

/// For each pixel of one size×size window at `corner` (window rows `rowStride` floats
/// apart) and each channel: `target = values == largest ? gradient : 0`, where `largest`
/// and `gradient` are the window's pooled value and its gradient. Four channels at a time:
/// written as a scalar loop, the comparison compiles to a branch per element, which made
/// this a ninth of a LeNet epoch.
@inline(__always)
private func routeToMaxima(
    values: UnsafePointer<Float>, rowStride: Int, size: Int, largest: UnsafePointer<Float>,
    gradient: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, channels: Int
) {
    let vectors = channels / 4 * 4
    var c = 0
    while c < vectors {
        let maximum = UnsafeRawPointer(largest + c).loadUnaligned(as: SIMD4<Float>.self)
        let routed = UnsafeRawPointer(gradient + c).loadUnaligned(as: SIMD4<Float>.self)
        for i in 0..<size {
            for j in 0..<size {
                let offset = i * rowStride + j * channels + c
                let value = UnsafeRawPointer(values + offset).loadUnaligned(as: SIMD4<Float>.self)
                UnsafeMutableRawPointer(target + offset).storeBytes(
                    of: SIMD4<Float>(repeating: 0).replacing(with: routed, where: value .== maximum), as: SIMD4<Float>.self)
            }
        }
        c += 4
    }
    while c < channels {
        for i in 0..<size {
            for j in 0..<size {
                let offset = i * rowStride + j * channels + c
                target[offset] = values[offset] == largest[c] ? gradient[c] : 0
            }
        }
        c += 1
    }
}

/// An array of `count` floats whose values are not set: scratch space written before it is read.
private func uninitializedFloats(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}

/// Row-major `cblas_sgemm` on raw pointers: C (rows × columns) = alpha·op(A)·op(B) + beta·C,
/// with op(A) rows × depth and op(B) depth × columns, every matrix stored densely.
private func sgemm(
    rows: Int, columns: Int, depth: Int,
    a: UnsafePointer<Float>?, transposeA: Bool, b: UnsafePointer<Float>?, transposeB: Bool,
    alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>
) {
    guard rows > 0, columns > 0, depth > 0 else { return }
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(rows), Int32(columns), Int32(depth),
                alpha, a, Int32(transposeA ? rows : depth), b, Int32(transposeB ? depth : columns),
                beta, c, Int32(columns))
}

/// How a convolution's patches are laid out: one row per output pixel, K·K·C columns in
/// the weight's row order (kernel row i, kernel column j, channel c).
private struct PatchPlan {
    let geometry: ImageGeometry
    let kernel: Int
    let output: ImageGeometry

    /// Whether `gather` writes the patch matrix transposed, one row per weight and one
    /// column per output pixel. For single-channel input (LeNet's first layer) a row of the
    /// transpose is one run of OW input values per output row, where a patch row is K runs of
    /// only K values; OpenBLAS is faster on the transposed operand at these shapes too
    /// (6.2 µs against 8.5 µs for one 28×28 example's 576×25 by 25×20 product here).
    var patchesTransposed: Bool { geometry.channels == 1 }

    /// Patch rows per example: one per output pixel.
    var patchRowsPerExample: Int { output.pixels }
    /// Columns of a patch row, K·K·C.
    var patchWidth: Int { kernel * kernel * geometry.channels }
    /// Examples per chunk.
    var chunkExamples: Int { max(1, CPUBackend.patchRowsPerChunk / output.pixels) }

    /// Floats for one chunk's patch matrix.
    var chunkBufferCount: Int { chunkExamples * patchRowsPerExample * patchWidth }

    /// `examples` cut into consecutive chunks of at most `chunkExamples`.
    func chunks(of examples: Range<Int>) -> [Range<Int>] {
        stride(from: examples.lowerBound, to: examples.upperBound, by: chunkExamples).map {
            $0..<min($0 + chunkExamples, examples.upperBound)
        }
    }

    /// Writes the patch matrix of `examples` (of the batch `input`) to the start of `patches`:
    /// its rows (examples.count · OH·OW × K·K·C), or their transpose when `patchesTransposed`.
    func gather(examples: Range<Int>, from input: UnsafeBufferPointer<Float>, into patches: UnsafeMutableBufferPointer<Float>) {
        if patchesTransposed {
            gatherTransposed(examples: examples, from: input, into: patches)
        } else {
            gatherRows(examples: examples, from: input, into: patches)
        }
    }

    /// The transposed patch matrix of single-channel maps: row i·K + j holds, for every
    /// output pixel (y, x) of every example, the input value at (y + i, x + j).
    private func gatherTransposed(examples: Range<Int>, from input: UnsafeBufferPointer<Float>, into patches: UnsafeMutableBufferPointer<Float>) {
        let columns = examples.count * output.pixels
        for i in 0..<kernel {
            for j in 0..<kernel {
                var target = patches.baseAddress! + (i * kernel + j) * columns
                for b in examples {
                    let example = input.baseAddress! + b * geometry.count
                    for y in 0..<output.height {
                        let source = example + (y + i) * geometry.width + j
                        for x in 0..<output.width { target[x] = source[x] }
                        target += output.width
                    }
                }
            }
        }
    }

    /// The patch rows: row (y·OW + x) of an example holds its K·K·C input values under the
    /// filter at (y, x), kernel row by kernel row.
    private func gatherRows(examples: Range<Int>, from input: UnsafeBufferPointer<Float>, into patches: UnsafeMutableBufferPointer<Float>) {
        let run = kernel * geometry.channels  // one kernel row of a patch: K pixels × C channels
        var row = patches.baseAddress!
        for b in examples {
            let example = input.baseAddress! + b * geometry.count
            for y in 0..<output.height {
                for x in 0..<output.width {
                    for i in 0..<kernel {
                        let source = example + ((y + i) * geometry.width + x) * geometry.channels
                        let target = row + i * run
                        if run <= 32 {
                            // A loop for short runs, where a call to memcpy costs more than the copy.
                            for k in 0..<run { target[k] = source[k] }
                        } else {
                            target.update(from: source, count: run)
                        }
                    }
                    row += patchWidth
                }
            }
        }
    }

    /// Adds each patch row of `patches` back onto the pixels it was gathered from, in the
    /// rows of `examples` of the input gradient `gradient`.
    func scatterAdd(examples: Range<Int>, from patches: UnsafeBufferPointer<Float>, into gradient: UnsafeMutableBufferPointer<Float>) {
        let run = kernel * geometry.channels
        var row = patches.baseAddress!
        for b in examples {
            let example = gradient.baseAddress! + b * geometry.count
            for y in 0..<output.height {
                for x in 0..<output.width {
                    for i in 0..<kernel {
                        let target = example + ((y + i) * geometry.width + x) * geometry.channels
                        let source = row + i * run
                        for k in 0..<run { target[k] += source[k] }
                    }
                    row += patchWidth
                }
            }
        }
    }
}

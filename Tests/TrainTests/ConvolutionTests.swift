import Testing
import Train

// Convolution and max-pooling: CPUBackend's im2col kernels against ReferenceBackend's
// loops, the convolution's gradients against finite differences, Theano's conventions
// (flipped filters, the pool gradient on ties), and ConvPoolLayer's backward pass.

private let cpu = CPUBackend()
private let reference = ReferenceBackend()

/// One convolution case: batch, input maps, kernel side and filter count.
struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    var batch: Int
    var geometry: ImageGeometry
    var kernel: Int
    var filters: Int
    var testDescription: String { "\(batch) × \(geometry) maps, \(filters) filters \(kernel)×\(kernel)" }
}

private let convolutionCases = [
    ConvolutionCase(batch: 1, geometry: ImageGeometry(height: 5, width: 5, channels: 1), kernel: 3, filters: 2),
    ConvolutionCase(batch: 3, geometry: ImageGeometry(height: 7, width: 6, channels: 3), kernel: 2, filters: 4),
    // LeNet's second layer on a batch of 17: several im2col chunks, unequal halves.
    ConvolutionCase(batch: 17, geometry: ImageGeometry(height: 12, width: 12, channels: 20), kernel: 5, filters: 50),
    // LeNet's first layer: one example per chunk.
    ConvolutionCase(batch: 5, geometry: ImageGeometry(height: 28, width: 28, channels: 1), kernel: 5, filters: 20),
]

@Suite("Convolution and pooling")
struct ConvolutionTests {
    @Test("CPUBackend convolution forward and backward match ReferenceBackend", arguments: convolutionCases)
    func convolutionMatchesReference(_ c: ConvolutionCase) {
        var rng = NumpyRandomState(seed: UInt32(c.batch * 100 + c.filters))
        let x = randomMatrix(rows: c.batch, columns: c.geometry.count, rng: &rng)
        let w = randomMatrix(rows: c.kernel * c.kernel * c.geometry.channels, columns: c.filters, rng: &rng)
        let out = c.geometry.convolved(kernel: c.kernel, outputs: c.filters)
        let dy = randomMatrix(rows: c.batch, columns: out.count, rng: &rng)
        var fast = Matrix(rows: c.batch, columns: out.count), slow = fast
        cpu.convolutionForward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, into: &fast)
        reference.convolutionForward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, into: &slow)
        // Start both weight gradients at the same nonzero values: backward accumulates.
        let start = randomMatrix(rows: w.rows, columns: w.columns, rng: &rng)
        var (fastW, slowW) = (start, start)
        var fastX: Matrix? = Matrix(rows: 0, columns: 0), slowX: Matrix? = Matrix(rows: 0, columns: 0)
        cpu.convolutionBackward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, outputGradient: dy,
                                weightGradient: &fastW, inputGradient: &fastX)
        reference.convolutionBackward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, outputGradient: dy,
                                      weightGradient: &slowW, inputGradient: &slowX)
        guard let fastX, let slowX else { Issue.record("no input gradient"); return }
        // Sums of up to K·K·C (forward, dx) or B·OH·OW (dW) products of magnitude ≤ 1.
        let forwardTolerance = 1e-6 + 2e-7 * Double(w.rows)
        let weightTolerance = 1e-6 + 2e-7 * Double(c.batch * out.pixels)
        let differences = (maxDifference(fast, slow), maxDifference(fastW, slowW), maxDifference(fastX, slowX))
        print("convolution \(c.testDescription): largest difference y \(differences.0), dW \(differences.1), dx \(differences.2)")
        #expect(differences.0 <= forwardTolerance)
        #expect(differences.1 <= weightTolerance)
        #expect(differences.2 <= forwardTolerance)
        #expect(fastX.rows == c.batch && fastX.columns == c.geometry.count)

        // Without an input gradient, the weight gradient is the same.
        var onlyW = start
        var none: Matrix?
        cpu.convolutionBackward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, outputGradient: dy,
                                weightGradient: &onlyW, inputGradient: &none)
        #expect(onlyW == fastW)
        #expect(none == nil)
    }

    @Test("convolution and pooling fused give the separate calls' numbers to the bit",
          arguments: [(convolutionCases[2], 2), (convolutionCases[3], 2),
                      // Maps the windows do not cover: 6×5 maps pooled 2×2 leave a row and a column out.
                      (ConvolutionCase(batch: 4, geometry: ImageGeometry(height: 8, width: 7, channels: 3), kernel: 3, filters: 6), 2)])
    func fusedConvolutionAndPooling(_ c: ConvolutionCase, poolSize: Int) {
        var rng = NumpyRandomState(seed: UInt32(c.batch * 10 + c.kernel))
        // Whole numbers, so that pooling windows have ties.
        let x = Matrix(rows: c.batch, columns: c.geometry.count,
                       values: rng.uniformFloat32(low: 0, high: 3, count: c.batch * c.geometry.count).map { $0.rounded(.down) })
        let w = Matrix(rows: c.kernel * c.kernel * c.geometry.channels, columns: c.filters,
                       values: rng.uniformFloat32(low: -1, high: 2, count: c.kernel * c.kernel * c.geometry.channels * c.filters)
                           .map { $0.rounded(.down) })
        let out = c.geometry.convolved(kernel: c.kernel, outputs: c.filters)
        let pool = out.pooled(size: poolSize)
        for backend in [cpu as any Backend, reference as any Backend] {
            var (convolved, pooled) = (Matrix(rows: c.batch, columns: out.count), Matrix(rows: c.batch, columns: pool.count))
            backend.convolutionPoolForward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, poolSize: poolSize,
                                           convolved: &convolved, pooled: &pooled)
            var (separateConvolved, separatePooled) = (convolved, pooled)
            backend.convolutionForward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, into: &separateConvolved)
            backend.maxPoolForward(input: separateConvolved, geometry: out, size: poolSize, into: &separatePooled)
            #expect(convolved == separateConvolved && pooled == separatePooled, "\(type(of: backend)) forward")

            let pooledGradient = randomMatrix(rows: c.batch, columns: pool.count, rng: &rng)
            let start = randomMatrix(rows: w.rows, columns: w.columns, rng: &rng)
            var (fusedW, separateW) = (start, start)
            var fusedX: Matrix? = Matrix(rows: 0, columns: 0), separateX: Matrix? = Matrix(rows: 0, columns: 0)
            backend.poolConvolutionBackward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, poolSize: poolSize,
                                            convolved: convolved, pooled: pooled, pooledGradient: pooledGradient,
                                            weightGradient: &fusedW, inputGradient: &fusedX)
            var convolvedGradient = Matrix(rows: c.batch, columns: out.count)
            backend.maxPoolBackward(input: convolved, output: pooled, outputGradient: pooledGradient, geometry: out,
                                    size: poolSize, into: &convolvedGradient)
            backend.convolutionBackward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w,
                                        outputGradient: convolvedGradient, weightGradient: &separateW, inputGradient: &separateX)
            #expect(fusedW == separateW && fusedX == separateX, "\(type(of: backend)) backward")
        }
    }

    @Test("convolution gradients against finite differences")
    func convolutionFiniteDifferences() {
        var rng = NumpyRandomState(seed: 5)
        let geometry = ImageGeometry(height: 4, width: 5, channels: 2)
        let x = randomMatrix(rows: 2, columns: geometry.count, rng: &rng)
        let w = randomMatrix(rows: 3 * 3 * 2, columns: 3, rng: &rng)
        let out = geometry.convolved(kernel: 3, outputs: 3)
        let r = randomMatrix(rows: 2, columns: out.count, rng: &rng)
        func loss(_ x: Matrix, _ w: Matrix) -> Double {
            var y = Matrix(rows: 2, columns: out.count)
            reference.convolutionForward(input: x, geometry: geometry, kernel: 3, weight: w, into: &y)
            return weightedSum(y, r)
        }
        var dw = Matrix(rows: w.rows, columns: w.columns)
        var dx: Matrix? = Matrix(rows: 0, columns: 0)
        cpu.convolutionBackward(input: x, geometry: geometry, kernel: 3, weight: w, outputGradient: r, weightGradient: &dw, inputGradient: &dx)
        let numericW = numericGradient(of: w, step: 1e-2) { loss(x, $0) }
        let numericX = numericGradient(of: x, step: 1e-2) { loss($0, w) }
        let differences = (maxDifference(dw, numericW), dx.map { maxDifference($0, numericX) } ?? .infinity)
        print("convolution finite differences: largest difference dW \(differences.0), dx \(differences.1)")
        #expect(differences.0 <= 5e-4)
        #expect(differences.1 <= 5e-4)
    }

    @Test("max-pooling: CPUBackend matches ReferenceBackend, ties and left-out borders included",
          arguments: [(ImageGeometry(height: 4, width: 4, channels: 3), 2), (ImageGeometry(height: 7, width: 5, channels: 2), 2),
                      (ImageGeometry(height: 9, width: 9, channels: 1), 3),
                      // Four channels at a time and a scalar tail: LeNet's 20 and 50 channels.
                      (ImageGeometry(height: 6, width: 8, channels: 6), 2)])
    func maxPoolMatchesReference(geometry: ImageGeometry, size: Int) {
        var rng = NumpyRandomState(seed: UInt32(geometry.count))
        // Values from a small set, so windows hold ties.
        let x = Matrix(rows: 3, columns: geometry.count,
                       values: rng.uniformFloat32(low: 0, high: 3, count: 3 * geometry.count).map { $0.rounded(.down) })
        let pooled = geometry.pooled(size: size)
        let dy = randomMatrix(rows: 3, columns: pooled.count, rng: &rng)
        var fast = Matrix(rows: 3, columns: pooled.count), slow = fast
        cpu.maxPoolForward(input: x, geometry: geometry, size: size, into: &fast)
        reference.maxPoolForward(input: x, geometry: geometry, size: size, into: &slow)
        #expect(fast == slow)
        // A stale gradient buffer of the right shape must be cleared where no window reaches.
        var fastX = Matrix(rows: 3, columns: geometry.count, repeating: 7), slowX = Matrix(rows: 0, columns: 0)
        cpu.maxPoolBackward(input: x, output: fast, outputGradient: dy, geometry: geometry, size: size, into: &fastX)
        reference.maxPoolBackward(input: x, output: slow, outputGradient: dy, geometry: geometry, size: size, into: &slowX)
        #expect(fastX == slowX)
    }

    @Test("max-pool gradient follows Theano: every input equal to the maximum gets the window's gradient")
    func maxPoolTies() {
        // One 2×2 window, one channel: [[1, 3], [3, 2]].
        let geometry = ImageGeometry(height: 2, width: 2, channels: 1)
        let x = Matrix(rows: 1, columns: 4, values: [1, 3, 3, 2])
        var y = Matrix(rows: 1, columns: 1)
        cpu.maxPoolForward(input: x, geometry: geometry, size: 2, into: &y)
        #expect(y.values == [3])
        var dx = Matrix(rows: 1, columns: 4)
        cpu.maxPoolBackward(input: x, output: y, outputGradient: Matrix(rows: 1, columns: 1, values: [0.5]),
                            geometry: geometry, size: 2, into: &dx)
        #expect(dx.values == [0, 0.5, 0.5, 0])
    }

    @Test("tutorial filters (O, C, K, K) are convolved as Theano's conv2d does: flipped")
    func theanoConvolution() {
        var rng = NumpyRandomState(seed: 9)
        let geometry = ImageGeometry(height: 6, width: 5, channels: 2)
        let (kernel, filters) = (3, 2)
        let tutorial = rng.uniformFloat32(low: -1, high: 1, count: filters * 2 * kernel * kernel)
        let layer = ConvPoolLayer(inputGeometry: geometry, kernel: kernel, poolSize: 1, filters: filters,
                                  tutorialWeight: tutorial, bias: [0, 0])
        #expect(layer.tutorialWeight == tutorial)
        let x = randomMatrix(rows: 1, columns: geometry.count, rng: &rng)
        var y = Matrix(rows: 1, columns: layer.convolvedGeometry.count)
        cpu.convolutionForward(input: x, geometry: geometry, kernel: kernel, weight: layer.weight, into: &y)
        // out[o, y, x] = Σ_{c,i,j} in[c, y+i, x+j] · W[o, c, K−1−i, K−1−j], in NHWC storage.
        let out = layer.convolvedGeometry
        var largest = 0.0
        for o in 0..<filters {
            for oy in 0..<out.height {
                for ox in 0..<out.width {
                    var sum = 0.0
                    for c in 0..<2 {
                        for i in 0..<kernel {
                            for j in 0..<kernel {
                                let w = tutorial[((o * 2 + c) * kernel + kernel - 1 - i) * kernel + kernel - 1 - j]
                                sum += Double(x[0, ((oy + i) * geometry.width + ox + j) * 2 + c]) * Double(w)
                            }
                        }
                    }
                    largest = max(largest, abs(sum - Double(y[0, (oy * out.width + ox) * filters + o])))
                }
            }
        }
        print("Theano convolution: largest difference \(largest)")
        #expect(largest <= 1e-5)
    }

    @Test("ConvPoolLayer without pooling: dx, dW, db against finite differences")
    func convPoolLayerGradients() {
        var rng = NumpyRandomState(seed: 13)
        let geometry = ImageGeometry(height: 5, width: 4, channels: 2)
        let x = randomMatrix(rows: 2, columns: geometry.count, rng: &rng)
        let w = randomMatrix(rows: 3 * 3 * 2, columns: 3, low: -0.3, high: 0.3, rng: &rng)
        let b = randomMatrix(rows: 1, columns: 3, rng: &rng)
        var layer = ConvPoolLayer(inputGeometry: geometry, kernel: 3, poolSize: 1, weight: w, bias: b)
        let r = randomMatrix(rows: 2, columns: layer.outputGeometry.count, rng: &rng)
        _ = layer.forward(input: x, using: cpu)
        let dx = layer.backward(outputGradient: r, needsInputGradient: true, using: cpu)
        func loss(_ x: Matrix, _ w: Matrix, _ b: Matrix) -> Double {
            var probe = ConvPoolLayer(inputGeometry: geometry, kernel: 3, poolSize: 1, weight: w, bias: b)
            return weightedSum(probe.forward(input: x, using: reference), r)
        }
        let numeric = (numericGradient(of: x, step: 1e-2) { loss($0, w, b) },
                       numericGradient(of: w, step: 1e-2) { loss(x, $0, b) },
                       numericGradient(of: b, step: 1e-2) { loss(x, w, $0) })
        let differences = (dx.map { maxDifference($0, numeric.0) } ?? .infinity,
                           maxDifference(layer.weightGradient, numeric.1), maxDifference(layer.biasGradient, numeric.2))
        print("ConvPoolLayer finite differences: largest difference dx \(differences.0), dW \(differences.1), db \(differences.2)")
        #expect(differences.0 <= 5e-4)
        #expect(differences.1 <= 5e-4)
        #expect(differences.2 <= 5e-4)
    }

    @Test("LeNet: the tutorial's initialization, saved in the tutorial's layouts")
    func leNetInitialization() {
        var rng = NumpyRandomState(seed: 23455)
        let net = LeNet.tutorial(image: ImageGeometry(height: 28, width: 28, channels: 1), classes: 10, rng: &rng)
        let saved = net.savedParameters
        #expect(saved.map(\.name) == ["W0", "b0", "W1", "b1", "W2", "b2", "W3", "b3"])
        #expect(saved.map(\.shape) == [[20, 1, 5, 5], [20], [50, 20, 5, 5], [50], [800, 500], [500], [500, 10], [10]])
        // The same draws, in the same order, as RandomState(23455) in the tutorial.
        var draws = NumpyRandomState(seed: 23455)
        let w0 = draws.uniformFloat32(low: -0.2, high: 0.2, count: 500)
        let w1 = draws.uniformFloat32(low: -(6.0 / 812).squareRoot(), high: (6.0 / 812).squareRoot(), count: 25_000)
        let w2 = draws.uniformFloat32(low: -(6.0 / 1300).squareRoot(), high: (6.0 / 1300).squareRoot(), count: 400_000)
        #expect(saved[0].values == w0)
        #expect(saved[2].values == w1)
        #expect(saved[4].values == w2)
        #expect(saved[6].values.allSatisfy { $0 == 0 })
    }
}

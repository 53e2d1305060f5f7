import CUDAEmulationSupport
import MNISTTools
import Pickle
import Testing
import Train

// CUDABackend's kernels on the emulated GPU (Tests/CUDAEmulation: the real NVRTC compiles
// the kernels; the emulated driver runs the same source compiled as C++, thread by thread;
// products go through the emulated cuBLAS), each against ReferenceBackend's method of the
// same name, with the tolerance stated at each check. This is the oracle for the kernels'
// arithmetic, their launch arguments and the row-major to column-major product mapping
// where no GPU is at hand.

/// One backend on the emulated device for all the tests here (they run one at a time).
private let emulated = Result { try CUDAEmulator.backend() }
private let reference = ReferenceBackend()

@Suite("CUDABackend on the emulated GPU", .serialized)
struct CUDABackendEmulatedTests {
    let gpu: CUDABackend

    init() throws {
        gpu = try emulated.get()
    }

    @Test("matmul matches ReferenceBackend for every transpose, alpha and beta", arguments: [
        (false, false), (true, false), (false, true), (true, true),
    ])
    func matmul(transposeA: Bool, transposeB: Bool) throws {
        var rng = NumpyRandomState(seed: 11)
        let (m, n, k) = (5, 7, 3)
        let a = randomMatrix(rows: transposeA ? k : m, columns: transposeA ? m : k, rng: &rng)
        let b = randomMatrix(rows: transposeB ? n : k, columns: transposeB ? k : n, rng: &rng)
        let start = randomMatrix(rows: m, columns: n, rng: &rng)
        for (alpha, beta): (Float, Float) in [(1, 0), (0.5, 1.5)] {
            var expected = start
            reference.matmul(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &expected)
            let c = try gpu.upload(start)
            try gpu.matmul(gpu.upload(a), transposeA: transposeA, gpu.upload(b), transposeB: transposeB, alpha: alpha, beta: beta, into: c)
            let difference = maxDifference(try c.download(), expected)
            print("matmul transposeA \(transposeA) transposeB \(transposeB) alpha \(alpha) beta \(beta): largest difference \(difference)")
            #expect(difference <= 1e-5)  // sums of 3 products of magnitude ≤ 1
        }
    }

    @Test("bias, column sums, activations and the SGD step match ReferenceBackend")
    func elementwise() throws {
        var rng = NumpyRandomState(seed: 12)
        let x = randomMatrix(rows: 9, columns: 13, low: -3, high: 3, rng: &rng)
        let bias = randomMatrix(rows: 1, columns: 13, rng: &rng)

        var expected = x
        reference.addRowVector(bias, to: &expected)
        let biased = try gpu.upload(x)
        try gpu.addRowVector(gpu.upload(bias), to: biased)
        #expect(maxDifference(try biased.download(), expected) == 0)  // one float addition each

        var sums = bias
        reference.accumulateColumnSums(of: x, into: &sums)
        let deviceSums = try gpu.upload(bias)
        try gpu.accumulateColumnSums(of: gpu.upload(x), into: deviceSums)
        #expect(maxDifference(try deviceSums.download(), sums) <= 1e-5)  // sums of 9 values ≤ 3

        let dy = randomMatrix(rows: 9, columns: 13, rng: &rng)
        for kind in ActivationKind.allCases {
            var y = Matrix(rows: 9, columns: 13), dx = y
            reference.activationForward(kind, input: x, into: &y)
            reference.activationBackward(kind, output: y, outputGradient: dy, into: &dx)
            let deviceY = try gpu.matrix(rows: 9, columns: 13), deviceDX = try gpu.matrix(rows: 9, columns: 13)
            try gpu.activationForward(kind, input: gpu.upload(x), into: deviceY)
            try gpu.activationBackward(kind, output: gpu.upload(y), outputGradient: gpu.upload(dy), into: deviceDX)
            let differences = (maxDifference(try deviceY.download(), y), maxDifference(try deviceDX.download(), dx))
            print("\(kind): largest difference y \(differences.0), dx \(differences.1)")
            #expect(differences.0 <= 1e-6 && differences.1 <= 1e-6)  // a few ulps of libm's float functions
        }

        var w = randomMatrix(rows: 4, columns: 6, rng: &rng)
        w[0, 0] = 0  // sign(0) = 0
        let dw = randomMatrix(rows: 4, columns: 6, rng: &rng)
        let deviceW = try gpu.upload(w)
        reference.sgdUpdate(&w, gradient: dw, learningRate: 0.1, l1: 0.01, l2: 0.001)
        try gpu.sgdUpdate(deviceW, gradient: gpu.upload(dw), learningRate: 0.1, l1: 0.01, l2: 0.001)
        #expect(maxDifference(try deviceW.download(), w) <= 1e-7)
    }

    @Test("softmaxCrossEntropy gives ReferenceBackend's loss, error count and gradient")
    func softmaxCrossEntropy() throws {
        var rng = NumpyRandomState(seed: 13)
        let logits = randomMatrix(rows: 17, columns: 10, low: -4, high: 4, rng: &rng)
        let labels = randomLabels(count: 17, classes: 10, rng: &rng)
        var gradient = Matrix(rows: 17, columns: 10)
        let expected = reference.softmaxCrossEntropy(logits: logits, labels: labels, gradient: &gradient)
        let deviceGradient = try gpu.matrix(rows: 17, columns: 10)
        let result = try gpu.softmaxCrossEntropy(logits: gpu.upload(logits), labels: DeviceLabels(labels, on: gpu.device),
                                                 gradient: deviceGradient)
        print("softmax: loss \(result.loss) against \(expected.loss), errors \(result.errors) against \(expected.errors)")
        #expect(result.errors == expected.errors)
        #expect(abs(result.loss - expected.loss) <= 1e-5)
        #expect(maxDifference(try deviceGradient.download(), gradient) <= 1e-7)  // p/17 with p ≤ 1
    }

    @Test("convolution forward and backward match ReferenceBackend", arguments: [
        ConvolutionCase(batch: 2, geometry: ImageGeometry(height: 7, width: 6, channels: 3), kernel: 2, filters: 4),
        ConvolutionCase(batch: 3, geometry: ImageGeometry(height: 12, width: 12, channels: 20), kernel: 5, filters: 50),
    ])
    func convolution(_ c: ConvolutionCase) throws {
        var rng = NumpyRandomState(seed: UInt32(c.batch * 100 + c.filters))
        let x = randomMatrix(rows: c.batch, columns: c.geometry.count, rng: &rng)
        let w = randomMatrix(rows: c.kernel * c.kernel * c.geometry.channels, columns: c.filters, rng: &rng)
        let out = c.geometry.convolved(kernel: c.kernel, outputs: c.filters)
        let dy = randomMatrix(rows: c.batch, columns: out.count, rng: &rng)
        let start = randomMatrix(rows: w.rows, columns: w.columns, rng: &rng)
        var y = Matrix(rows: c.batch, columns: out.count), dw = start
        var dx: Matrix? = Matrix(rows: 0, columns: 0)
        reference.convolutionForward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, into: &y)
        reference.convolutionBackward(input: x, geometry: c.geometry, kernel: c.kernel, weight: w, outputGradient: dy,
                                      weightGradient: &dw, inputGradient: &dx)
        let (deviceX, deviceW) = (try gpu.upload(x), try gpu.upload(w))
        let deviceY = try gpu.matrix(rows: c.batch, columns: out.count)
        let deviceDW = try gpu.upload(start), deviceDX = try gpu.matrix(rows: c.batch, columns: c.geometry.count)
        try gpu.convolutionForward(input: deviceX, geometry: c.geometry, kernel: c.kernel, weight: deviceW, into: deviceY)
        try gpu.convolutionBackward(input: deviceX, geometry: c.geometry, kernel: c.kernel, weight: deviceW,
                                    outputGradient: gpu.upload(dy), weightGradient: deviceDW, inputGradient: deviceDX)
        guard let dx else { Issue.record("no reference input gradient"); return }
        let differences = (maxDifference(try deviceY.download(), y), maxDifference(try deviceDW.download(), dw),
                           maxDifference(try deviceDX.download(), dx))
        print("convolution \(c.testDescription): largest difference y \(differences.0), dW \(differences.1), dx \(differences.2)")
        // Sums of up to K·K·C (y, dx) or B·OH·OW (dW) products of magnitude ≤ 1, as for the CPU.
        #expect(differences.0 <= 1e-6 + 2e-7 * Double(w.rows))
        #expect(differences.1 <= 1e-6 + 2e-7 * Double(c.batch * out.pixels))
        #expect(differences.2 <= 1e-6 + 2e-7 * Double(w.rows))
    }

    @Test("max-pooling and its gradient with ties match ReferenceBackend")
    func maxPooling() throws {
        var rng = NumpyRandomState(seed: 14)
        // 7×5 maps (a row and a column outside every 2×2 window), values on a coarse grid so
        // windows have tied maxima.
        let geometry = ImageGeometry(height: 7, width: 5, channels: 3)
        var x = randomMatrix(rows: 4, columns: geometry.count, rng: &rng)
        x = Matrix(rows: x.rows, columns: x.columns, values: x.values.map { ($0 * 2).rounded() / 2 })
        let out = geometry.pooled(size: 2)
        var pooled = Matrix(rows: 4, columns: out.count)
        reference.maxPoolForward(input: x, geometry: geometry, size: 2, into: &pooled)
        let dy = randomMatrix(rows: 4, columns: out.count, rng: &rng)
        var dx = Matrix(rows: 4, columns: geometry.count)
        reference.maxPoolBackward(input: x, output: pooled, outputGradient: dy, geometry: geometry, size: 2, into: &dx)
        let deviceX = try gpu.upload(x), devicePooled = try gpu.matrix(rows: 4, columns: out.count)
        let deviceDX = try gpu.matrix(rows: 4, columns: geometry.count)
        try gpu.maxPoolForward(input: deviceX, geometry: geometry, size: 2, into: devicePooled)
        try gpu.maxPoolBackward(input: deviceX, output: devicePooled, outputGradient: gpu.upload(dy), geometry: geometry, size: 2,
                                into: deviceDX)
        #expect(try devicePooled.download() == pooled)
        #expect(try deviceDX.download() == dx)  // copies, no arithmetic
    }

    @Test("a split uploaded as bytes becomes the CPU's floats", arguments: [255, 256])
    func splitDecoding(divisor: Int) throws {
        let bytes = (0..<(6 * 12)).map { UInt8(($0 * 37) % 256) }
        let split = try DatasetSplit(
            name: "train",
            images: ImageBlock(count: 6, rows: 3, columns: 4,
                               pixels: .bytes(ByteSlice(storage: ByteStorage(copying: bytes), offset: 0, count: bytes.count), divisor: divisor),
                               source: "test", field: "images"),
            labels: LabelBlock(values: [0, 1, 2, 3, 4, 5]), source: "test")
        let onDevice = try CUDASplit(split, backend: gpu)
        let onHost = LabelledMatrix(split, rowsPerBlock: 6)
        #expect(try onDevice.images.download() == onHost.blocks[0].images)
        #expect(onDevice.count == 6 && onDevice.labels.count == 6)
    }
}

extension CUDABackendEmulatedTests {
    @Test("a dense classifier trains on the emulated GPU as on the CPU", arguments: [Float(0), 0.001])
    func denseClassifierSteps(l1: Float) throws {
        var rng = NumpyRandomState(seed: 15)
        var host = DenseClassifier.tutorialMLP(inputs: 20, hiddenUnits: 12, classes: 4, activation: .tanh, rng: &rng)
        let device = try CUDADenseClassifier(host, backend: gpu, maxRows: 8)
        let cpu = CPUBackend()
        for _ in 0..<3 {
            let x = randomMatrix(rows: 8, columns: 20, rng: &rng), labels = randomLabels(count: 8, classes: 4, rng: &rng)
            _ = host.trainStep(images: x, labels: labels, learningRate: 0.1, l1: l1, l2: 0.001, using: cpu)
            try device.trainStep(images: gpu.upload(x), labels: DeviceLabels(labels, on: gpu.device), learningRate: 0.1, l1: l1, l2: 0.001)
        }
        try compare(try device.download().savedParameters, host.savedParameters, tolerance: 1e-5)

        let x = randomMatrix(rows: 8, columns: 20, rng: &rng), labels = randomLabels(count: 8, classes: 4, rng: &rng)
        try gpu.resetErrorCount()
        try device.countErrors(images: gpu.upload(x), labels: DeviceLabels(labels, on: gpu.device))
        #expect(try gpu.errorCount() == host.evaluate(images: x, labels: labels, using: cpu).errors)
    }

    @Test("LeNet trains on the emulated GPU as on the CPU")
    func leNetSteps() throws {
        var rng = NumpyRandomState(seed: 16)
        var host = LeNet.tutorial(image: ImageGeometry(height: 14, width: 14, channels: 1), filters: [3, 4], kernel: 3,
                                  poolSize: 2, hiddenUnits: 10, classes: 5, rng: &rng)
        let device = try CUDALeNet(host, backend: gpu, maxRows: 6)
        let cpu = CPUBackend()
        for _ in 0..<2 {
            let x = randomMatrix(rows: 6, columns: 196, low: 0, high: 1, rng: &rng), labels = randomLabels(count: 6, classes: 5, rng: &rng)
            _ = host.trainStep(images: x, labels: labels, learningRate: 0.1, l1: 0, l2: 0.001, using: cpu)
            try device.trainStep(images: gpu.upload(x), labels: DeviceLabels(labels, on: gpu.device), learningRate: 0.1, l1: 0, l2: 0.001)
        }
        try compare(try device.download().savedParameters, host.savedParameters, tolerance: 1e-5)
    }

    /// Checks that two parameter lists agree within `tolerance`, printing the largest difference.
    private func compare(_ gpuParameters: [SavedParameter], _ cpuParameters: [SavedParameter], tolerance: Double) throws {
        #expect(gpuParameters.map(\.name) == cpuParameters.map(\.name))
        for (a, b) in zip(gpuParameters, cpuParameters) {
            let difference = zip(a.values, b.values).map { abs(Double($0) - Double($1)) }.max() ?? 0
            print("\(a.name): largest difference \(difference)")
            #expect(a.shape == b.shape)
            #expect(difference <= tolerance, "\(a.name)")
        }
    }
}

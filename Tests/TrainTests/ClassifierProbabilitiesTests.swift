import Foundation
import MNISTTools
import Testing
@testable import Train

/// `probabilities`, `inputRows` and `pixelDivisor`: softmax of the final layer against a
/// float64 computation written out here, the same answers at any batch size, and the
/// conversion of gray pictures into rows.
@Suite struct DenseClassifierProbabilitiesTests {
    /// A 6 → 5 (tanh) → 4 classifier with seeded random parameters, weights scaled by `scale`.
    private static func classifier(scale: Double = 1, rng: inout NumpyRandomState) -> DenseClassifier {
        let hidden = DenseLayer(weight: randomMatrix(rows: 6, columns: 5, low: -scale, high: scale, rng: &rng),
                                bias: randomMatrix(rows: 1, columns: 5, rng: &rng))
        let output = DenseLayer(weight: randomMatrix(rows: 5, columns: 4, low: -scale, high: scale, rng: &rng),
                                bias: randomMatrix(rows: 1, columns: 4, rng: &rng))
        return DenseClassifier(hidden: [(hidden, Activation(.tanh))], output: output)
    }

    /// softmax(tanh(x·W0 + b0)·W1 + b1) per row, all in float64.
    private static func reference(_ model: DenseClassifier, _ x: Matrix) -> [[Double]] {
        func affine(_ input: [Double], _ layer: DenseLayer) -> [Double] {
            (0..<layer.outputs).map { j in
                (0..<layer.inputs).reduce(Double(layer.bias[0, j])) { $0 + input[$1] * Double(layer.weight[$1, j]) }
            }
        }
        return (0..<x.rows).map { row in
            let input = (0..<x.columns).map { Double(x[row, $0]) }
            let z = affine(affine(input, model.hidden[0].layer).map(tanh), model.output)
            let e = z.map { exp($0 - (z.max() ?? 0)) }
            let sum = e.reduce(0, +)
            return e.map { $0 / sum }
        }
    }

    @Test("probabilities: softmax of the logits, equal to float64 within 1e-6, rows summing to 1, argmax = predictions")
    func matchesFloat64Softmax() {
        var rng = NumpyRandomState(seed: 5)
        let model = Self.classifier(rng: &rng)
        let x = randomMatrix(rows: 9, columns: 6, rng: &rng)
        let p = model.probabilities(images: x, using: CPUBackend())
        #expect(p.rows == 9 && p.columns == 4)
        let expected = Self.reference(model, x)
        var largest = 0.0
        for row in 0..<9 {
            for k in 0..<4 { largest = max(largest, abs(Double(p[row, k]) - expected[row][k])) }
            let sum = (0..<4).reduce(0.0) { $0 + Double(p[row, $1]) }
            #expect(abs(sum - 1) < 1e-6)
        }
        print("probabilities vs float64 softmax: largest difference \(largest)")
        #expect(largest < 1e-6)
        let argmax = (0..<9).map { row in (0..<4).reduce(0) { p[row, $1] > p[row, $0] ? $1 : $0 } }
        #expect(argmax == model.predictions(images: x, using: CPUBackend()))
    }

    @Test("probabilities: the same at every batch size and on the reference backend; no overflow with huge logits")
    func batchesAndLargeLogits() {
        var rng = NumpyRandomState(seed: 8)
        let model = Self.classifier(scale: 400, rng: &rng)
        let x = randomMatrix(rows: 7, columns: 6, rng: &rng)
        let whole = model.probabilities(images: x, using: CPUBackend())
        for batchSize in [1, 2, 3, 7, 100] {
            #expect(maxDifference(model.probabilities(images: x, batchSize: batchSize, using: CPUBackend()), whole) < 1e-6, "batch \(batchSize)")
        }
        #expect(maxDifference(model.probabilities(images: x, using: ReferenceBackend()), whole) < 1e-5)
        // Logits in the hundreds: exp would overflow without subtracting the maximum.
        #expect(whole.values.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        #expect(whole.values.contains { $0 == 0 } && whole.values.contains { $0 == 1 })
        #expect(model.probabilities(images: Matrix(rows: 0, columns: 6), using: CPUBackend()) == Matrix(rows: 0, columns: 4))
    }

    @Test("inputRows: byte / divisor as float32, pictures of the wrong size refused with both sizes")
    func inputRows() throws {
        let model = DenseClassifier.logisticRegression(inputs: 4, classes: 3)
        let a = GrayImage(width: 2, height: 2, pixels: [0, 1, 128, 255])
        let b = GrayImage(width: 4, height: 1, pixels: [3, 2, 1, 0])
        let rows = try model.inputRows([("a.png", a), ("b.png", b)], pixelDivisor: 256)
        #expect(rows == Matrix(rows: 2, columns: 4, values: [0, 1 / 256, 0.5, 255 / 256, 3 / 256, 2 / 256, 1 / 256, 0]))
        let by255 = try model.inputRows([("a.png", a)], pixelDivisor: 255)
        #expect(by255.values == [0, Float(1.0 / 255), Float(128.0 / 255), 1])
        #expect(throws: MNISTToolsError.invalidData(path: "c.png", field: "size", reason: "the model takes 2×2 = 4 pixels; the image is 3×3")) {
            try model.inputRows([("a.png", a), ("c.png", GrayImage(width: 3, height: 3, pixels: [UInt8](repeating: 0, count: 9)))], pixelDivisor: 256)
        }
        let wide = DenseClassifier.logisticRegression(inputs: 6, classes: 3)
        #expect(throws: MNISTToolsError.invalidData(path: "a.png", field: "size", reason: "the model takes 6 pixels; the image is 2×2")) {
            try wide.inputRows([("a.png", a)], pixelDivisor: 256)
        }
    }

    @Test("SavedModel.pixelDivisor: model.json's pixel_divisor, else 256; anything but a positive number refused")
    func pixelDivisor() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("probabilities-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        /// A 4 → 3 logistic regression whose model.json ends with `divisor`.
        func model(_ divisor: String) throws -> String {
            let path = folder.appendingPathComponent("\(UUID().uuidString).npz").path
            var writer = NPZWriter()
            try writer.addFloat32(name: "W0", shape: [4, 3], values: [Float](repeating: 0, count: 12), path: path)
            try writer.addFloat32(name: "b0", shape: [3], values: [0, 0, 0], path: path)
            try writer.add(name: "model.json", data: Array(#"{"model": "logreg", "layer_sizes": [4, 3]\#(divisor)}"#.utf8))
            var bytes: [UInt8] = []
            try writer.write(to: &bytes)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        #expect(try SavedModel(npz: model("")).pixelDivisor == 256)
        #expect(try SavedModel(npz: model(#", "pixel_divisor": 255"#)).pixelDivisor == 255)
        #expect(try SavedModel(npz: model(#", "pixel_divisor": null"#)).pixelDivisor == 256)
        let bad = try model(#", "pixel_divisor": -1"#)
        #expect(throws: MNISTToolsError.invalidData(path: bad, field: "member 'model.json' 'pixel_divisor'", reason: "expected a positive number")) {
            try SavedModel(npz: bad)
        }
    }
}

import MNISTTools
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Classifying pictures with a saved model: gray images as input rows scaled as training
/// saw them, and the class probabilities, softmax of the final layer's outputs.
extension DenseClassifier {
    /// The class probabilities of every row of `images`: softmax of the logits, per row,
    ///
    ///     p[i, k] = exp(z[i, k] − max_j z[i, j]) / Σ_j exp(z[i, j] − max_j z[i, j])
    ///
    /// with the sums in double precision. The forward pass is `predictions`'s, `batchSize`
    /// rows at a time. Shapes: images N × inputs, result N × classes.
    public func probabilities(images: Matrix, batchSize: Int = 1000, using backend: some Backend) -> Matrix {
        var values: [Float] = []
        values.reserveCapacity(images.rows * output.outputs)
        forEachLogitBatch(images: images, batchSize: batchSize, using: backend) { logits in
            var exponentials = [Double](repeating: 0, count: logits.columns)
            for row in 0..<logits.rows {
                let z = logits.values[(row * logits.columns)..<((row + 1) * logits.columns)]
                let largest = Double(z.max() ?? 0)
                var sum = 0.0
                for (k, value) in z.enumerated() {
                    exponentials[k] = exp(Double(value) - largest)
                    sum += exponentials[k]
                }
                values.append(contentsOf: exponentials.map { Float($0 / sum) })
            }
        }
        return Matrix(rows: images.rows, columns: output.outputs, values: values)
    }

    /// The divisor that turns a stored byte into the value this model was trained on
    /// (value = byte / divisor): `model.json`'s `pixel_divisor` in the `.npz` at `path`
    /// when it has one, else 256, the classic `mnist.pkl.gz`'s `pixel/256`.
    public static func pixelDivisor(npz path: String) throws -> Double {
        let archive = try NPZFile.readParameters(path: path)
        var json: JSONValue?
        if let bytes = archive.otherMembers["model.json"] {
            do {
                json = try JSONParser.parse(bytes)
            } catch {
                throw MNISTToolsError.invalidData(path: path, field: "member 'model.json'", reason: "\(error)")
            }
        }
        switch json?["pixel_divisor"] {
        case nil, .null?:
            return 256
        case let .number(divisor)? where divisor > 0 && divisor.isFinite:
            return divisor
        default:
            throw MNISTToolsError.invalidData(path: path, field: "member 'model.json' 'pixel_divisor'", reason: "expected a positive number")
        }
    }

    /// `images` as input rows, one per image, each byte divided by `pixelDivisor` (in double
    /// precision, then rounded to float32, as training converts a dataset's bytes). Refuses,
    /// naming the image's path, an image whose pixel count is not the model's input size.
    public func inputRows(_ images: [(path: String, image: GrayImage)], pixelDivisor: Double) throws -> Matrix {
        let table = (0..<256).map { Float(Double($0) / pixelDivisor) }
        var values: [Float] = []
        values.reserveCapacity(images.count * inputs)
        for (path, image) in images {
            guard image.pixels.count == inputs else {
                throw MNISTToolsError.invalidData(path: path, field: "size",
                                                  reason: "the model takes \(Self.describePixels(inputs)); the image is \(image.width)×\(image.height)")
            }
            values.append(contentsOf: image.pixels.map { table[Int($0)] })
        }
        return Matrix(rows: images.count, columns: inputs, values: values)
    }

    /// "28×28 = 784 pixels" when `count` is a square, else "100 pixels".
    private static func describePixels(_ count: Int) -> String {
        var side = 1
        while (side + 1) * (side + 1) <= count { side += 1 }
        return side * side == count ? "\(side)×\(side) = \(count) pixels" : "\(count) pixels"
    }
}

import MNISTTools
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Classifying pictures with a saved model: gray images as input rows scaled as training
/// saw them, and the class probabilities, softmax of the final layer's outputs.
extension Classifier {
    /// The class probabilities of every row of `images`: softmax of the logits, per row,
    ///
    ///     p[i, k] = exp(z[i, k] − max_j z[i, j]) / Σ_j exp(z[i, j] − max_j z[i, j])
    ///
    /// with the sums in double precision, `batchSize` rows at a time. Shapes: images
    /// N × inputs, result N × classes.
    public func probabilities(images: Matrix, batchSize: Int = 1000, using backend: some Backend) -> Matrix {
        var values: [Float] = []
        values.reserveCapacity(images.rows * classes)
        for start in stride(from: 0, to: images.rows, by: max(1, batchSize)) {
            let logits = logits(images: images.rows(start..<min(images.rows, start + max(1, batchSize))), using: backend)
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
        return Matrix(rows: images.rows, columns: classes, values: values)
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
                                                  reason: "the model takes \(describePixels(inputs)); the image is \(image.width)×\(image.height)")
            }
            values.append(contentsOf: image.pixels.map { table[Int($0)] })
        }
        return Matrix(rows: images.count, columns: inputs, values: values)
    }
}

/// "28×28 = 784 pixels" when `count` is a square, else "100 pixels".
private func describePixels(_ count: Int) -> String {
    var side = 1
    while (side + 1) * (side + 1) <= count { side += 1 }
    return side * side == count ? "\(side)×\(side) = \(count) pixels" : "\(count) pixels"
}

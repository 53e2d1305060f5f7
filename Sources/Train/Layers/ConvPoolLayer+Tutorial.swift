/// The LeNet tutorial's parameters: its initialization and its (O, C, K, K) filter layout.
extension ConvPoolLayer {
    /// A layer whose filters are given in the tutorial's layout: `tutorialWeight` holds
    /// W[o, c, ki, kj] in C order, shape (O, C, K, K); b is (O,).
    ///
    /// Theano's `conv2d` computes out[y, x] = Σ in[y+i, x+j]·W[K−1−i, K−1−j] (a true
    /// convolution), so tutorial filter tap (ki, kj) becomes our patch offset
    /// (K−1−ki, K−1−kj): the row ((K−1−ki)·K + K−1−kj)·C + c of the internal W.
    public init(inputGeometry: ImageGeometry, kernel: Int, poolSize: Int, filters: Int,
                tutorialWeight: [Float], bias: [Float]) {
        let channels = inputGeometry.channels
        precondition(tutorialWeight.count == filters * channels * kernel * kernel && bias.count == filters,
                     "ConvPoolLayer: \(tutorialWeight.count) filter values and \(bias.count) biases for (\(filters), \(channels), \(kernel), \(kernel))")
        var weight = Matrix(rows: kernel * kernel * channels, columns: filters)
        for o in 0..<filters {
            for c in 0..<channels {
                for ki in 0..<kernel {
                    for kj in 0..<kernel {
                        let row = ((kernel - 1 - ki) * kernel + kernel - 1 - kj) * channels + c
                        weight[row, o] = tutorialWeight[((o * channels + c) * kernel + ki) * kernel + kj]
                    }
                }
            }
        }
        self.init(inputGeometry: inputGeometry, kernel: kernel, poolSize: poolSize,
                  weight: weight, bias: Matrix(rows: 1, columns: filters, values: bias))
    }

    /// W in the tutorial's layout, (O, C, K, K) in C order: the inverse of the conversion
    /// in `init(inputGeometry:kernel:poolSize:filters:tutorialWeight:bias:)`.
    public var tutorialWeight: [Float] {
        let channels = inputGeometry.channels
        var values = [Float](repeating: 0, count: weight.count)
        for o in 0..<filters {
            for c in 0..<channels {
                for ki in 0..<kernel {
                    for kj in 0..<kernel {
                        let row = ((kernel - 1 - ki) * kernel + kernel - 1 - kj) * channels + c
                        values[((o * channels + c) * kernel + ki) * kernel + kj] = weight[row, o]
                    }
                }
            }
        }
        return values
    }

    /// The tutorial's initialization:
    ///
    ///     fan_in = C·K·K;  fan_out = O·K·K // (P·P)
    ///     W = asarray(rng.uniform(−sqrt(6/(fan_in + fan_out)), +…, size=(O, C, K, K)), float32)
    ///     b = zeros(O)
    public static func tutorialInitialization(
        inputGeometry: ImageGeometry, kernel: Int, poolSize: Int, filters: Int, rng: inout NumpyRandomState
    ) -> ConvPoolLayer {
        let fanIn = inputGeometry.channels * kernel * kernel
        let fanOut = filters * kernel * kernel / (poolSize * poolSize)
        let bound = (6.0 / Double(fanIn + fanOut)).squareRoot()
        let values = rng.uniformFloat32(low: -bound, high: bound, count: filters * fanIn)
        return ConvPoolLayer(inputGeometry: inputGeometry, kernel: kernel, poolSize: poolSize, filters: filters,
                             tutorialWeight: values, bias: [Float](repeating: 0, count: filters))
    }
}

/// The tutorials' parameter initializations.
extension DenseLayer {
    /// `LogisticRegression.__init__`: W and b all zeros.
    public static func zeros(inputs: Int, outputs: Int) -> DenseLayer {
        DenseLayer(weight: Matrix(rows: inputs, columns: outputs), bias: Matrix(rows: 1, columns: outputs))
    }

    /// `HiddenLayer.__init__` of the MLP tutorial:
    ///
    ///     W_values = numpy.asarray(rng.uniform(low=-sqrt(6. / (n_in + n_out)),
    ///                                          high=sqrt(6. / (n_in + n_out)),
    ///                                          size=(n_in, n_out)), dtype=float32)
    ///     if activation == sigmoid: W_values *= 4
    ///     b_values = numpy.zeros((n_out,), dtype=float32)
    ///
    /// The bound is computed in float64 and the draws are cast to float32 before
    /// the ×4, in that order, so the weights are bit-identical to NumPy's.
    public static func tutorialInitialization(
        inputs: Int, outputs: Int, activation: ActivationKind, rng: inout NumpyRandomState
    ) -> DenseLayer {
        let bound = (6.0 / Double(inputs + outputs)).squareRoot()
        var values = rng.uniformFloat32(low: -bound, high: bound, count: inputs * outputs)
        if activation == .sigmoid {
            for i in values.indices { values[i] *= 4 }
        }
        return DenseLayer(
            weight: Matrix(rows: inputs, columns: outputs, values: values),
            bias: Matrix(rows: 1, columns: outputs))
    }
}

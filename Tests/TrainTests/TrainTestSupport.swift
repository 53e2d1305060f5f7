import Train

// Shared helpers for the numeric tests: seeded random matrices and differences.

/// A rows×columns matrix of float32 draws uniform in [low, high), from a seeded
/// NumPy-compatible generator so every run sees the same numbers.
func randomMatrix(
    rows: Int, columns: Int, low: Double = -1, high: Double = 1, rng: inout NumpyRandomState
) -> Matrix {
    Matrix(rows: rows, columns: columns,
           values: rng.uniformFloat32(low: low, high: high, count: rows * columns))
}

/// Random labels in 0..<classes.
func randomLabels(count: Int, classes: Int, rng: inout NumpyRandomState) -> [Int] {
    (0..<count).map { _ in Int(rng.randomInterval(UInt64(classes - 1))) }
}

/// The largest |a[i] − b[i]| over two equally shaped matrices.
func maxDifference(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns, "maxDifference: shapes differ")
    var largest = 0.0
    for (x, y) in zip(a.values, b.values) {
        largest = max(largest, abs(Double(x) - Double(y)))
    }
    return largest
}

/// Σ r ⊙ y in float64: a scalar whose gradient with respect to y is r, used to
/// drive a layer's backward pass with a known upstream gradient.
func weightedSum(_ y: Matrix, _ r: Matrix) -> Double {
    zip(y.values, r.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Central finite differences of `f` with respect to every element of `x`:
/// `(f(x + h·e_i) − f(x − h·e_i)) / 2h`, with `f` evaluated in float64.
func numericGradient(of x: Matrix, step h: Float, _ f: (Matrix) -> Double) -> Matrix {
    var gradient = Matrix(rows: x.rows, columns: x.columns)
    for i in 0..<x.rows {
        for j in 0..<x.columns {
            var plus = x
            plus[i, j] += h
            var minus = x
            minus[i, j] -= h
            // The step actually taken, after float32 rounding of x ± h.
            let width = Double(plus[i, j]) - Double(minus[i, j])
            gradient[i, j] = Float((f(plus) - f(minus)) / width)
        }
    }
    return gradient
}

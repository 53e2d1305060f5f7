import Testing
import Train

#if canImport(Glibc)
import Glibc
#endif

// CPUBackend's SIMD tanh and sigmoid against float64 over their whole useful range.

@Suite("Vectorized activations")
struct VectorMathTests {
    /// |fast − exact| / max(|exact|, 1e-30) over a dense sweep, in units of float32 epsilon:
    /// relative error, except for results that underflow (the sigmoid far below zero).
    @Test("tanh and sigmoid within 4 float32 epsilons of float64, relative", arguments: [ActivationKind.tanh, .sigmoid])
    func accuracy(_ kind: ActivationKind) {
        // −20 … 20 in steps of about 1e-4, plus tiny and huge magnitudes and exact zeros.
        var inputs = (0..<400_001).map { Float(-20 + Double($0) * 1e-4) }
        inputs += [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 88, -88, 100, -100, 1e30, -1e30, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        let input = Matrix(rows: 1, columns: inputs.count, values: inputs)
        var output = Matrix(rows: 1, columns: inputs.count)
        CPUBackend().activationForward(kind, input: input, into: &output)
        var worst = (error: 0.0, at: Float(0))
        for (x, y) in zip(inputs, output.values) {
            let exact = kind == .tanh ? Glibc.tanh(Double(x)) : 1 / (1 + Glibc.exp(-Double(x)))
            let error = abs(Double(y) - exact) / max(abs(exact), 1e-30) / Double(Float.ulpOfOne)
            if error > worst.error { worst = (error, x) }
        }
        print("\(kind): largest relative error \(worst.error) ε at x = \(worst.at)")
        #expect(worst.error <= 4)
        // Odd symmetry of tanh, and the saturation values, hold exactly.
        if kind == .tanh {
            #expect(zip(inputs, output.values).allSatisfy { x, y in x >= 0 || abs(y) <= 1 })
            #expect(output.values.last == -1)
        }
    }
}

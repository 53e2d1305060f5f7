// VectorMath: exp, tanh and the logistic sigmoid over float32 buffers, for the CPU
// backend's activations.
//
// Glibc's tanhf takes about 13 ns an element here; the MLP applies it to 10,000 values a
// minibatch, which would cost more than the minibatch's matrix products. These are Cephes'
// single-precision algorithms (range reduction and a short polynomial) written as
// straight-line float arithmetic with no calls and no branches, so the compiler
// vectorizes the loops over a buffer. They are within a few units in the last place of
// the exact result; the tests measure the error against float64 over the whole range.

/// Elementwise exp, tanh and sigmoid without library calls.
enum VectorMath {
    /// 1.5·2²³: adding it to a float of magnitude below 2²² rounds it to an integer and
    /// leaves that integer in the low bits of the sum.
    private static let roundingShift: Float = 12_582_912
    private static let roundingShiftBits: UInt32 = 0x4B40_0000

    /// e^x, for x clamped to [−87.3, 88.3], so the result is a normal float from about
    /// 1.2e−38 to 2.1e38, never 0 or infinity.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87.3), 88.3)
        // x = n·ln 2 + r with |r| ≤ ln 2 / 2; ln 2 in two parts so that n·ln 2 is exact enough.
        let shifted = x * 1.442_695_04 + roundingShift
        let n = shifted - roundingShift
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let expR = p * (r * r) + r + 1
        // 2^n from its exponent bits: (n + 127) << 23, with n in −126 … 127.
        return expR * Float(bitPattern: (shifted.bitPattern &- roundingShiftBits &+ 127) &<< 23)
    }

    /// tanh(x): an odd polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) with x's sign above.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let magnitude = Float(bitPattern: x.bitPattern & 0x7FFF_FFFF)
        let s = x * x
        var p: Float = -5.704_988_727_45e-3
        p = p * s + 2.063_908_879_54e-2
        p = p * s - 5.373_971_555_31e-2
        p = p * s + 1.333_144_220_36e-1
        p = p * s - 3.333_328_194_22e-1
        let small = p * s * x + x
        // Above |x| = 9.1, tanh rounds to 1 in float32.
        let e = exp(2 * Swift.min(magnitude, 9.1))
        let large = Float(bitPattern: (1 - 2 / (e + 1)).bitPattern | (x.bitPattern & 0x8000_0000))
        return magnitude < 0.625 ? small : large
    }

    /// The logistic function 1 / (1 + e^{−x}).
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }

    /// `output[i] = tanh(input[i])`; the buffers have the same count.
    static func tanh(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == output.count, "VectorMath.tanh: \(input.count) inputs, \(output.count) outputs")
        for i in 0..<input.count { output[i] = tanh(input[i]) }
    }

    /// `output[i] = sigmoid(input[i])`; the buffers have the same count.
    static func sigmoid(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == output.count, "VectorMath.sigmoid: \(input.count) inputs, \(output.count) outputs")
        for i in 0..<input.count { output[i] = sigmoid(input[i]) }
    }
}

// VectorMath: exp, tanh and the logistic sigmoid sixteen floats at a time, for the CPU
// backend's activations.
//
// Glibc's tanhf takes about 13 ns an element here; the MLP applies it to 10,000 values a
// minibatch, which would cost more than the minibatch's matrix products. These are Cephes'
// single-precision algorithms (range reduction and a short polynomial) on SIMD vectors,
// within a few units in the last place of the exact result; the tests measure the error
// against float64 over the whole useful range.

/// Elementwise exp, tanh and sigmoid on `SIMD16<Float>`.
enum VectorMath {
    typealias Vector = SIMD16<Float>
    private typealias Bits = SIMD16<UInt32>

    /// e^x. Inputs are clamped to [−87.3, 88.3], so the result is never 0 or infinity:
    /// a normal float from about 1.2e−38 to 2.1e38.
    @inline(__always)
    static func exp(_ x: Vector) -> Vector {
        let x = x.clamped(lowerBound: Vector(repeating: -87.3), upperBound: Vector(repeating: 88.3))
        // x = n·ln 2 + r with |r| ≤ ln 2 / 2; ln 2 in two parts so that n·ln 2 is exact enough.
        let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Vector = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let expR = p * (r * r) + r + 1
        // 2^n built from its exponent bits; n lies in −126 … 127.
        let twoToN = unsafeBitCast(Bits(truncatingIfNeeded: SIMD16<Int32>(n, rounding: .towardZero) &+ 127) &<< 23, to: Vector.self)
        return expR * twoToN
    }

    /// tanh(x): an odd polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) with x's sign above.
    @inline(__always)
    static func tanh(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: Bits.self)
        let sign = bits & 0x8000_0000
        let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: Vector.self)
        let s = x * x
        var p: Vector = Vector(repeating: -5.704_988_727_45e-3)
        p = p * s + 2.063_908_879_54e-2
        p = p * s - 5.373_971_555_31e-2
        p = p * s + 1.333_144_220_36e-1
        p = p * s - 3.333_328_194_22e-1
        let small = p * s * x + x
        // Above |x| = 9.1, tanh rounds to 1 in float32.
        let e = exp(2 * magnitude.clamped(lowerBound: Vector(repeating: 0), upperBound: Vector(repeating: 9.1)))
        let large = unsafeBitCast(unsafeBitCast(1 - 2 / (e + 1), to: Bits.self) | sign, to: Vector.self)
        return large.replacing(with: small, where: magnitude .< 0.625)
    }

    /// The logistic function 1 / (1 + e^{−x}).
    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector {
        1 / (1 + exp(-x))
    }

    /// `output[i] = f(input[i])` for every i, sixteen at a time; the last partial group goes
    /// through a padded vector. The buffers have the same count and may be the same memory.
    @inline(__always)
    static func apply(
        _ f: (Vector) -> Vector, _ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(input.count == output.count, "VectorMath.apply: \(input.count) inputs, \(output.count) outputs")
        guard let source = input.baseAddress, let target = output.baseAddress else { return }
        let width = Vector.scalarCount
        let whole = input.count / width * width
        var i = 0
        while i < whole {
            let y = f(UnsafeRawPointer(source + i).loadUnaligned(as: Vector.self))
            UnsafeMutableRawPointer(target + i).storeBytes(of: y, as: Vector.self)
            i += width
        }
        if whole < input.count {
            var padded = Vector()
            for j in whole..<input.count { padded[j - whole] = source[j] }
            let y = f(padded)
            for j in whole..<input.count { target[j] = y[j - whole] }
        }
    }
}

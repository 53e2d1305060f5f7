/// A bit-for-bit reproduction of NumPy's legacy `numpy.random.RandomState`
/// (MT19937) for the draws the Theano deep-learning tutorials use to
/// initialise weights and shuffle data:
///
///     rng = numpy.random.RandomState(1234)
///     W = numpy.asarray(rng.uniform(low=-b, high=b, size=(n_in, n_out)),
///                       dtype=numpy.float32)
///
/// Multi-dimensional `size=` draws fill the array in C (row-major) order, so
/// `uniform(low:high:count:)` with `count` = the product of the shape gives the
/// flattened array.
public struct NumpyRandomState: Sendable {
    /// The underlying generator; its `key`/`position` match `get_state()`.
    public private(set) var mersenneTwister: MersenneTwister

    /// `numpy.random.RandomState(seed)` for an integer seed in 0...2^32-1.
    public init(seed: UInt32) {
        mersenneTwister = MersenneTwister(seed: seed)
    }

    // MARK: Doubles

    /// `RandomState.random_sample()` (a.k.a. `random`, `rand`): a double in
    /// [0, 1) with 53 random bits, from two 32-bit outputs (`mt19937_next_double`):
    ///
    ///     a = next32() >> 5, b = next32() >> 6
    ///     (a * 67108864.0 + b) / 9007199254740992.0
    public mutating func randomSample() -> Double {
        let a = Double(mersenneTwister.next32() >> 5)
        let b = Double(mersenneTwister.next32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `RandomState.random_sample(size=count)`.
    public mutating func randomSample(count: Int) -> [Double] {
        (0..<count).map { _ in randomSample() }
    }

    /// `RandomState.uniform(low, high)` for scalar bounds (`random_uniform`):
    ///
    ///     low + (high - low) * random_sample()
    ///
    /// `high - low` is computed once, in double precision, and must be finite
    /// (NumPy raises `OverflowError` otherwise). `low > high` is allowed.
    public mutating func uniform(low: Double, high: Double) -> Double {
        let range = high - low
        precondition(range.isFinite, "uniform: range exceeds valid bounds")
        return low + range * randomSample()
    }

    /// `RandomState.uniform(low, high, size=count)`, flattened in C order.
    public mutating func uniform(low: Double, high: Double, count: Int) -> [Double] {
        let range = high - low
        precondition(range.isFinite, "uniform: range exceeds valid bounds")
        precondition(count >= 0, "uniform: negative count")
        return (0..<count).map { _ in low + range * randomSample() }
    }

    /// `numpy.asarray(rng.uniform(low, high, size=count), dtype=numpy.float32)`:
    /// the float64 draws rounded to nearest-even float32, as NumPy's cast does.
    public mutating func uniformFloat32(low: Double, high: Double, count: Int) -> [Float] {
        uniform(low: low, high: high, count: count).map { Float($0) }
    }

    // MARK: Integers and shuffling

    /// NumPy's `random_interval(max)`: a uniform integer in 0...max by masked
    /// rejection. With `mask` the smallest `2^k - 1 >= max`, it repeats
    /// `next32() & mask` (or `next64() & mask` when `max > 0xFFFFFFFF`) until
    /// the value is `<= max`. `max == 0` consumes nothing.
    public mutating func randomInterval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        mask |= mask >> 32
        var value: UInt64
        if max <= 0xFFFF_FFFF {
            repeat { value = UInt64(mersenneTwister.next32()) & mask } while value > max
        } else {
            repeat { value = mersenneTwister.next64() & mask } while value > max
        }
        return value
    }

    /// `RandomState.shuffle(x)` for a 1-d array or a list (legacy `_shuffle_raw`):
    ///
    ///     for i in reversed(range(1, n)):
    ///         j = random_interval(i)
    ///         x[i], x[j] = x[j], x[i]
    public mutating func shuffle<Element>(_ array: inout [Element]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, through: 1, by: -1) {
            let j = Int(randomInterval(UInt64(i)))
            array.swapAt(i, j)
        }
    }

    /// `RandomState.permutation(n)`: `arr = numpy.arange(n); shuffle(arr)`.
    public mutating func permutation(_ n: Int) -> [Int] {
        precondition(n >= 0, "permutation: negative n")
        var array = Array(0..<n)
        shuffle(&array)
        return array
    }
}

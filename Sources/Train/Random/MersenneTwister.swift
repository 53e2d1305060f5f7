/// The MT19937 Mersenne Twister (Matsumoto & Nishimura, 1998), laid out as
/// NumPy's `mt19937_state`: a 624-word `key` and a read position `position`.
///
/// Seeding reproduces `numpy.random.RandomState(seed)` for an integer seed,
/// which calls `mt19937_seed` (the reference `init_genrand`), not
/// `init_by_array`:
///
///     key[0] = seed
///     key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i   (mod 2^32)
///     position = 624
///
/// so `key` equals `RandomState(seed).get_state()[1]` and `position` equals
/// `get_state()[2]`.
public struct MersenneTwister: Sendable {
    /// Words of state (`RK_STATE_LEN` in NumPy).
    public static let stateSize = 624

    private static let shift = 397  // M
    private static let matrixA: UInt32 = 0x9908_B0DF
    private static let upperMask: UInt32 = 0x8000_0000
    private static let lowerMask: UInt32 = 0x7FFF_FFFF

    /// The 624 state words, as in `get_state()[1]`.
    public private(set) var key: [UInt32]
    /// Index of the next word to temper; 624 means "twist before the next draw".
    public private(set) var position: Int

    /// Seeds as `mt19937_seed(state, seed)` / `init_genrand(seed)`.
    public init(seed: UInt32) {
        var key = [UInt32](repeating: 0, count: Self.stateSize)
        var value = seed
        for index in 0..<Self.stateSize {
            key[index] = value
            value = 1_812_433_253 &* (value ^ (value >> 30)) &+ UInt32(index + 1)
        }
        self.key = key
        self.position = Self.stateSize
    }

    /// The next tempered 32-bit output (`mt19937_next32` / `genrand_int32`).
    public mutating func next32() -> UInt32 {
        if position == Self.stateSize { twist() }
        var y = key[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// Two outputs joined high word first, as NumPy's `mt19937_next64`:
    /// `(uint64_t)next32() << 32 | next32()`.
    public mutating func next64() -> UInt64 {
        let high = UInt64(next32())
        let low = UInt64(next32())
        return high << 32 | low
    }

    /// Regenerates all 624 words (`mt19937_gen`) and rewinds `position` to 0.
    mutating func twist() {
        let n = Self.stateSize, m = Self.shift
        key.withUnsafeMutableBufferPointer { key in
            func mix(_ i: Int, _ next: Int, _ far: Int) {
                let y = (key[i] & Self.upperMask) | (key[next] & Self.lowerMask)
                key[i] = key[far] ^ (y >> 1) ^ ((0 &- (y & 1)) & Self.matrixA)
            }
            for i in 0..<(n - m) { mix(i, i + 1, i + m) }
            for i in (n - m)..<(n - 1) { mix(i, i + 1, i + m - n) }
            mix(n - 1, 0, m - 1)
        }
        position = 0
    }
}

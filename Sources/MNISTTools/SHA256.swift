/// SHA-256 (FIPS 180-4), in pure Swift.
///
/// Feed the message in any number of `update` calls, then call `finalize` for the 32-byte
/// digest. Whole 64-byte blocks are hashed straight from the caller's memory; only a block
/// split across two `update` calls is copied, into a 64-byte buffer held inline.
///
///     var hasher = SHA256()
///     hasher.update(part1)
///     hasher.update(part2)
///     let digest = hasher.finalize()
public struct SHA256 {
    private var state = State()
    /// Bytes of an unfinished block, waiting for the rest of it.
    private var pending: PendingBlock = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    /// The message length so far, in bytes.
    private var length: UInt64 = 0

    public init() {}

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var input = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        length &+= UInt64(remaining)

        if pendingCount > 0 {
            let taken = min(remaining, 64 - pendingCount)
            withUnsafeMutableBytes(of: &pending) { block in
                (block.baseAddress! + pendingCount).copyMemory(from: input, byteCount: taken)
            }
            pendingCount += taken
            input += taken
            remaining -= taken
            guard pendingCount == 64 else { return }
            let block = pending
            withUnsafeBytes(of: block) { SHA256.compress(&state, blocks: $0.baseAddress!, count: 1) }
            pendingCount = 0
        }

        let wholeBlocks = remaining / 64
        if wholeBlocks > 0 {
            SHA256.compress(&state, blocks: input, count: wholeBlocks)
            input += wholeBlocks * 64
            remaining -= wholeBlocks * 64
        }

        if remaining > 0 {
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.copyMemory(from: input, byteCount: remaining)
            }
            pendingCount = remaining
        }
    }

    /// Ends the message and returns its 32-byte digest. The hasher then starts afresh,
    /// ready for a new message.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        // Padding: one 0x80 byte, zeros up to 56 bytes into a block, then the bit length
        // as a big-endian 64-bit number.
        let paddingCount = pendingCount < 56 ? 56 - pendingCount : 120 - pendingCount
        var tail = [UInt8](repeating: 0, count: paddingCount + 8)
        tail[0] = 0x80
        withUnsafeBytes(of: bitLength.bigEndian) { tail.replaceSubrange(paddingCount..., with: $0) }
        tail.withUnsafeBytes { update($0) }

        var digest = [UInt8]()
        digest.reserveCapacity(32)
        for word in state.words {
            withUnsafeBytes(of: word.bigEndian) { digest.append(contentsOf: $0) }
        }
        self = SHA256()
        return digest
    }

    /// Ends the message and returns its digest as 64 lowercase hexadecimal digits.
    /// The hasher then starts afresh, as after `finalize`.
    public mutating func hexDigest() -> String {
        finalize().withUnsafeBytes { SHA256.hexString($0) }
    }

    /// The SHA-256 digest of `bytes`, as 32 bytes.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The SHA-256 digest of `bytes`, as 64 lowercase hexadecimal digits.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.hexDigest()
    }

    /// `bytes` written as lowercase hexadecimal, two digits a byte.
    static func hexString(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digits[Int(byte >> 4)]
                out[2 * index + 1] = digits[Int(byte & 0x0f)]
            }
            return bytes.count * 2
        }
    }
}

extension SHA256 {
    /// The eight working words, starting from the FIPS 180-4 initial hash value.
    struct State {
        var a: UInt32 = 0x6a09_e667
        var b: UInt32 = 0xbb67_ae85
        var c: UInt32 = 0x3c6e_f372
        var d: UInt32 = 0xa54f_f53a
        var e: UInt32 = 0x510e_527f
        var f: UInt32 = 0x9b05_688c
        var g: UInt32 = 0x1f83_d9ab
        var h: UInt32 = 0x5be0_cd19

        var words: [UInt32] { [a, b, c, d, e, f, g, h] }
    }

    /// 64 bytes of inline storage for a partial block.
    typealias PendingBlock = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    /// The round constants: the first 32 bits of the fractional parts of the cube roots of
    /// the first 64 primes.
    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Hashes `count` whole 64-byte blocks starting at `blocks` (any alignment) into `state`.
    static func compress(_ state: inout State, blocks: UnsafeRawPointer, count: Int) {
        roundConstants.withUnsafeBufferPointer { constants in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
                let k = constants.baseAddress!
                let w = schedule.baseAddress!
                var (a, b, c, d, e, f, g, h) = (state.a, state.b, state.c, state.d, state.e, state.f, state.g, state.h)
                var block = blocks
                for _ in 0..<count {
                    // The message schedule, with each round's constant already added in.
                    for i in 0..<16 {
                        w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    }
                    for i in 16..<64 {
                        w[i] = sigma1(w[i - 2]) &+ w[i - 7] &+ sigma0(w[i - 15]) &+ w[i - 16]
                    }
                    for i in 0..<64 { w[i] &+= k[i] }

                    let (a0, b0, c0, d0, e0, f0, g0, h0) = (a, b, c, d, e, f, g, h)
                    // Eight rounds a turn; the letters rotate instead of the values moving.
                    var i = 0
                    while i < 64 {
                        round(a, b, c, &d, e, f, g, &h, w[i])
                        round(h, a, b, &c, d, e, f, &g, w[i + 1])
                        round(g, h, a, &b, c, d, e, &f, w[i + 2])
                        round(f, g, h, &a, b, c, d, &e, w[i + 3])
                        round(e, f, g, &h, a, b, c, &d, w[i + 4])
                        round(d, e, f, &g, h, a, b, &c, w[i + 5])
                        round(c, d, e, &f, g, h, a, &b, w[i + 6])
                        round(b, c, d, &e, f, g, h, &a, w[i + 7])
                        i += 8
                    }
                    a &+= a0; b &+= b0; c &+= c0; d &+= d0
                    e &+= e0; f &+= f0; g &+= g0; h &+= h0
                    block += 64
                }
                state = State(a: a, b: b, c: c, d: d, e: e, f: f, g: g, h: h)
            }
        }
    }

    /// One round. `d` and `h` are updated; on the next round the names shift by one.
    @inline(__always)
    static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
        _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32,
        _ scheduledWord: UInt32
    ) {
        let choice = (e & f) ^ (~e & g)
        let majority = (a & b) ^ (a & c) ^ (b & c)
        let t1 = h &+ bigSigma1(e) &+ choice &+ scheduledWord
        let t2 = bigSigma0(a) &+ majority
        d &+= t1
        h = t1 &+ t2
    }

    @inline(__always) static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    @inline(__always) static func bigSigma0(_ x: UInt32) -> UInt32 { rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22) }
    @inline(__always) static func bigSigma1(_ x: UInt32) -> UInt32 { rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25) }
    @inline(__always) static func sigma0(_ x: UInt32) -> UInt32 { rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3) }
    @inline(__always) static func sigma1(_ x: UInt32) -> UInt32 { rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10) }
}

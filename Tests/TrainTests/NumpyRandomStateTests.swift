import Foundation
import Testing
@testable import Train

// Expected values were printed once by NumPy 2.4.6 (x86_64). Doubles and
// floats are compared as IEEE bit patterns. Checksums are FNV-1a 64 over the
// little-endian bytes (uint32 words, float64, float32 or int64 elements), which
// Python computes with:
//
//     def fnv(b):
//         h = 0xcbf29ce484222325
//         for x in b: h ^= x; h = (h * 0x100000001b3) & 0xffffffffffffffff
//         return h

/// FNV-1a 64 over the little-endian bytes of fixed-width integers.
private func fnv1a<T: FixedWidthInteger>(_ values: some Sequence<T>) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for value in values {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes in
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
    }
    return hash
}

/// The MLP tutorial's first hidden layer: n_in = 784, n_out = 500.
private let mlpBound = (6.0 / Double(784 + 500)).squareRoot()
private let mlpCount = 784 * 500

@Suite("MersenneTwister")
struct MersenneTwisterTests {
    struct SeedCase: Sendable, CustomTestStringConvertible {
        let seed: UInt32
        let first: [UInt32]
        let last: [UInt32]
        let checksum: UInt64
        var testDescription: String { "seed \(seed)" }
    }

    /// `numpy.random.RandomState(seed).get_state()[1]`.
    static let seedCases: [SeedCase] = [
        .init(seed: 0,
              first: [0x0, 0x1, 0x6c078967, 0x714acb41, 0x48077044],
              last: [0xd522db95, 0x75dea9a, 0x8ccffb2f, 0xb5b4302f, 0x6b1a1930],
              checksum: 0x71D5_1907_81D8_47E4),
        .init(seed: 1,
              first: [0x1, 0x6c078966, 0xdd5254a5, 0xb9523b81, 0x3df95b3],
              last: [0x9dd70b89, 0x4fd1f343, 0x57d14d77, 0x8e41b7fc, 0x7b5687a5],
              checksum: 0x834A_B109_98CF_4401),
        .init(seed: 1234,
              first: [0x4d2, 0xbc5448db, 0xf22bde9f, 0xebb44f8f, 0xb9894e40],
              last: [0x50ef69fe, 0x88274b07, 0xe7c94866, 0xc0ea9f47, 0xb6a83c43],
              checksum: 0x8802_2216_FAB7_F58E),
        .init(seed: 23455,
              first: [0x5b9f, 0xc6853cbc, 0xdd4c2e5d, 0x709919, 0x2a09c7e1],
              last: [0xf137dd2a, 0x68843499, 0x8c761a65, 0xcb8a8c11, 0xdf1ce789],
              checksum: 0xF315_BAA0_4080_2D1E),
        .init(seed: UInt32.max,
              first: [0xffffffff, 0x4fe1da6d, 0xeaf2f89e, 0xc1331af4, 0x8358d277],
              last: [0x4ac09ad9, 0xecc2b1a4, 0xe9737850, 0x3437e62d, 0xcb76e730],
              checksum: 0xE03D_99ED_557F_45EA),
    ]

    @Test("seeding reproduces RandomState(seed).get_state()", arguments: seedCases)
    func seedingMatchesNumpyKey(_ c: SeedCase) {
        let mt = MersenneTwister(seed: c.seed)
        #expect(mt.key.count == 624)
        #expect(mt.position == 624)
        #expect(Array(mt.key.prefix(5)) == c.first)
        #expect(Array(mt.key.suffix(5)) == c.last)
        #expect(fnv1a(mt.key) == c.checksum)
    }

    @Test("next32 matches RandomState(seed)._bit_generator.random_raw()")
    func rawOutputs() {
        var a = MersenneTwister(seed: 1234)
        #expect((0..<5).map { _ in a.next32() } == [0x31076b2f, 0x7f66e2d3, 0x9f428526, 0xd15ddc35, 0x700eeccc])
        var b = MersenneTwister(seed: 23455)
        #expect((0..<5).map { _ in b.next32() } == [0xd5bed62c, 0x528407e5, 0x1d657794, 0x7c026f81, 0xab436bad])
    }

    @Test("reference MT19937 known answers (seed 5489: first output, 10000th output)")
    func referenceKnownAnswers() {
        var mt = MersenneTwister(seed: 5489)
        #expect(mt.next32() == 3_499_211_612)
        for _ in 2..<10_000 { _ = mt.next32() }
        #expect(mt.next32() == 4_123_659_995)  // std::mt19937 conformance value
    }
}

@Suite("NumpyRandomState")
struct NumpyRandomStateTests {
    @Test("first 10 random_sample() for seed 1234 are bitwise equal")
    func randomSampleSeed1234() {
        var rng = NumpyRandomState(seed: 1234)
        let bits = rng.randomSample(count: 10).map(\.bitPattern)
        #expect(bits == [
            0x3FC883B597F66E2C, 0x3FE3E850A7457770, 0x3FDC03BB34E59AEA, 0x3FE921A85315DF5F,
            0x3FE8F58FD371536A, 0x3FD1722841348126, 0x3FD1B19721969100, 0x3FE9A8EFD742BA12,
            0x3FEEA913DCA2A07D, 0x3FEC07A3E076ECD5,
        ])
        var again = NumpyRandomState(seed: 1234)
        #expect(again.randomSample() == 0.1915194503788923)
    }

    @Test("first 10 random_sample() for seed 23455 are bitwise equal")
    func randomSampleSeed23455() {
        var rng = NumpyRandomState(seed: 23455)
        let bits = (0..<10).map { _ in rng.randomSample().bitPattern }
        #expect(bits == [
            0x3FEAB7DAC54A101F, 0x3FBD65778F804DF0, 0x3FE5686D77910348, 0x3FDDD21F6A44B7E4,
            0x3FE34215011C6A20, 0x3FE2D40ADC49889C, 0x3FD4601E2202EB98, 0x3FCA3E1E6CBFA99C,
            0x3FEBDAA3D1E596A4, 0x3F9B6FDF92EA8EE0,
        ])
    }

    @Test("MLP W: uniform(-b, b, size=(784, 500)) with seed 1234, float64")
    func mlpUniformFloat64() {
        #expect(mlpBound.bitPattern == 0x3FB1_7FF2_E00E_C3ED)
        var rng = NumpyRandomState(seed: 1234)
        let draws = rng.uniform(low: -mlpBound, high: mlpBound, count: mlpCount)
        #expect(draws.count == mlpCount)
        #expect(draws.prefix(3).map(\.bitPattern) == [0xBFA597E87EFCEF36, 0x3F9118540995B22C, 0xBF816F9FE4E075F8])
        #expect(draws.suffix(3).map(\.bitPattern) == [0x3FAAD64D206F830A, 0xBFB01DD5A65FFE24, 0xBF9FC8EB5DCE9FA2])
        #expect(fnv1a(draws.lazy.map(\.bitPattern)) == 0xBA62_62EC_8876_7C6A)
        #expect(draws.allSatisfy { -mlpBound <= $0 && $0 < mlpBound })
    }

    @Test("scalar uniform() consumes the stream like the array form")
    func scalarUniformMatchesArray() {
        var a = NumpyRandomState(seed: 1234)
        var b = NumpyRandomState(seed: 1234)
        let array = a.uniform(low: -mlpBound, high: mlpBound, count: 100)
        let scalars = (0..<100).map { _ in b.uniform(low: -mlpBound, high: mlpBound) }
        #expect(array.map(\.bitPattern) == scalars.map(\.bitPattern))
        #expect(a.mersenneTwister.key == b.mersenneTwister.key)
        #expect(a.mersenneTwister.position == b.mersenneTwister.position)
    }

    @Test("MLP W cast: numpy.asarray(draws, dtype=numpy.float32)")
    func mlpUniformFloat32() {
        var rng = NumpyRandomState(seed: 1234)
        let weights = rng.uniformFloat32(low: -mlpBound, high: mlpBound, count: mlpCount)
        #expect(weights.prefix(3).map(\.bitPattern) == [0xBD2CBF44, 0x3C88C2A0, 0xBC0B7CFF])
        #expect(weights.suffix(3).map(\.bitPattern) == [0x3D56B269, 0xBD80EEAD, 0xBCFE475B])
        #expect(fnv1a(weights.lazy.map(\.bitPattern)) == 0x9EC7_B5A1_0149_ABB8)
    }

    @Test("LeNet conv0 W: RandomState(23455).uniform(-W_bound, W_bound, (20, 1, 5, 5)) as float32")
    func lenetFilters() {
        // fan_in = 1*5*5 = 25, fan_out = 20*5*5 / (2*2) = 125
        let bound = (6.0 / Double(25 + 125)).squareRoot()
        #expect(bound == 0.2)
        var rng = NumpyRandomState(seed: 23455)
        let weights = rng.uniformFloat32(low: -bound, high: bound, count: 20 * 1 * 5 * 5)
        #expect(weights.prefix(5).map(\.bitPattern) == [0x3E093157, 0xBE1DC40E, 0x3D8A7159, 0xBC5F26A2, 0x3D26D100])
        #expect(fnv1a(weights.lazy.map(\.bitPattern)) == 0x71A7_9468_7127_FA82)
    }

    @Test("permutation(n) with seed 20261124 matches numpy", arguments: [
        (10, [0, 2, 7, 6, 1, 4, 9, 3, 8, 5], 0xA2BB_6B53_0432_BDA4 as UInt64),
        (1000, [650, 58, 898, 301, 973, 360, 639, 628, 341, 254], 0x4176_849A_0313_4D35),
        (50000, [3761, 25723, 33636, 24647, 26861, 13751, 44383, 33425, 7571, 34934], 0x9BF0_ACC2_2A8A_B489),
    ])
    func permutation(n: Int, first: [Int], checksum: UInt64) {
        var rng = NumpyRandomState(seed: 20_261_124)
        let p = rng.permutation(n)
        #expect(Array(p.prefix(10)) == first)
        #expect(fnv1a(p.lazy.map { Int64($0) }) == checksum)
        #expect(p.sorted() == Array(0..<n))
    }

    @Test("shuffle(list) uses the same stream as permutation")
    func shuffleMatchesPermutation() {
        var a = NumpyRandomState(seed: 20_261_124)
        var b = NumpyRandomState(seed: 20_261_124)
        var letters = Array("abcdefghij")
        a.shuffle(&letters)
        let order = b.permutation(10)
        #expect(letters == order.map { Array("abcdefghij")[$0] })
        var empty: [Int] = [], one = [7]
        a.shuffle(&empty)
        a.shuffle(&one)
        #expect(empty.isEmpty && one == [7])
    }

    @Test("randomInterval matches numpy's masked rejection (randint, 32- and 64-bit paths)")
    func randomInterval() {
        // RandomState(5).randint(0, 1001, size=5, dtype=numpy.uint32)
        var a = NumpyRandomState(seed: 5)
        #expect((0..<5).map { _ in a.randomInterval(1000) } == [867, 206, 701, 998, 118])
        // RandomState(5).randint(0, 2**40, size=5, dtype=numpy.uint64): next64 is high word first
        var b = NumpyRandomState(seed: 5)
        #expect((0..<5).map { _ in b.randomInterval(1 << 40 - 1) } ==
                [425_438_759_118, 1_030_067_709_629, 989_404_716_150, 622_681_974_857, 34_745_516_772])
        var c = NumpyRandomState(seed: 5)
        #expect(c.randomInterval(0) == 0)
        #expect(c.mersenneTwister.position == 624)  // max == 0 draws nothing
    }
}

// MARK: - Live NumPy oracle

/// Runs `python3` (found on PATH) if it can import numpy.
private enum NumpyOracle {
    static let isAvailable: Bool = (try? run(["-c", "import numpy"]))?.status == 0

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, data)
    }
}

@Suite("NumpyRandomState against live NumPy")
struct NumpyOracleTests {
    @Test("uniform(-b, b, size=(784, 500)) seed 1234: all 392000 float64 draws",
          .enabled(if: NumpyOracle.isAvailable, "python3 with numpy not available; embedded checksums still cover this"))
    func largeUniformDraw() throws {
        let script = """
            import sys, numpy as np
            a = np.sqrt(6. / (784 + 500))
            u = np.random.RandomState(1234).uniform(low=-a, high=a, size=(784, 500))
            sys.stdout.buffer.write(u.astype('<f8').tobytes())
            sys.stdout.buffer.write(np.asarray(u, dtype=np.float32).astype('<f4').tobytes())
            """
        let (status, data) = try NumpyOracle.run(["-c", script])
        try #require(status == 0)
        try #require(data.count == mlpCount * 12)
        let expected64: [UInt64] = data.prefix(mlpCount * 8).withUnsafeBytes { raw in
            (0..<mlpCount).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
        let expected32: [UInt32] = data.dropFirst(mlpCount * 8).withUnsafeBytes { raw in
            (0..<mlpCount).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }

        var rng = NumpyRandomState(seed: 1234)
        let draws = rng.uniform(low: -mlpBound, high: mlpBound, count: mlpCount)
        let got64 = draws.map(\.bitPattern)
        let got32 = draws.map { Float($0).bitPattern }
        let firstMismatch = got64.indices.first { got64[$0] != expected64[$0] }
        #expect(firstMismatch == nil, "first differing float64 at flat index \(firstMismatch ?? -1)")
        #expect(fnv1a(got64) == fnv1a(expected64))
        #expect(got32 == expected32)
    }

    @Test("permutation(50000) seed 20261124 equals numpy's",
          .enabled(if: NumpyOracle.isAvailable, "python3 with numpy not available; embedded checksums still cover this"))
    func largePermutation() throws {
        let script = """
            import sys, numpy as np
            sys.stdout.buffer.write(np.random.RandomState(20261124).permutation(50000).astype('<i8').tobytes())
            """
        let (status, data) = try NumpyOracle.run(["-c", script])
        try #require(status == 0)
        try #require(data.count == 50000 * 8)
        let expected: [Int] = data.withUnsafeBytes { raw in
            (0..<50000).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
        }
        var rng = NumpyRandomState(seed: 20_261_124)
        #expect(rng.permutation(50000) == expected)
    }
}

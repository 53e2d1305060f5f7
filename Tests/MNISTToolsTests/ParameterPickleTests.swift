import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// `NDArrayPickleWriter`: a list of float32 arrays that our `Unpickler` and Python 3's plain
/// `pickle.load` both read back exactly.
@Suite struct ParameterPickleTests {
    static let arrays: [(shape: [Int], values: [Float])] = [
        ([3, 2], [1.5, -2.25, 0, .leastNonzeroMagnitude, 3e38, -1e-7]),
        ([2], [0.125, -0.5]),
        ([], [7]),
        ([2, 1, 2, 3], (0..<12).map { Float($0) / 3 }),   // more than 3 axes: MARK … TUPLE
        ([0, 4], []),
        ([300, 70000 / 300], (0..<(300 * 233)).map { Float($0) }),   // dimensions past one byte
    ]

    static func pickled(_ arrays: [(shape: [Int], values: [Float])]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var writer = NDArrayPickleWriter { bytes.append(contentsOf: $0) }
        try writer.write(float32Arrays: arrays)
        return bytes
    }

    @Test func roundTripsThroughOurUnpickler() throws {
        let result = try Unpickler().read(bytes: Self.pickled(Self.arrays))
        #expect(result.protocol == 3)
        guard case let .list(list) = result.value else {
            Issue.record("expected a list, got \(result.value.typeName)")
            return
        }
        #expect(list.items.count == Self.arrays.count)
        for (item, expected) in zip(list.items, Self.arrays) {
            guard case let .ndarray(array) = item else {
                Issue.record("expected an ndarray, got \(item.typeName)")
                continue
            }
            #expect(array.dtype.description == "<f4")
            #expect(array.shape == expected.shape)
            #expect(!array.isFortranOrder)
            #expect(array.bytes?.array == expected.values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) })
        }
    }

    @Test func anEmptyListIsAList() throws {
        let bytes = try Self.pickled([])
        #expect(bytes == [0x80, 3, 0x5D, 0x2E])
        guard case let .list(list) = try Unpickler().read(bytes: bytes).value else {
            Issue.record("expected a list")
            return
        }
        #expect(list.items.isEmpty)
    }

    @Test(.enabled(if: numpyAvailable, "needs python3 with NumPy"))
    func pythonThreeLoadsItWithoutAnEncoding() throws {
        let folder = try FormatFixtures.makeFolder()
        defer { FormatFixtures.removeFolder(folder) }
        let path = try FormatFixtures.write(Self.pickled(Self.arrays), to: folder, name: "params.pkl")
        let script = """
            import pickle
            arrays = pickle.load(open(sys.argv[1], 'rb'))
            assert type(arrays) is list
            print(json.dumps([[list(a.shape), a.dtype.str, a.flags['C_CONTIGUOUS'], a.tobytes().hex()] for a in arrays]))
            """
        let result = try #require(FormatFixtures.pythonJSON(script, [path]) as? [[Any]])
        #expect(result.count == Self.arrays.count)
        for (entry, expected) in zip(result, Self.arrays) {
            #expect(entry[0] as? [Int] == expected.shape)
            #expect(entry[1] as? String == "<f4")
            #expect(entry[2] as? Bool == true)
            #expect(entry[3] as? String == FormatFixtures.hex(expected.values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }))
        }
    }
}

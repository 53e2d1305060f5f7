import Pickle
import Testing

/// `PickleValue`'s structural equality (deep values are in `DeepNestingTests`).
@Suite struct EqualityTests {
    @Test func scalars() {
        #expect(PickleValue.none == .none)
        #expect(PickleValue.int(1) != .bool(true))
        #expect(PickleValue.int(1) != .float(1))
        #expect(PickleValue.float(.nan) == .float(-.nan))
        #expect(PickleValue.float(0) == .float(-0.0))
        #expect(PickleValue.float(1) != .float(.nan))
        #expect(PickleValue.complex(real: .nan, imaginary: 1) == .complex(real: .nan, imaginary: 1))
        #expect(PickleValue.complex(real: 1, imaginary: 2) != .complex(real: 1, imaginary: 3))
        #expect(PickleValue.global(module: "a", name: "b") == .global(module: "a", name: "b"))
        #expect(PickleValue.global(module: "a", name: "b") != .global(module: "a.b", name: ""))
    }

    @Test func bigIntegers() throws {
        let big = try unpickle("\u{8a}\u{09}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{01}.")
        #expect(big == (try unpickle("L18446744073709551616\n.")))
        #expect(big != (try unpickle("L18446744073709551617\n.")))
        #expect(big != (try unpickle("L-18446744073709551616\n.")))
    }

    @Test func byteStringsCompareBytesAndKind() {
        let bytes = ByteSlice(copying: [1, 2, 3])
        // A slice of a larger storage equals a copy of the same bytes.
        let view = ByteSlice(copying: [0, 1, 2, 3, 4]).subslice(from: 1, count: 3)
        #expect(PickleValue.bytes(bytes) == .bytes(view))
        #expect(PickleValue.bytes(bytes) != .bytearray(bytes))
        #expect(PickleValue.bytes(bytes) != .py2String(bytes))
        #expect(PickleValue.bytes(bytes) != .bytes(ByteSlice(copying: [1, 2])))
    }

    @Test func containersCompareItemsInOrder() throws {
        #expect(PickleValue.list(PickleList([1, 2])) == .list(PickleList([1, 2])))
        #expect(PickleValue.list(PickleList([1, 2])) != .list(PickleList([2, 1])))
        #expect(PickleValue.list(PickleList([1])) != .list(PickleList([1, 1])))
        #expect(PickleValue.tuple(PickleTuple([1])) != .list(PickleList([1])))
        // Dicts by their entries in order; sets by their items in order.
        #expect(try unpickle("}(K\u{01}K\u{02}K\u{03}K\u{04}u.") == unpickle("(K\u{01}K\u{02}K\u{03}K\u{04}d."))
        #expect(try unpickle("}(K\u{01}K\u{02}K\u{03}K\u{04}u.") != unpickle("}(K\u{03}K\u{04}K\u{01}K\u{02}u."))
        #expect(try unpickle("}(K\u{01}K\u{02}u.") != unpickle("}(K\u{01}K\u{03}u."))
        #expect(try unpickle("\u{8f}(K\u{01}K\u{02}\u{90}.") == unpickle("\u{8f}(K\u{01}K\u{02}K\u{01}\u{90}."))
        #expect(try unpickle("\u{8f}(K\u{01}K\u{02}\u{90}.") != unpickle("\u{8f}(K\u{02}K\u{01}\u{90}."))
        #expect(try unpickle("\u{8f}(K\u{01}\u{90}.") != unpickle("(K\u{01}\u{91}."))
    }

    @Test func sharingDoesNotMatterOnlyStructure() throws {
        // ([1], [1]) with one shared list equals the same with two lists.
        #expect(try unpickle("]K\u{01}aq\u{00}h\u{00}\u{86}.") == unpickle("]K\u{01}a]K\u{01}a\u{86}."))
    }

    @Test func cyclesAreComparedAsBisimulations() throws {
        let selfList = try unpickle("]q\u{00}h\u{00}a.")             // l = [l]
        let twoStep = try unpickle("]q\u{00}]h\u{00}aa.")             // m = [[m]]
        #expect(selfList == twoStep)                                  // both are [[[…]]]
        #expect(twoStep == selfList)
        #expect(selfList != (try unpickle("]q\u{00}h\u{00}aK\u{01}a.")))   // l = [l, 1]
        // Two dicts that hold each other.
        let pair = "}q\u{00}\u{8c}\u{01}x}q\u{01}\u{8c}\u{01}yh\u{00}ss."
        #expect(try unpickle(pair) == unpickle(pair))
        let other = "}q\u{00}\u{8c}\u{01}x}q\u{01}\u{8c}\u{01}zh\u{00}ss."
        #expect(try unpickle(pair) != unpickle(other))
    }

    @Test func aValueEqualsItself() throws {
        let value = try unpickle("]q\u{00}h\u{00}aG\u{7f}\u{f8}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}a.")
        #expect(value == value)
    }

    @Test func dtypesCompareByElementType() throws {
        let dtype = "\u{80}\u{02}cnumpy\ndtype\nX\u{02}\u{00}\u{00}\u{00}f4\u{89}\u{88}\u{87}R(K\u{03}X\u{01}\u{00}\u{00}\u{00}>NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb."
        #expect(try unpickle(dtype) == unpickle(dtype))
        #expect(try unpickle(dtype) != unpickle("cnumpy\ndtype\n(Vf4\ntR."))
    }
}

import Pickle
import Testing

/// Values nested a million levels deep: reading, comparing and freeing them must not recurse
/// natively (the stack would overflow long before).
@Suite struct DeepNestingTests {
    static let depth = 1_000_000

    private static func repeated(_ bytes: [UInt8], _ count: Int) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count * count)
        for _ in 0..<count { result += bytes }
        return result
    }

    /// `[[[…[innermost…]…]]]`: EMPTY_LIST for each level, then APPEND for each.
    static func nestedLists(innermost: [UInt8] = []) -> [UInt8] {
        repeated([0x5d], depth + 1) + innermost + repeated([0x61], depth) + [0x2e]
    }

    /// `((…((),)…),)` by MARK … TUPLE.
    static func nestedMarkTuples() -> [UInt8] {
        repeated([0x28], depth) + [0x29] + repeated([0x74], depth) + [0x2e]
    }

    /// `((…((),)…),)` by TUPLE1.
    static func nestedTupleOnes() -> [UInt8] {
        [0x29] + repeated([0x85], depth) + [0x2e]
    }

    /// `{0: {0: … {} …}}`.
    static func nestedDicts() -> [UInt8] {
        [0x7d] + repeated([0x4b, 0x00, 0x7d], depth) + repeated([0x73], depth) + [0x2e]
    }

    /// `f((f((…f(()),…),),)`: opaque objects, each the argument of the next.
    static func nestedObjects() -> [UInt8] {
        pickle("cfoo\nf\nq\u{00}") + repeated([0x68, 0x00], depth - 1) + [0x29] + repeated([0x85, 0x52], depth) + [0x2e]
    }

    /// Follows the first child down; returns how many levels there were.
    private static func levels(_ value: PickleValue, child: (PickleValue) -> PickleValue?) -> Int {
        var current = value
        var count = 0
        while let next = child(current) {
            current = next
            count += 1
        }
        return count
    }

    @Test func nestedLists() throws {
        let value = try unpickle(Self.nestedLists())
        #expect(Self.levels(value) { $0.listItems?.first } == Self.depth)
        #expect(value == (try unpickle(Self.nestedLists())))
        // A difference at the very bottom is found.
        #expect(value != (try unpickle(Self.nestedLists(innermost: [0x4b, 0x01, 0x61]))))
    }

    @Test func nestedTuplesByMark() throws {
        let value = try unpickle(Self.nestedMarkTuples())
        #expect(Self.levels(value) { $0.tupleItems?.first } == Self.depth)
        #expect(value == (try unpickle(Self.nestedMarkTuples())))
        // The same shape built by TUPLE1 is the same value.
        #expect(value == (try unpickle(Self.nestedTupleOnes())))
    }

    @Test func nestedTuplesByTupleOne() throws {
        let value = try unpickle(Self.nestedTupleOnes())
        #expect(Self.levels(value) { $0.tupleItems?.first } == Self.depth)
        #expect(value != (try unpickle([0x29] + Self.repeated([0x85], Self.depth - 1) + [0x2e])))
    }

    @Test func nestedDicts() throws {
        let value = try unpickle(Self.nestedDicts())
        #expect(Self.levels(value) { $0.dictEntries?.first?.value } == Self.depth)
        #expect(value == (try unpickle(Self.nestedDicts())))
    }

    @Test func nestedObjects() throws {
        let value = try unpickle(Self.nestedObjects())
        #expect(Self.levels(value) { $0.pickleObject?.arguments.tupleItems?.first } == Self.depth)
        #expect(value == (try unpickle(Self.nestedObjects())))
    }

    @Test func deepTupleAsADictKey() throws {
        // Hashing a key this deep falls back to identity past a fixed depth.
        let bytes = [0x7d] + Self.nestedTupleOnes().dropLast() + [0x4b, 0x01, 0x73, 0x2e]
        let dict = try #require(try unpickle(bytes).pickleDict)
        #expect(dict.count == 1)
        #expect(dict.values == [1])
    }

    @Test func droppingASharedDeepValueFinishes() throws {
        // Every test here frees its deep values on return (a recursive deinit would crash
        // there). This one is also reachable twice, through the memo.
        let bytes = pickle("]q\u{00}") + Self.repeated([0x5d], Self.depth) + Self.repeated([0x61], Self.depth) + pickle("h\u{00}\u{86}.")
        var value = try unpickle(bytes)
        let items = try #require(value.tupleItems)
        #expect(items[0].pickleList === items[1].pickleList)
        #expect(Self.levels(items[0]) { $0.listItems?.first } == Self.depth)
        value = .none
        #expect(value == PickleValue.none)
    }
}

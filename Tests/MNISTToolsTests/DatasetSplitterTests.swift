import Pickle
import Testing
@testable import MNISTTools

/// `DatasetSplitter` on small in-memory datasets whose images carry their own index (pixel 0
/// is the index, pixel 1 the label), so every example can be followed through a split.
@Suite struct DatasetSplitterTests {
    /// A split of `labels.count` 2×2 byte images; image `i` holds `[first + i, label, 7, 9]`.
    static func split(_ name: String, labels: [Int], first: Int = 0, divisor: Int = 255) throws -> DatasetSplit {
        var pixels: [UInt8] = []
        for (index, label) in labels.enumerated() { pixels += [UInt8(first + index), UInt8(label), 7, 9] }
        let images = try ImageBlock(count: labels.count, rows: 2, columns: 2, pixels: .bytes(ByteSlice(copying: pixels), divisor: divisor),
                                    source: name, field: "images")
        return try DatasetSplit(name: name, images: images, labels: LabelBlock(values: labels), source: name)
    }

    /// Train only: `count` examples labelled 0…9 in turn.
    static func trainOnly(_ count: Int) throws -> Dataset {
        Dataset(splits: [try split("train", labels: (0..<count).map { $0 % 10 })])
    }

    /// The index each image of `split` carries.
    static func indices(_ split: DatasetSplit?) -> [Int] {
        guard let split else { return [] }
        return (0..<split.count).map { split.images.grayLevels(image: $0)[0] }.map(Int.init)
    }

    static func splitter(merge: Bool = false, valid: DatasetSplitter.Amount? = nil, test: DatasetSplitter.Amount? = nil,
                         seed: UInt64? = nil, stratify: Bool = false) -> DatasetSplitter {
        var splitter = DatasetSplitter()
        splitter.merge = merge
        splitter.valid = valid
        splitter.test = test
        splitter.seed = seed
        splitter.stratify = stratify
        return splitter
    }

    // MARK: Amounts

    @Test func parsesAmounts() {
        #expect(DatasetSplitter.Amount("10000") == .count(10000))
        #expect(DatasetSplitter.Amount("0") == .count(0))
        #expect(DatasetSplitter.Amount("0.2") == .fraction(0.2))
        #expect(DatasetSplitter.Amount("1.0") == .fraction(1.0))
        #expect(DatasetSplitter.Amount("1e-1") == .fraction(0.1))
        for bad in ["", "abc", "1,000", "10k", "-5", "-0.5", "nan", "inf", "-inf", " 5"] {
            #expect(DatasetSplitter.Amount(bad) == nil, "\(bad)")
        }
    }

    // MARK: Which examples go where

    @Test func takesTheLastExamplesInOrder() throws {
        let result = try Self.splitter(valid: .count(5)).apply(to: try Self.trainOnly(20), source: "s")
        #expect(result.splits.map(\.name) == ["train", "valid"])
        #expect(Self.indices(result.split(named: "train")) == Array(0..<15))
        #expect(Self.indices(result.split(named: "valid")) == Array(15..<20))
        // Labels and pixels travel together.
        let valid = try #require(result.split(named: "valid"))
        #expect(valid.labels.values == (15..<20).map { $0 % 10 })
        #expect((0..<valid.count).allSatisfy { valid.images.grayLevels(image: $0) == [UInt8(15 + $0), UInt8((15 + $0) % 10), 7, 9] })
        if case let .bytes(_, divisor) = valid.images.pixels { #expect(divisor == 255) } else { Issue.record("pixels became floats") }
    }

    @Test func fractionsRoundToTheNearestCount() throws {
        let result = try Self.splitter(valid: .fraction(0.25)).apply(to: try Self.trainOnly(30), source: "s")
        #expect(result.split(named: "valid")?.count == 8)  // 7.5 rounds up
        #expect(result.split(named: "train")?.count == 22)
    }

    @Test func testIsTakenBeforeValidAndSplitsKeepTheirOrder() throws {
        let result = try Self.splitter(valid: .count(4), test: .count(6)).apply(to: try Self.trainOnly(20), source: "s")
        #expect(result.splits.map(\.name) == ["train", "valid", "test"])
        #expect(Self.indices(result.split(named: "test")) == Array(14..<20))
        #expect(Self.indices(result.split(named: "valid")) == Array(10..<14))
        #expect(Self.indices(result.split(named: "train")) == Array(0..<10))
    }

    @Test func validGoesRightAfterTrain() throws {
        let dataset = Dataset(splits: [try Self.split("train", labels: Array(repeating: 1, count: 10)),
                                       try Self.split("test", labels: [2, 2, 2], first: 100)])
        let result = try Self.splitter(valid: .count(3)).apply(to: dataset, source: "s")
        #expect(result.splits.map(\.name) == ["train", "valid", "test"])
        #expect(Self.indices(result.split(named: "test")) == [100, 101, 102])
    }

    @Test func mergeJoinsSplitsInOrder() throws {
        let dataset = Dataset(splits: [try Self.split("train", labels: [0, 1, 2]), try Self.split("valid", labels: [3, 4], first: 10),
                                       try Self.split("test", labels: [5], first: 20)])
        let merged = try Self.splitter(merge: true).apply(to: dataset, source: "s")
        #expect(merged.splits.map(\.name) == ["train"])
        #expect(Self.indices(merged.splits.first) == [0, 1, 2, 10, 11, 20])
        #expect(merged.splits.first?.labels.values == [0, 1, 2, 3, 4, 5])
        let carved = try Self.splitter(merge: true, valid: .count(2), test: .count(1)).apply(to: dataset, source: "s")
        #expect(carved.splits.map(\.name) == ["train", "valid", "test"])
        #expect(Self.indices(carved.split(named: "test")) == [20])
        #expect(Self.indices(carved.split(named: "valid")) == [10, 11])
    }

    /// Splits stored with different divisors merge as float32 values, exactly.
    @Test func mergingDifferentScalesGivesFloats() throws {
        let dataset = Dataset(splits: [try Self.split("train", labels: [0, 1], divisor: 256), try Self.split("test", labels: [2], first: 5, divisor: 255)])
        let merged = try #require(try Self.splitter(merge: true).apply(to: dataset, source: "s").splits.first)
        guard case .float32 = merged.images.pixels else { Issue.record("expected float32 pixels"); return }
        #expect(merged.images.value(image: 0, pixel: 1) == Float(0) / 256)
        #expect(merged.images.value(image: 1, pixel: 0) == Float(1) / 256)
        #expect(merged.images.value(image: 2, pixel: 0) == Float(5) / 255)
        #expect(merged.images.value(image: 2, pixel: 3) == Float(9) / 255)
    }

    @Test func floatPixelsStayFloat() throws {
        let values: [Float] = (0..<24).map { Float($0) / 7 }
        let bytes = values.withUnsafeBytes { ByteSlice(copying: $0) }
        let images = try ImageBlock(count: 6, rows: 2, columns: 2, pixels: .float32(bytes), source: "s", field: "images")
        let dataset = Dataset(splits: [try DatasetSplit(name: "train", images: images, labels: LabelBlock(values: [0, 1, 0, 1, 0, 1]), source: "s")])
        let result = try Self.splitter(valid: .count(2)).apply(to: dataset, source: "s")
        let valid = try #require(result.split(named: "valid"))
        guard case .float32 = valid.images.pixels else { Issue.record("expected float32 pixels"); return }
        #expect((0..<4).map { valid.images.value(image: 1, pixel: $0) } == Array(values[20..<24]))
    }

    // MARK: Shuffling

    /// SplitMix64 then Fisher–Yates, written out here: the documented algorithm, so a seed
    /// gives the same split in every version.
    static func referenceOrder(count: Int, seed: UInt64) -> [Int] {
        var state = seed
        var order = Array(0..<count)
        for position in stride(from: count - 1, to: 0, by: -1) {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            order.swapAt(position, Int(z % UInt64(position + 1)))
        }
        return order
    }

    @Test func seededShuffleFollowsSplitMix64AndFisherYates() throws {
        let dataset = try Self.trainOnly(50)
        let result = try Self.splitter(valid: .count(10), seed: 7).apply(to: dataset, source: "s")
        let order = Self.referenceOrder(count: 50, seed: 7)
        #expect(Self.indices(result.split(named: "valid")) == Array(order.suffix(10)))
        #expect(Self.indices(result.split(named: "train")) == Array(order.prefix(40)))
        // The same seed again gives the same split; another seed, another.
        let again = try Self.splitter(valid: .count(10), seed: 7).apply(to: dataset, source: "s")
        #expect(Self.indices(again.split(named: "valid")) == Self.indices(result.split(named: "valid")))
        let other = try Self.splitter(valid: .count(10), seed: 8).apply(to: dataset, source: "s")
        #expect(Self.indices(other.split(named: "valid")) != Self.indices(result.split(named: "valid")))
        #expect((Self.indices(other.split(named: "train")) + Self.indices(other.split(named: "valid"))).sorted() == Array(0..<50))
    }

    // MARK: Stratification

    @Test(arguments: [nil, 3] as [UInt64?])
    func stratifiedSplitKeepsEachClassShare(seed: UInt64?) throws {
        // Classes of 50, 30, 15, 4 and 1 examples, interleaved.
        let sizes = [50, 30, 15, 4, 1]
        var labels: [Int] = []
        var left = sizes
        while left.contains(where: { $0 > 0 }) {
            for label in left.indices where left[label] > 0 { labels.append(label); left[label] -= 1 }
        }
        let dataset = Dataset(splits: [try Self.split("train", labels: labels)])
        for count in [1, 7, 20, 33, 99] {
            let result = try Self.splitter(valid: .count(count), seed: seed, stratify: true).apply(to: dataset, source: "s")
            let valid = try #require(result.split(named: "valid")), train = try #require(result.split(named: "train"))
            #expect(valid.count == count)
            #expect(train.count == 100 - count)
            for (label, size) in sizes.enumerated() {
                let share = Double(size) * Double(count) / 100
                let taken = valid.labels.values.filter { $0 == label }.count
                #expect(abs(Double(taken) - share) <= 1, "count \(count), class \(label): \(taken) for \(share)")
            }
            #expect((Self.indices(train) + Self.indices(valid)).sorted() == Array(0..<100))
            if seed == nil {
                // Without a shuffle, the last examples of each class, in the original order.
                let validIndices = Self.indices(valid)
                #expect(validIndices == validIndices.sorted())
                for label in sizes.indices {
                    let ofClass = labels.indices.filter { labels[$0] == label }
                    let taken = validIndices.filter { labels[$0] == label }
                    #expect(taken == Array(ofClass.suffix(taken.count)))
                }
            }
        }
    }

    // MARK: Refusals

    @Test func refusesImpossibleAmounts() throws {
        let dataset = try Self.trainOnly(20)
        let cases: [(DatasetSplitter, String, String)] = [
            (Self.splitter(valid: .count(20)), "--valid", "asks for 20 examples but train has 20: nothing would be left to train on"),
            (Self.splitter(valid: .count(25)), "--valid", "asks for 25 examples but train has 20: nothing would be left to train on"),
            (Self.splitter(valid: .count(0)), "--valid", "would be empty (0 of 20 examples)"),
            (Self.splitter(valid: .fraction(0.01)), "--valid", "would be empty (0 of 20 examples)"),
            (Self.splitter(test: .fraction(1)), "--test", "a fraction must lie between 0 and 1, not 1.0"),
            (Self.splitter(test: .fraction(0)), "--test", "a fraction must lie between 0 and 1, not 0.0"),
            (Self.splitter(valid: .count(5), test: .count(15)), "--valid", "asks for 5 examples but train has 5: nothing would be left to train on"),
        ]
        for (splitter, field, reason) in cases {
            #expect(throws: MNISTToolsError.invalidData(path: "in.pkl", field: field, reason: reason)) {
                try splitter.apply(to: dataset, source: "in.pkl")
            }
        }
    }

    @Test func refusesToCarveAnExistingSplitWithoutMerge() throws {
        let dataset = Dataset(splits: [try Self.split("train", labels: [0, 1, 2, 3]), try Self.split("valid", labels: [0, 1])])
        #expect(throws: MNISTToolsError.invalidData(path: "in", field: "--valid",
                                                    reason: "the dataset already has a 'valid' split; add --merge to carve anew")) {
            try Self.splitter(valid: .count(1)).apply(to: dataset, source: "in")
        }
        let merged = try Self.splitter(merge: true, valid: .count(1)).apply(to: dataset, source: "in")
        #expect(merged.splits.map(\.count) == [5, 1])
        let testOnly = Dataset(splits: [try Self.split("test", labels: [0, 1])])
        #expect(throws: MNISTToolsError.invalidData(path: "in", field: "--valid", reason: "the dataset has no 'train' split to take it from")) {
            try Self.splitter(valid: .count(1)).apply(to: testOnly, source: "in")
        }
    }

    @Test func refusesToMergeImagesOfDifferentSizes() throws {
        let small = try ImageBlock(count: 1, rows: 1, columns: 4, pixels: .bytes(ByteSlice(copying: [1, 2, 3, 4]), divisor: 255), source: "s", field: "f")
        let dataset = Dataset(splits: [try Self.split("train", labels: [0]),
                                       try DatasetSplit(name: "test", images: small, labels: LabelBlock(values: [1]), source: "s")])
        #expect(throws: MNISTToolsError.invalidData(path: "in", field: "split 'test'", reason: "images are 1×4, not 2×2 like 'train'")) {
            try Self.splitter(merge: true).apply(to: dataset, source: "in")
        }
    }
}

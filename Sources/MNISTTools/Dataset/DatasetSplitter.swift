/// Carves or reshapes a dataset's splits, deterministically: `split` does this.
///
/// The order of work: merge every split into "train" (when asked), then take the test
/// split from train, then the validation split from what is left. Without shuffling, the
/// last examples are taken, as the tutorials took the last 10,000 of MNIST's 60,000
/// training digits for validation. With a seed, train is first put in a random order from
/// that seed (SplitMix64, then Fisher–Yates), so the same seed gives the same split.
public struct DatasetSplitter {
    /// How many examples to take: a count, or a fraction of the split taken from.
    public enum Amount: Equatable, Sendable {
        case count(Int)
        case fraction(Double)

        /// Parses "10000" or "0.2"; nil for other text, negative amounts, NaN or infinity.
        public init?(_ text: String) {
            if let count = Int(text) {
                guard count >= 0 else { return nil }
                self = .count(count)
                return
            }
            guard let fraction = Double(text), fraction.isFinite, fraction >= 0 else { return nil }
            self = .fraction(fraction)
        }

        func resolved(outOf total: Int, what: String, source: String) throws -> Int {
            let count: Int
            switch self {
            case let .count(value): count = value
            case let .fraction(value):
                guard value > 0, value < 1 else {
                    throw MNISTToolsError.invalidData(path: source, field: what, reason: "a fraction must lie between 0 and 1, not \(value)")
                }
                count = Int((value * Double(total)).rounded())
            }
            guard count > 0 else {
                throw MNISTToolsError.invalidData(path: source, field: what, reason: "would be empty (\(count) of \(total) examples)")
            }
            guard count < total else {
                throw MNISTToolsError.invalidData(path: source, field: what,
                                                  reason: "asks for \(count) examples but train has \(total): nothing would be left to train on")
            }
            return count
        }
    }

    public var merge = false
    public var valid: Amount?
    public var test: Amount?
    /// Shuffle train with this seed before carving.
    public var seed: UInt64?
    /// Keep each class's share the same in the parts taken and in what is left.
    public var stratify = false

    public init() {}

    public func apply(to dataset: Dataset, source: String) throws -> Dataset {
        var splits = dataset.splits
        if merge {
            splits = [try DatasetSplit.concatenating(splits, name: "train", source: source)]
        }
        for (name, amount) in [("test", test), ("valid", valid)] {
            guard let amount else { continue }
            guard !splits.contains(where: { $0.name == name }) else {
                throw MNISTToolsError.invalidData(path: source, field: "--\(name)",
                                                  reason: "the dataset already has a '\(name)' split; add --merge to carve anew")
            }
            guard let trainIndex = splits.firstIndex(where: { $0.name == "train" }) else {
                throw MNISTToolsError.invalidData(path: source, field: "--\(name)", reason: "the dataset has no 'train' split to take it from")
            }
            let train = splits[trainIndex]
            let count = try amount.resolved(outOf: train.count, what: "--\(name)", source: source)
            var order = Array(0..<train.count)
            if let seed { shuffle(&order, seed: seed) }
            let taken = stratify ? stratifiedTail(order, labels: train.labels.values, count: count) : Array(order.suffix(count))
            let takenSet = Set(taken)
            let kept = order.filter { !takenSet.contains($0) }
            splits[trainIndex] = try train.subset(kept, name: "train")
            let carved = try train.subset(taken, name: name)
            // Keep the usual order: train, valid, test.
            splits.insert(carved, at: name == "valid" ? trainIndex + 1 : splits.count)
        }
        return Dataset(splits: splits)
    }

    /// The last examples of each class in `order`, as many per class as its share of
    /// `count` (largest remainders get the leftover), in `order`'s order.
    private func stratifiedTail(_ order: [Int], labels: [Int], count: Int) -> [Int] {
        var byClass: [Int: [Int]] = [:]
        for index in order { byClass[labels[index], default: []].append(index) }
        let classes = byClass.keys.sorted()
        let shares = classes.map { Double(byClass[$0]?.count ?? 0) * Double(count) / Double(order.count) }
        var quotas = shares.map { Int($0.rounded(.down)) }
        let byRemainder = classes.indices.sorted {
            shares[$0] - shares[$0].rounded(.down) > shares[$1] - shares[$1].rounded(.down)
        }
        for position in byRemainder.prefix(count - quotas.reduce(0, +)) { quotas[position] += 1 }
        var chosen = Set<Int>()
        for (position, label) in classes.enumerated() { chosen.formUnion((byClass[label] ?? []).suffix(quotas[position])) }
        return order.filter { chosen.contains($0) }
    }

    /// Fisher–Yates with SplitMix64: the same seed always gives the same order.
    private func shuffle(_ order: inout [Int], seed: UInt64) {
        var generator = SplitMix64(state: seed)
        guard order.count > 1 else { return }
        for position in stride(from: order.count - 1, to: 0, by: -1) {
            let other = Int(generator.next() % UInt64(position + 1))
            order.swapAt(position, other)
        }
    }
}

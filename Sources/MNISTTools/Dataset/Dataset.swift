import Pickle

/// A dataset: named splits ("train", "valid", "test", or others) in a fixed order.
public struct Dataset {
    public var splits: [DatasetSplit]

    public init(splits: [DatasetSplit]) { self.splits = splits }

    /// The split called `name`, if there is one.
    public func split(named name: String) -> DatasetSplit? {
        splits.first { $0.name == name }
    }

    /// The number of classes: one more than the largest label in any split.
    public var classCount: Int {
        (splits.compactMap { $0.labels.values.max() }.max() ?? -1) + 1
    }
}

/// One split: `count` images and as many integer labels.
public struct DatasetSplit {
    public var name: String
    public var images: ImageBlock
    public var labels: LabelBlock

    /// Pairs images with labels, checking that the counts agree; `source` names the file
    /// in errors.
    public init(name: String, images: ImageBlock, labels: LabelBlock, source: String) throws(MNISTToolsError) {
        guard images.count == labels.count else {
            throw .invalidData(path: source, field: "split '\(name)'",
                               reason: "\(images.count) images but \(labels.count) labels")
        }
        self.name = name
        self.images = images
        self.labels = labels
    }

    public var count: Int { images.count }
}

/// Integer class labels, 0 … classes − 1.
public struct LabelBlock {
    public let values: [Int]
    public var count: Int { values.count }

    public init(values: [Int]) { self.values = values }

    /// How many labels each class has (index = class).
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: (values.max() ?? -1) + 1)
        for label in values { counts[label] += 1 }
        return counts
    }
}

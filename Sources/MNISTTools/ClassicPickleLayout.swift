import Pickle

/// The structure of `mnist.pkl.gz`: a tuple of (images, labels) pairs — three pairs are
/// train/valid/test, two are train/test — with images shaped (N, rows·cols) or
/// (N, rows, cols) and labels shaped (N,).
public struct ClassicPickleLayout {
    public struct Split {
        public let name: String
        public let images: NDArray
        public let labels: NDArray
        /// Rows and columns of one image: (N, 784) reads as 28×28, (N, R·C) as a square
        /// when the side is whole, (N, R, C) as given; nil when unknown.
        public let imageSize: (rows: Int, columns: Int)?
    }

    public let splits: [Split]

    /// The layout of `value`, or nil when it is not an MNIST-style tuple of pairs.
    public init?(_ value: PickleValue) {
        guard let pairs = Self.items(value), pairs.count == 2 || pairs.count == 3 else { return nil }
        let names = pairs.count == 3 ? ["train", "valid", "test"] : ["train", "test"]
        var splits: [Split] = []
        for (name, pair) in zip(names, pairs) {
            guard let parts = Self.items(pair), parts.count == 2,
                  case let .ndarray(images) = parts[0], case let .ndarray(labels) = parts[1],
                  images.bytes != nil, labels.bytes != nil,
                  images.shape.count == 2 || images.shape.count == 3,
                  labels.shape.count == 1 else { return nil }
            splits.append(Split(name: name, images: images, labels: labels, imageSize: Self.imageSize(images.shape)))
        }
        self.splits = splits
    }

    private static func items(_ value: PickleValue) -> [PickleValue]? {
        switch value {
        case let .tuple(tuple): tuple.items
        case let .list(list): list.items
        default: nil
        }
    }

    private static func imageSize(_ shape: [Int]) -> (rows: Int, columns: Int)? {
        if shape.count == 3 { return (shape[1], shape[2]) }
        return ImageBlock.squareSide(of: shape[1]).map { ($0, $0) }
    }
}

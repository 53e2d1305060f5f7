import MNISTTools

/// Training on a GPU: the model's device twin and the splits in device memory. A minibatch
/// queues its work and returns; the host waits only when it counts errors (one integer
/// read back per split) or takes the parameters.
public struct CUDATrainingEngine<Model: DeviceTrainable>: TrainingEngine {
    public typealias Failure = CUDAError

    public let backend: CUDABackend
    private let model: Model.OnDevice
    private let train: CUDASplit
    private let validation: CUDASplit
    private let test: CUDASplit?
    /// Rows classified at a time in `errors(on:rows:)`.
    private let evaluationBlockRows: Int

    /// Uploads the splits and `model`, with work buffers for minibatches of `batchSize` rows
    /// and evaluation blocks of `evaluationBlockRows`.
    public init(model: Model, train: DatasetSplit, validation: DatasetSplit, test: DatasetSplit?, backend: CUDABackend,
                batchSize: Int, evaluationBlockRows: Int) throws(CUDAError) {
        self.backend = backend
        self.train = try CUDASplit(train, backend: backend)
        self.validation = try CUDASplit(validation, backend: backend)
        self.test = try test.map { split throws(CUDAError) in try CUDASplit(split, backend: backend) }
        self.evaluationBlockRows = max(1, evaluationBlockRows)
        self.model = try Model.OnDevice(model, backend: backend, maxRows: max(batchSize, self.evaluationBlockRows))
    }

    public var trainCount: Int { train.count }
    public var validationCount: Int { validation.count }
    public var testCount: Int? { test?.count }

    public mutating func trainStep(rows: Range<Int>, settings: Trainer.Settings) throws(CUDAError) {
        let batch = train.batch(rows)
        try model.trainStep(images: batch.images, labels: batch.labels, learningRate: settings.learningRate,
                            l1: settings.l1, l2: settings.l2)
    }

    public mutating func errors(on split: EvaluationSplit, rows: Int) throws(CUDAError) -> Int {
        guard let data = split == .validation ? validation : test else { return 0 }
        try backend.resetErrorCount()
        for start in stride(from: 0, to: rows, by: evaluationBlockRows) {
            let batch = data.batch(start..<min(rows, start + evaluationBlockRows))
            try model.countErrors(images: batch.images, labels: batch.labels)
        }
        return try backend.errorCount()
    }

    public mutating func currentModel() throws(CUDAError) -> Model {
        try model.download()
    }
}

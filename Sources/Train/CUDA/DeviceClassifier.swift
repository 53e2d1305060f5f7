/// A classifier whose parameters and work buffers live on a GPU: the device twin of a
/// host `Classifier`, built from it and turned back into it (`download`). Training and
/// evaluation queue work on the device and read nothing back.
public protocol DeviceClassifier: AnyObject {
    associatedtype Host: Classifier

    /// Uploads `host`'s parameters, with work buffers for batches of up to `maxRows` examples.
    init(_ host: Host, backend: CUDABackend, maxRows: Int) throws(CUDAError)

    /// One minibatch of SGD, as `Classifier.trainStep`: every gradient at the parameters of
    /// before the step.
    func trainStep(images: DeviceMatrix, labels: DeviceLabels, learningRate: Float, l1: Float, l2: Float) throws(CUDAError)

    /// Adds the number of misclassified examples of a batch to the backend's error count.
    func countErrors(images: DeviceMatrix, labels: DeviceLabels) throws(CUDAError)

    /// The parameters now, as a host model.
    func download() throws(CUDAError) -> Host
}

/// A host classifier that has a GPU twin to train on.
public protocol DeviceTrainable: Classifier {
    associatedtype OnDevice: DeviceClassifier where OnDevice.Host == Self
}

extension DenseClassifier: DeviceTrainable {
    public typealias OnDevice = CUDADenseClassifier
}

extension LeNet: DeviceTrainable {
    public typealias OnDevice = CUDALeNet
}

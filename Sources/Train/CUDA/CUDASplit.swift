import MNISTTools
import Pickle

/// A split in GPU memory, as the tutorials keep theirs in "shared variables": the images as
/// float32 rows and the labels. Stored bytes are uploaded as bytes and turned into floats
/// on the device, through the same table of k / divisor the CPU uses, so both train on the
/// same floats; float32 pixels are uploaded as they are. Minibatches are views by index.
public struct CUDASplit: Sendable {
    /// count × pixels.
    public let images: DeviceMatrix
    public let labels: DeviceLabels

    public init(_ split: DatasetSplit, backend: CUDABackend) throws(CUDAError) {
        let device = backend.device
        let blocks = split.images
        images = try backend.matrix(rows: blocks.count, columns: blocks.pixelsPerImage)
        switch blocks.pixels {
        case let .bytes(bytes, divisor):
            // The stored bytes, then the 256 floats they stand for, then one pass of table look-ups.
            let stored = try device.allocate(byteCount: images.count)
            try upload(bytes, count: images.count, to: stored.address, on: device)
            let table = try backend.upload(Matrix(rows: 1, columns: 256, values: (0..<256).map { Float(Double($0) / Double(divisor)) }))
            try device.launch(.decodePixels, elements: images.count, [
                .address(stored.address), .address(table.address), .address(images.address), .int64(Int64(images.count))])
            try device.synchronize()
        case let .float32(bytes):
            try upload(bytes, count: images.count * 4, to: images.address, on: device)
        }
        labels = try DeviceLabels(split.labels.values, on: device)
    }

    /// Number of examples.
    public var count: Int { images.rows }

    /// Rows `range` as a minibatch: views of the images and labels.
    public func batch(_ range: Range<Int>) -> (images: DeviceMatrix, labels: DeviceLabels) {
        (images.rows(range), labels.slice(range))
    }
}

/// Copies the first `count` bytes of `bytes` to `address`.
private func upload(_ bytes: ByteSlice, count: Int, to address: CUdeviceptr, on device: CUDADevice) throws(CUDAError) {
    precondition(bytes.count >= count, "CUDASplit: \(bytes.count) bytes stored, \(count) needed")
    try bytes.withUnsafeBytes { raw in
        Result { () throws(CUDAError) in try device.upload(UnsafeRawBufferPointer(rebasing: raw[0..<count]), to: address) }
    }.get()
}

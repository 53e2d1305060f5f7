/// The shape of one example's feature maps in the NHWC layout training uses: row by row,
/// pixel by pixel, the `channels` values of a pixel side by side. A batch is a `Matrix`
/// with one example per row and `height · width · channels` columns, so the value of
/// channel c at (y, x) of example b is `matrix[b, (y · width + x) · channels + c]`.
///
/// This is the layout in which a convolution is one matrix product (each output pixel's
/// K×K×C input patch is a contiguous run per kernel row) and a bias per channel is a bias
/// per column of a (B·H·W) × C matrix.
public struct ImageGeometry: Equatable, Sendable, CustomStringConvertible {
    public let height: Int
    public let width: Int
    public let channels: Int

    public init(height: Int, width: Int, channels: Int) {
        precondition(height > 0 && width > 0 && channels > 0, "ImageGeometry: \(height)×\(width)×\(channels)")
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Values per example, height · width · channels.
    public var count: Int { height * width * channels }

    /// Pixels per example, height · width.
    public var pixels: Int { height * width }

    /// The maps a 'valid' convolution with `kernel`×`kernel` filters and `outputs` filters
    /// gives: (height − kernel + 1) × (width − kernel + 1) × outputs.
    public func convolved(kernel: Int, outputs: Int) -> ImageGeometry {
        ImageGeometry(height: height - kernel + 1, width: width - kernel + 1, channels: outputs)
    }

    /// The maps non-overlapping `size`×`size` max-pooling gives, ignoring a last partial
    /// row or column of windows (Theano's `ignore_border=True`).
    public func pooled(size: Int) -> ImageGeometry {
        ImageGeometry(height: height / size, width: width / size, channels: channels)
    }

    public var description: String { "\(height)×\(width)×\(channels)" }
}

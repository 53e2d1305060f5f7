import Glibc
import Pickle

/// Plain (uncompressed) bytes read front to back from a file descriptor with `read(2)`:
/// standard input, a pipe, a FIFO, or a regular file when streaming is forced.
final class FileDescriptorStream: PickleByteStream {
    private let descriptor: FileDescriptor
    /// Bytes already taken from the descriptor (to sniff the format) and not yet delivered.
    private var prefix: [UInt8]
    private var prefixDelivered = 0
    /// The total size when known (a regular file); reading stops there.
    private let knownSize: Int?
    private var delivered = 0
    private var atEnd = false

    /// A stream over `descriptor` that first returns `prefix`. `knownSize` counts the prefix.
    init(descriptor: FileDescriptor, prefix: [UInt8] = [], knownSize: Int? = nil) {
        self.descriptor = descriptor
        self.prefix = prefix
        self.knownSize = knownSize
    }

    /// Fills `buffer` as far as the data goes; returns 0 only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var wanted = buffer.count
        if let knownSize { wanted = min(wanted, knownSize - delivered) }
        var filled = 0
        if prefixDelivered < prefix.count, wanted > 0 {
            let count = min(wanted, prefix.count - prefixDelivered)
            let start = prefixDelivered
            prefix.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[start..<start + count]))
            }
            prefixDelivered += count
            filled = count
            if prefixDelivered == prefix.count { prefix = []; prefixDelivered = 0 }
        }
        while filled < wanted, !atEnd {
            let count = try descriptor.readSome(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<wanted]))
            if count == 0 { atEnd = true } else { filled += count }
        }
        delivered += filled
        return filled
    }

    /// What is left of a regular file's size; nil for a pipe or terminal.
    var remainingUpperBound: Int? {
        knownSize.map { max(0, $0 - delivered) }
    }
}

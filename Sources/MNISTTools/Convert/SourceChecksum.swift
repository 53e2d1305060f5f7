import Dispatch

/// SHA-256 of an input file's bytes as stored on disk (compressed or not), computed on a
/// background thread so it overlaps with reading the dataset.
public final class SourceChecksum: @unchecked Sendable {
    private let group = DispatchGroup()
    private var result: Result<String?, Error> = .success(nil)

    /// Starts hashing `path`; folders and standard input have no checksum.
    public init(path: String) {
        guard path != "-", !DatasetLoader.isDirectory(path) else { return }
        group.enter()
        DispatchQueue.global().async { [self] in
            result = Result { try Self.hash(path) }
            group.leave()
        }
    }

    /// The hex digest (nil for folders and standard input); waits for the hashing to end.
    public func value() throws -> String? {
        group.wait()
        return try result.get()
    }

    private static func hash(_ path: String) throws -> String {
        let descriptor = try FileDescriptor.open(path: path)
        let size = try descriptor.status().size
        guard size > 0 else { return SHA256.hex(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let mapping = try MappedFile.map(descriptor, size: size)
        return withExtendedLifetime(mapping) { SHA256.hex(mapping.bytes) }
    }
}

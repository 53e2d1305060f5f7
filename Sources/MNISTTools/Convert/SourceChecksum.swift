import Dispatch
import Synchronization

/// SHA-256 of an input file's bytes as stored on disk (compressed or not), computed on a
/// background thread so it overlaps with reading the dataset.
///
/// Dropping the checksum before it is done (a conversion that fails early) cancels the
/// hashing and waits for the thread to stop, so no thread is still hashing while the
/// program exits (libcrypto tears itself down at exit).
public final class SourceChecksum: Sendable {
    /// What the background thread shares with the owner.
    private final class Job: Sendable {
        let cancelled = Atomic<Bool>(false)
        let result = Mutex<Result<String?, Error>>(.success(nil))
    }

    private let group = DispatchGroup()
    private let job = Job()

    /// Starts hashing `path`; folders and standard input have no checksum.
    public init(path: String) {
        guard path != "-", !DatasetLoader.isDirectory(path) else { return }
        let job = self.job
        group.enter()
        DispatchQueue.global().async { [group] in
            let outcome = Result { try Self.hash(path, cancelled: job.cancelled) }
            job.result.withLock { $0 = outcome }
            group.leave()
        }
    }

    deinit {
        job.cancelled.store(true, ordering: .relaxed)
        group.wait()
    }

    /// The hex digest (nil for folders and standard input); waits for the hashing to end.
    public func value() throws -> String? {
        group.wait()
        return try job.result.withLock { try $0.get() }
    }

    /// Hashes the mapped file in 8 MiB steps, stopping early when cancelled.
    private static func hash(_ path: String, cancelled: borrowing Atomic<Bool>) throws -> String? {
        let descriptor = try FileDescriptor.open(path: path)
        let size = try descriptor.status().size
        guard size > 0 else { return SHA256.hex(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let mapping = try MappedFile.map(descriptor, size: size)
        return withExtendedLifetime(mapping) {
            var hasher = SHA256()
            let bytes = mapping.bytes
            var start = 0
            while start < bytes.count {
                if cancelled.load(ordering: .relaxed) { return nil }
                let end = min(bytes.count, start + (8 << 20))
                hasher.update(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
            return hasher.hexDigest()
        }
    }
}

/// A sink that passes bytes on to another sink and hashes them on the way (SHA-256),
/// so a file's checksum costs no second read.
public struct HashingSink<Inner: ByteSink>: ByteSink {
    public var inner: Inner
    private var hasher = SHA256()

    public init(_ inner: Inner) { self.inner = inner }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        try inner.write(bytes)
    }

    /// The hex digest of everything written (call once, at the end).
    public mutating func hexDigest() -> String { hasher.hexDigest() }
}

extension OutputFile: ByteSink {}

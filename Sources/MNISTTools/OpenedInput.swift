import Pickle

/// How an input file is compressed, as told by its first bytes (never by its name).
public enum Compression: String, Sendable {
    /// Plain bytes.
    case none
    /// gzip: the file starts with `1f 8b`.
    case gzip
}

/// The decompressed bytes of an input, either all in memory or as a stream.
public enum InputBytes {
    /// Every byte, in one storage: a mapped plain file or a whole inflated gzip file.
    case whole(ByteStorage)
    /// Bytes read front to back: standard input, a pipe, or gzip inflated as it is read.
    case stream(PickleByteStream)
}

/// An input opened by `openInput(path:options:)`: its bytes and how they were obtained.
public struct OpenedInput {
    /// The path as given; "-" for standard input.
    public let path: String
    /// The decompressed bytes.
    public let bytes: InputBytes
    /// The compression found in the file's first bytes.
    public let compression: Compression
    /// What inflates the bytes, for reports: "libdeflate", "zlib" or "none".
    public let inflater: String
    /// The size of the file on disk, when it is a regular file.
    public let compressedSize: Int?

    /// Bundles the parts; `openInput(path:options:)` is the usual way to get one.
    public init(path: String, bytes: InputBytes, compression: Compression, inflater: String, compressedSize: Int?) {
        self.path = path
        self.bytes = bytes
        self.compression = compression
        self.inflater = inflater
        self.compressedSize = compressedSize
    }
}

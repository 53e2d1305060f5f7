/// Everything that can go wrong in the MNISTTools library, with the file and place it happened.
public enum MNISTToolsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, read or mapped; `reason` is the system's message.
    case cannotRead(path: String, reason: String)
    /// A gzip stream is damaged. `offset` is the compressed byte offset where it was noticed.
    case corruptGzip(path: String, offset: Int, reason: String)
    /// A gzip stream ended before its trailer.
    case truncatedGzip(path: String, offset: Int)
    /// The pickle inside the file is malformed or unsupported.
    case badPickle(path: String, reason: String)
    /// A file or folder could not be created or written; `reason` is the system's message.
    case cannotWrite(path: String, reason: String)
    /// The output already exists and overwriting was not asked for.
    case outputExists(path: String)
    /// The data is readable but does not form a valid dataset: `field` names the part
    /// (a split, a header field, a manifest key), `reason` says what was expected and found.
    case invalidData(path: String, field: String, reason: String)

    /// The file or folder the error is about.
    public var path: String {
        switch self {
        case let .cannotRead(path, _), let .corruptGzip(path, _, _), let .truncatedGzip(path, _), let .badPickle(path, _),
             let .cannotWrite(path, _), let .outputExists(path), let .invalidData(path, _, _):
            path
        }
    }

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .corruptGzip(path, offset, reason):
            return "\(path): corrupt gzip data at compressed offset \(offset): \(reason)"
        case let .truncatedGzip(path, offset):
            return "\(path): gzip stream ends early, at compressed offset \(offset), before its 8-byte trailer"
        case let .badPickle(path, reason):
            return "\(path): \(reason)"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write: \(reason)"
        case let .outputExists(path):
            return "\(path) already exists (use --force to replace it)"
        case let .invalidData(path, field, reason):
            return "\(path): \(field): \(reason)"
        }
    }
}

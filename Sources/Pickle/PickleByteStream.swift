/// A source of bytes read front to back: a decompressing stream, a pipe, or anything whose
/// total size may not be known in advance.
///
/// The unpickler reads small items through its own buffer and asks the stream to fill large
/// payloads directly into the storage their array will keep, so a payload is never copied.
public protocol PickleByteStream: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer` and returns how many were read;
    /// returns 0 only at the end of the stream. Throws when the stream is corrupt.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int

    /// An upper bound on the bytes still to come, when one is known (a gzip stream can bound
    /// it by the compressed bytes left times DEFLATE's largest ratio). A declared length
    /// larger than this is refused without allocating; with nil, storage grows as bytes arrive.
    var remainingUpperBound: Int? { get }
}

import Glibc
import Pickle

/// Opens `path` ("-" for standard input) and gives its decompressed bytes.
///
/// The format is told by the first bytes: `1f 8b` is gzip, anything else is plain.
/// - A plain regular file is mapped (`mmap`) and returned whole.
/// - A gzip regular file whose trailer promises a plausible size within
///   `options.wholeBufferLimit` is inflated whole by libdeflate into one storage; any doubt
///   (a lying or zero ISIZE, several members, a libdeflate error) falls back to zlib streaming,
///   which inflates it again and reports precise errors.
/// - Standard input, pipes and FIFOs are streamed (plain or through zlib).
/// Throws `MNISTToolsError.cannotRead` when the file cannot be opened, is a directory, or
/// cannot be read or mapped. Damaged gzip data is handed over as a stream whose `read(into:)`
/// throws `corruptGzip` or `truncatedGzip` with the compressed offset.
public func openInput(path: String, options: InputOptions = .default) throws -> OpenedInput {
    let descriptor = path == "-" ? FileDescriptor.standardInput() : try FileDescriptor.open(path: path)
    return try openInput(descriptor: descriptor, options: options)
}

/// Opens an already open descriptor (`descriptor.path` names it in errors).
/// See `openInput(path:options:)`.
func openInput(descriptor: FileDescriptor, options: InputOptions) throws -> OpenedInput {
    let status = try descriptor.status()
    switch status.kind {
    case .directory:
        throw MNISTToolsError.cannotRead(path: descriptor.path, reason: "is a directory")
    case .regular where descriptor.currentOffset() == 0:
        return try openRegularFile(descriptor, size: status.size, options: options)
    case .regular, .other:
        return try openSequential(descriptor)
    }
}

/// The gzip magic, `1f 8b`.
private let gzipMagic: [UInt8] = [0x1f, 0x8b]

/// A regular file read from its start: mapped, then returned whole, inflated whole or streamed.
private func openRegularFile(
    _ descriptor: FileDescriptor, size: Int, options: InputOptions
) throws -> OpenedInput {
    let path = descriptor.path
    let mapped = try MappedFile.map(descriptor, size: size)
    let bytes = mapped.bytes
    let isGzip = bytes.count >= 2 && bytes[0] == gzipMagic[0] && bytes[1] == gzipMagic[1]
    let result = { (bytes: InputBytes, compression: Compression, inflater: String) in
        OpenedInput(path: path, bytes: bytes, compression: compression, inflater: inflater, compressedSize: size)
    }
    guard isGzip else {
        if options.forceStreaming {
            return result(.stream(FileDescriptorStream(descriptor: descriptor, knownSize: size)), .none, "none")
        }
        MappedFile.advise(mapped, .willNeed)
        return result(.whole(mapped), .none, "none")
    }
    MappedFile.advise(mapped, .sequential)
    if !options.forceStreaming, let inflated = inflateWholeGzip(mapped, limit: options.wholeBufferLimit) {
        return result(.whole(inflated), .gzip, "libdeflate")
    }
    return result(.stream(try GzipStream(mapped: mapped, path: path)), .gzip, "zlib")
}

/// Standard input, a pipe or a FIFO: sniff two bytes, then stream plain bytes or gzip.
private func openSequential(_ descriptor: FileDescriptor) throws -> OpenedInput {
    var prefix = [UInt8](repeating: 0, count: 2)
    let count = try prefix.withUnsafeMutableBytes { try descriptor.readFully(into: $0) }
    prefix.removeSubrange(count...)
    let path = descriptor.path
    if prefix == gzipMagic {
        let stream = try GzipStream(descriptor: descriptor, prefix: prefix)
        return OpenedInput(path: path, bytes: .stream(stream), compression: .gzip, inflater: "zlib", compressedSize: nil)
    }
    let stream = FileDescriptorStream(descriptor: descriptor, prefix: prefix)
    return OpenedInput(path: path, bytes: .stream(stream), compression: .none, inflater: "none", compressedSize: nil)
}

/// The smallest gzip member: a 10-byte header, an empty DEFLATE block and an 8-byte trailer.
private let minimumGzipSize = 20
/// Slack added to `maximumExpansion` × compressed size when judging a trailer's ISIZE.
private let isizeSlack = 1024

/// The FLG bit of a gzip header that says a CRC-16 of the header follows it (FHCRC).
private let gzipHeaderCRCFlag: UInt8 = 0x02

/// Inflates a mapped gzip file in one libdeflate call into storage sized by the trailer's
/// ISIZE, or returns nil when that cannot be trusted or does not work out, so the caller
/// streams instead. Never allocates more than the limit or than DEFLATE could produce.
///
/// A header with its own CRC (FHCRC, which `gzip` never writes) is streamed too: libdeflate
/// skips that CRC, zlib checks it, and a file must read the same either way.
func inflateWholeGzip(_ compressed: ByteStorage, limit: Int) -> ByteStorage? {
    let size = compressed.count
    guard size >= minimumGzipSize, size < (1 << 32) else { return nil }
    guard compressed.bytes[3] & gzipHeaderCRCFlag == 0 else { return nil }
    let trailer = UnsafeRawBufferPointer(rebasing: compressed.bytes[(size - 4)...])
    let isize = Int(UInt32(littleEndian: trailer.loadUnaligned(as: UInt32.self)))
    // Zero may be a true multiple of 4 GiB: only the stream can tell.
    let plausible = size * GzipStream.maximumExpansion + isizeSlack
    guard isize > 0, isize <= limit, isize <= plausible else { return nil }
    guard let inflater = LibdeflateInflater() else { return nil }
    let output = ByteStorage(capacity: isize)
    let outcome = inflater.decompressGzip(
        compressed.bytes, into: UnsafeMutableRawBufferPointer(start: output.baseAddress, count: isize))
    // Less input used than the file holds means more members follow.
    guard outcome == .success(inputUsed: size, outputWritten: isize) else { return nil }
    output.setCount(isize)
    return output
}

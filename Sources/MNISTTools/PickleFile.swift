import Pickle

/// A pickle read from a file, with how the file was stored.
public struct PickleFile {
    public let value: PickleValue
    /// The PROTO opcode's argument, or the highest protocol among the opcodes used.
    public let `protocol`: Int
    public let path: String
    public let compression: Compression
    /// "libdeflate", "zlib" or "none".
    public let inflater: String
    /// Bytes on disk, when the input is a regular file.
    public let compressedSize: Int?
    /// Bytes of pickle data read (up to and including STOP).
    public let pickleSize: Int

    /// Opens `path` (gzip or plain, told by content; "-" is standard input) and reads the
    /// pickle in it. Errors name the file and the byte offset.
    public static func load(path: String, options: InputOptions = .default, limits: UnpicklerLimits = .default) throws -> PickleFile {
        try read(try openInput(path: path, options: options), limits: limits)
    }

    /// Reads the pickle in an input already opened.
    public static func read(_ opened: OpenedInput, limits: UnpicklerLimits = .default) throws -> PickleFile {
        let input = pickleInput(opened)
        let path = opened.path
        do {
            let result = try Unpickler(limits: limits).read(input)
            return PickleFile(value: result.value, protocol: result.protocol, path: path, compression: opened.compression,
                              inflater: opened.inflater, compressedSize: opened.compressedSize, pickleSize: result.endOffset)
        } catch let error as PickleError {
            try reportStreamCorruption(opened)
            throw MNISTToolsError.badPickle(path: path, reason: error.description)
        }
    }

    /// A damaged gzip stream can yield garbage before zlib notices the damage, so the
    /// unpickler may fail first. Reading the rest of the stream finds the root cause: when
    /// the gzip data is corrupt, that error is thrown instead of the pickle's.
    private static func reportStreamCorruption(_ opened: OpenedInput) throws {
        guard case let .stream(stream) = opened.bytes, opened.compression == .gzip else { return }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while try stream.read(into: scratch) > 0 {}
    }

    /// Lists the opcodes of the pickle in `path` through `write`, one line each. When the
    /// pickle is malformed, the lines before the problem are written, then the error thrown.
    public static func disassemble(path: String, options: InputOptions = .default, write: (String) -> Void) throws {
        let opened = try openInput(path: path, options: options)
        let input = pickleInput(opened)
        do {
            try Disassembler().disassemble(input, write: write)
        } catch let error as PickleError {
            try reportStreamCorruption(opened)
            throw MNISTToolsError.badPickle(path: path, reason: error.description)
        }
    }

    private static func pickleInput(_ opened: OpenedInput) -> PickleInput {
        switch opened.bytes {
        case let .whole(storage): PickleInput(storage: storage)
        case let .stream(stream): PickleInput(stream: stream)
        }
    }
}

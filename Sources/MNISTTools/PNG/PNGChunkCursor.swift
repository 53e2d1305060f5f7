/// Walks a PNG file's chunks, each one checked before it is handed out: the 8-byte
/// signature first, then for every chunk a length the file can hold (at most 2³¹ − 1), a
/// type of four ASCII letters and a CRC-32 (zlib's `crc32`) that matches type and data.
///
/// The cursor only reads: it points into the file's bytes, which the caller keeps alive.
struct PNGChunkCursor {
    /// One chunk: its type, where it starts and a view of its data.
    struct Chunk {
        /// Four ASCII letters, such as "IHDR".
        let type: String
        /// The byte offset of its length field in the file.
        let offset: Int
        /// The data, between the type and the CRC.
        let data: UnsafeRawBufferPointer

        /// A critical chunk (upper-case first letter) is one a decoder must understand.
        var isCritical: Bool { type.utf8.first.map { $0 < 0x60 } ?? false }

        /// "chunk 'IDAT' at offset 33", for messages.
        var name: String { "chunk '\(type)' at offset \(offset)" }
    }

    /// Every PNG file starts with these 8 bytes.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The longest chunk data the specification allows (2³¹ − 1 bytes).
    static let maximumLength = Int(Int32.max)

    private let file: UnsafeRawBufferPointer
    private let path: String
    /// Where the next chunk starts.
    private(set) var offset: Int

    /// A cursor on the first chunk of `file`, after checking the signature. Errors name `path`.
    init(file: UnsafeRawBufferPointer, path: String) throws(MNISTToolsError) {
        let signature = Self.signature
        guard file.count >= signature.count, file.prefix(signature.count).elementsEqual(signature) else {
            let found = file.prefix(signature.count).map(hexByte).joined(separator: " ")
            let what = file.count < signature.count ? "the file has only \(file.count) byte\(file.count == 1 ? "" : "s") (\(found))"
                                                    : "the first 8 bytes are \(found)"
            throw .invalidData(path: path, field: "PNG signature",
                               reason: "not a PNG file: \(what), expected \(signature.map(hexByte).joined(separator: " "))")
        }
        self.file = file
        self.path = path
        self.offset = signature.count
    }

    /// Whether the file has no bytes left after the last chunk read.
    var atEnd: Bool { offset == file.count }

    /// The next chunk, checked, or nil at the end of the file.
    mutating func next() throws(MNISTToolsError) -> Chunk? {
        let remaining = file.count - offset
        if remaining == 0 { return nil }
        let at = "chunk at offset \(offset)"
        guard remaining >= 12 else {
            throw .invalidData(path: path, field: at,
                               reason: "the file ends \(remaining) byte\(remaining == 1 ? "" : "s") into it; a chunk needs at least 12 (length, type, CRC-32): the file is truncated")
        }
        let length = Int(file.loadBigEndian(UInt32.self, at: offset))
        let typeBytes = UnsafeRawBufferPointer(rebasing: file[(offset + 4)..<(offset + 8)])
        guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw .invalidData(path: path, field: at,
                               reason: "type bytes \(typeBytes.map(hexByte).joined(separator: " ")) are not four ASCII letters; the file is damaged")
        }
        let type = String(decoding: typeBytes, as: UTF8.self)
        let field = "chunk '\(type)' at offset \(offset)"
        guard length <= Self.maximumLength else {
            throw .invalidData(path: path, field: field, reason: "declares \(length) data bytes; PNG allows at most \(Self.maximumLength)")
        }
        guard length <= remaining - 12 else {
            throw .invalidData(path: path, field: field,
                               reason: "declares \(length) data bytes and a 4-byte CRC-32, but only \(remaining - 8) bytes follow its type: the file is truncated")
        }
        let data = UnsafeRawBufferPointer(rebasing: file[(offset + 8)..<(offset + 8 + length)])
        let stored = file.loadBigEndian(UInt32.self, at: offset + 8 + length)
        let actual = zlibCRC32(UnsafeRawBufferPointer(rebasing: file[(offset + 4)..<(offset + 8 + length)]))
        guard stored == actual else {
            throw .invalidData(path: path, field: field,
                               reason: "CRC-32 mismatch: the file says \(hex32(stored)), type and data give \(hex32(actual)); the file is damaged")
        }
        let chunk = Chunk(type: type, offset: offset, data: data)
        offset += 12 + length
        return chunk
    }
}

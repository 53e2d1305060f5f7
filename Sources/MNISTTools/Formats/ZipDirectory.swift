import Pickle

/// The central directory of a zip archive: its entries, in directory order.
///
/// Found through the end-of-central-directory record (`PK\x05\x06`, searched backwards
/// past any archive comment), or the ZIP64 record its locator points to; sizes and offsets
/// saturated at 0xFFFFFFFF are taken from each entry's ZIP64 extra field.
struct ZipDirectory {
    let entries: [ZipEntry]

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let entrySignature: UInt32 = 0x0201_4B50

    /// Where the entries are: their count, the directory's offset and size.
    private struct Location {
        var count: Int
        var offset: Int
        var size: Int
        /// Where the directory must end: the start of the (ZIP64) end record.
        var limit: Int
    }

    /// Parses the directory of the archive in `bytes`; errors name `path`.
    init(_ bytes: ByteSlice, path: String) throws {
        entries = try bytes.withUnsafeBytes { raw in
            let location = try Self.locate(raw, path: path)
            return try Self.readEntries(raw, location, path: path)
        }
    }

    /// Finds the end record and, when a ZIP64 locator precedes it, the ZIP64 end record.
    private static func locate(_ raw: UnsafeRawBufferPointer, path: String) throws -> Location {
        guard let end = findEndRecord(raw) else {
            let hint = raw.starts(with: NPYFile.magic) ? " (it is a .npy file, not a .npz)" : ""
            throw MNISTToolsError.invalidData(path: path, field: "zip end record",
                reason: "not a zip archive\(hint): no end-of-central-directory record (PK\\x05\\x06) in the last \(min(raw.count, 22 + 65535)) bytes")
        }
        let disk = raw.loadLittleEndian(UInt16.self, at: end + 4)
        let directoryDisk = raw.loadLittleEndian(UInt16.self, at: end + 6)
        guard disk == 0, directoryDisk == 0 else {
            throw MNISTToolsError.invalidData(path: path, field: "zip end record (byte \(end))",
                reason: "multi-disk (spanned) archives are not supported")
        }
        var location = Location(count: Int(raw.loadLittleEndian(UInt16.self, at: end + 10)),
                                offset: Int(raw.loadLittleEndian(UInt32.self, at: end + 16)),
                                size: Int(raw.loadLittleEndian(UInt32.self, at: end + 12)),
                                limit: end)
        let locator = end - 20
        if locator >= 0, raw.loadLittleEndian(UInt32.self, at: locator) == zip64LocatorSignature {
            let record = raw.loadLittleEndian(UInt64.self, at: locator + 8)
            guard record <= UInt64(locator), locator - Int(record) >= 56,
                  raw.loadLittleEndian(UInt32.self, at: Int(record)) == zip64EndSignature else {
                throw MNISTToolsError.invalidData(path: path, field: "zip64 end record locator (byte \(locator))",
                    reason: "points to byte \(record), where no ZIP64 end-of-central-directory record (PK\\x06\\x06) is")
            }
            let start = Int(record)
            let count = raw.loadLittleEndian(UInt64.self, at: start + 32)
            let size = raw.loadLittleEndian(UInt64.self, at: start + 40)
            let offset = raw.loadLittleEndian(UInt64.self, at: start + 48)
            guard count <= UInt64(Int.max), size <= UInt64(Int.max), offset <= UInt64(Int.max) else {
                throw MNISTToolsError.invalidData(path: path, field: "zip64 end record (byte \(start))",
                    reason: "entry count \(count), directory size \(size) or offset \(offset) is impossibly large")
            }
            location = Location(count: Int(count), offset: Int(offset), size: Int(size), limit: start)
        }
        guard location.offset <= location.limit, location.size <= location.limit - location.offset else {
            throw MNISTToolsError.invalidData(path: path, field: "zip central directory",
                reason: "truncated archive: the directory is declared at byte \(location.offset), \(location.size) bytes long, but the end record starts at byte \(location.limit)")
        }
        return location
    }

    /// The last `PK\x05\x06` whose comment ends exactly at the end of the file, or failing
    /// that, the last whose comment fits in the file.
    private static func findEndRecord(_ raw: UnsafeRawBufferPointer) -> Int? {
        guard raw.count >= 22 else { return nil }
        let lowest = max(0, raw.count - 22 - 65535)
        var fitting: Int?
        for start in stride(from: raw.count - 22, through: lowest, by: -1)
        where raw.loadLittleEndian(UInt32.self, at: start) == endSignature {
            let commentEnd = start + 22 + Int(raw.loadLittleEndian(UInt16.self, at: start + 20))
            if commentEnd == raw.count { return start }
            if commentEnd <= raw.count, fitting == nil { fitting = start }
        }
        return fitting
    }

    /// Reads `location.count` entries of 46 bytes plus name, extra field and comment each.
    private static func readEntries(_ raw: UnsafeRawBufferPointer, _ location: Location, path: String) throws -> [ZipEntry] {
        var entries: [ZipEntry] = []
        entries.reserveCapacity(min(location.count, location.size / 46))
        var position = location.offset
        let end = location.offset + location.size
        for index in 0..<location.count {
            let field = "zip central directory entry \(index) (byte \(position))"
            guard position <= end - 46, raw.loadLittleEndian(UInt32.self, at: position) == entrySignature else {
                throw MNISTToolsError.invalidData(path: path, field: field,
                    reason: position > end - 46
                        ? "truncated directory: \(location.count) entries declared, but the \(location.size)-byte directory ends after \(index)"
                        : "expected the signature PK\\x01\\x02, found \(hex32(raw.loadLittleEndian(UInt32.self, at: position)))")
            }
            let nameLength = Int(raw.loadLittleEndian(UInt16.self, at: position + 28))
            let extraLength = Int(raw.loadLittleEndian(UInt16.self, at: position + 30))
            let commentLength = Int(raw.loadLittleEndian(UInt16.self, at: position + 32))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= end else {
                throw MNISTToolsError.invalidData(path: path, field: field,
                    reason: "truncated directory: the entry's name, extra field and comment run past the directory's end at byte \(end)")
            }
            let nameBytes = UnsafeRawBufferPointer(rebasing: raw[(position + 46)..<(position + 46 + nameLength)])
            let name = String(validating: nameBytes, as: UTF8.self)
                ?? String(String.UnicodeScalarView(nameBytes.map { Unicode.Scalar($0) }))
            let extra = UnsafeRawBufferPointer(rebasing: raw[(position + 46 + nameLength)..<(position + 46 + nameLength + extraLength)])
            var sizes = (uncompressed: Int(raw.loadLittleEndian(UInt32.self, at: position + 24)),
                         compressed: Int(raw.loadLittleEndian(UInt32.self, at: position + 20)),
                         offset: Int(raw.loadLittleEndian(UInt32.self, at: position + 42)))
            try applyZip64(extra, to: &sizes, path: path, field: "zip central directory entry '\(name)'")
            entries.append(ZipEntry(
                name: name, flags: raw.loadLittleEndian(UInt16.self, at: position + 8),
                method: raw.loadLittleEndian(UInt16.self, at: position + 10),
                crc32: raw.loadLittleEndian(UInt32.self, at: position + 16),
                compressedSize: sizes.compressed, uncompressedSize: sizes.uncompressed,
                localHeaderOffset: sizes.offset))
            position = next
        }
        return entries
    }

    /// Replaces each size or offset saturated at 0xFFFFFFFF with the next 8 bytes of the
    /// ZIP64 extra field (header ID 0x0001), in the order the format fixes.
    private static func applyZip64(
        _ extra: UnsafeRawBufferPointer, to sizes: inout (uncompressed: Int, compressed: Int, offset: Int),
        path: String, field: String
    ) throws {
        let saturated = 0xFFFF_FFFF
        let wanted = [sizes.uncompressed, sizes.compressed, sizes.offset].filter { $0 == saturated }.count
        guard wanted > 0 else { return }
        var position = 0
        while position + 4 <= extra.count {
            let id = extra.loadLittleEndian(UInt16.self, at: position)
            let size = Int(extra.loadLittleEndian(UInt16.self, at: position + 2))
            let body = position + 4
            guard body + size <= extra.count else { break }
            if id == 0x0001 {
                guard size >= 8 * wanted else { break }
                var cursor = body
                func next() throws -> Int {
                    let value = extra.loadLittleEndian(UInt64.self, at: cursor)
                    cursor += 8
                    guard value <= UInt64(Int.max) else {
                        throw MNISTToolsError.invalidData(path: path, field: field, reason: "ZIP64 size \(value) is impossibly large")
                    }
                    return Int(value)
                }
                if sizes.uncompressed == saturated { sizes.uncompressed = try next() }
                if sizes.compressed == saturated { sizes.compressed = try next() }
                if sizes.offset == saturated { sizes.offset = try next() }
                return
            }
            position = body + size
        }
        throw MNISTToolsError.invalidData(path: path, field: field,
            reason: "sizes are 0xFFFFFFFF, but no ZIP64 extra field with \(wanted) 8-byte values follows")
    }
}

import Pickle

/// Writes NumPy `.npz` archives as `np.savez` does: a zip of STORED (uncompressed) members,
/// each with its local header, then the central directory and the end record. No ZIP64:
/// a member or archive of 4 GiB or more is refused.
///
/// Members are collected in memory (`add`), then `write(to:)` hands the whole archive to a
/// sink, or `write(path:overwrite:)` writes it atomically (temporary name, then rename).
/// Every field is fixed (the date is 1980-01-01 00:00), so the same members give the same
/// bytes.
public struct NPZWriter {
    public struct Member {
        public let name: String
        public let data: [UInt8]
        public let crc32: UInt32
    }

    public private(set) var members: [Member] = []

    public init() {}

    /// The largest member or archive a plain (non-ZIP64) zip can describe: sizes and offsets
    /// are 32-bit, and 0xFFFFFFFF is reserved to mean "see the ZIP64 record".
    public static let maximumSize = Int(UInt32.max) - 1

    /// Refuses sizes a plain zip cannot hold; `what` names the member or archive.
    public static func checkSize(_ size: Int, of what: String, path: String) throws {
        guard size <= maximumSize else {
            throw MNISTToolsError.cannotWrite(
                path: path, reason: "\(what) is \(size) bytes; members and archives of 4 GiB or more need ZIP64, which this writer does not write")
        }
    }

    /// Adds a member named `name` (e.g. `W0.npy`) holding `data` as stored.
    public mutating func add(name: String, data: [UInt8], path: String = "npz") throws {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes.count <= Int(UInt16.max) else {
            throw MNISTToolsError.cannotWrite(path: path, reason: "member name of \(nameBytes.count) bytes; must be 1 to 65535")
        }
        guard !members.contains(where: { $0.name == name }) else {
            throw MNISTToolsError.cannotWrite(path: path, reason: "two members named '\(name)'")
        }
        guard members.count < Int(UInt16.max) else {
            throw MNISTToolsError.cannotWrite(path: path, reason: "more than 65535 members need ZIP64")
        }
        try Self.checkSize(data.count, of: "member '\(name)'", path: path)
        members.append(Member(name: name, data: data, crc32: Self.crc32(data)))
    }

    /// Adds `NAME.npy`: a float32 ('<f4') C-order array of `shape` holding `values`.
    public mutating func addFloat32(name: String, shape: [Int], values: [Float], path: String = "npz") throws {
        precondition(shape.reduce(1, *) == values.count, "NPZWriter: \(values.count) values for shape \(shape)")
        var data = NPYFile.header(dtype: .float32, shape: shape, fortran: false)
        data.reserveCapacity(data.count + values.count * 4)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        try add(name: name + ".npy", data: data, path: path)
    }

    /// zlib's CRC-32 of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes(zlibCRC32)
    }

    /// Writes the whole archive to `sink`. `path` names the destination in errors.
    public func write(to sink: inout some ByteSink, path: String = "npz") throws {
        let dosTime: UInt16 = 0, dosDate: UInt16 = (0 << 9) | (1 << 5) | 1   // 1980-01-01 00:00
        var offsets: [Int] = []
        var position = 0
        for member in members {
            let name = Array(member.name.utf8)
            var header: [UInt8] = []
            header.le(UInt32(0x0403_4B50))
            header.le(UInt16(20))                                 // version needed: 2.0
            header.le(flags(name))
            header.le(UInt16(0))                                  // STORED
            header.le(dosTime); header.le(dosDate)
            header.le(member.crc32)
            header.le(UInt32(member.data.count)); header.le(UInt32(member.data.count))
            header.le(UInt16(name.count)); header.le(UInt16(0))   // no extra field
            header += name
            offsets.append(position)
            try sink.write(header)
            try sink.write(member.data)
            position += header.count + member.data.count
            try Self.checkSize(position, of: "the archive", path: path)
        }
        let directoryStart = position
        var directory: [UInt8] = []
        for (member, offset) in zip(members, offsets) {
            let name = Array(member.name.utf8)
            directory.le(UInt32(0x0201_4B50))
            directory.le(UInt16(3 << 8 | 20))                     // made by: Unix, 2.0
            directory.le(UInt16(20))
            directory.le(flags(name))
            directory.le(UInt16(0))
            directory.le(dosTime); directory.le(dosDate)
            directory.le(member.crc32)
            directory.le(UInt32(member.data.count)); directory.le(UInt32(member.data.count))
            directory.le(UInt16(name.count)); directory.le(UInt16(0)); directory.le(UInt16(0))
            directory.le(UInt16(0)); directory.le(UInt16(0))     // disk, internal attributes
            directory.le(UInt32(0o100644) << 16)                  // external: regular file, rw-r--r--
            directory.le(UInt32(offset))
            directory += name
        }
        try Self.checkSize(directoryStart + directory.count, of: "the archive", path: path)
        let directorySize = UInt32(directory.count)
        directory.le(UInt32(0x0605_4B50))                         // end of central directory
        directory.le(UInt16(0)); directory.le(UInt16(0))          // this disk, directory's disk
        directory.le(UInt16(members.count)); directory.le(UInt16(members.count))
        directory.le(directorySize)
        directory.le(UInt32(directoryStart))
        directory.le(UInt16(0))                                   // no comment
        try sink.write(directory)
    }

    /// Writes the archive to `path` atomically, refusing an existing file unless `overwrite`.
    public func write(path: String, overwrite: Bool) throws {
        let output = try AtomicOutputFile(destination: path, overwrite: overwrite)
        try write(into: output)
        try output.commit()
    }

    /// Writes the archive into an atomic output opened earlier; its owner commits it.
    public func write(into output: AtomicOutputFile) throws {
        var bytes: [UInt8] = []
        try write(to: &bytes, path: output.destination)
        try output.file.write(bytes)
    }

    /// Bit 11 (names are UTF-8) when a name is not plain ASCII.
    private func flags(_ name: [UInt8]) -> UInt16 {
        name.allSatisfy { $0 < 0x80 } ? 0 : 1 << 11
    }
}

private extension [UInt8] {
    mutating func le<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

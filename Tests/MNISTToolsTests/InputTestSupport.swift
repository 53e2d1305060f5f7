import Foundation
import Pickle
@testable import MNISTTools

/// Temporary files, `gzip` runs and readers shared by the input tests.
enum InputFixtures {
    /// A fresh, empty temporary folder.
    static func makeDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mnist-input-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `bytes` to a new temporary file and returns its path.
    static func write(_ bytes: [UInt8], name: String = "data.bin") throws -> String {
        let url = try makeDirectory().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Deletes the temporary folder made for the file at `path`.
    static func removeFolder(holding path: String) {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
    }

    /// `bytes` compressed by the `gzip` command (one member, no name or time stamp).
    static func gzip(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        let path = try write(bytes, name: "member")
        defer { removeFolder(holding: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", "-\(level)", "-f", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("gzip exited with \(process.terminationStatus)")
        }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    }

    /// Random bytes (incompressible: gzip stores them in stored blocks).
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                var word = generator.next()
                let take = min(8, buffer.count - offset)
                withUnsafeBytes(of: &word) { buffer[offset..<offset + take].copyBytes(from: $0.prefix(take)) }
                offset += take
            }
        }
        return result
    }

    /// Compressible bytes: text-like runs with some variety, like a pickle of small integers.
    static func compressibleBytes(_ count: Int) -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(count)
        var state: UInt32 = 12345
        while result.count < count {
            state = state &* 1_103_515_245 &+ 12345
            let line = "row \(state >> 20): pixels \(state % 97) \(state % 13)\n"
            result.append(contentsOf: line.utf8.prefix(count - result.count))
        }
        return result
    }

    /// Every byte of `input`, reading a stream in calls of `chunkSizes` bytes in turn and
    /// checking after each that `remainingUpperBound` (when known) still covers what is left.
    static func readAll(_ input: OpenedInput, chunkSizes: [Int] = [65536], expectedCount: Int? = nil) throws -> [UInt8] {
        switch input.bytes {
        case let .whole(storage):
            return Array(storage.bytes)
        case let .stream(stream):
            return try readAll(stream, chunkSizes: chunkSizes, expectedCount: expectedCount)
        }
    }

    /// Every byte of `stream`; see `readAll(_:chunkSizes:expectedCount:)`.
    static func readAll(_ stream: PickleByteStream, chunkSizes: [Int] = [65536], expectedCount: Int? = nil) throws -> [UInt8] {
        var result = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: chunkSizes.max() ?? 1)
        var turn = 0
        while true {
            if let expectedCount, let bound = stream.remainingUpperBound, bound < expectedCount - result.count {
                throw FixtureError("remainingUpperBound \(bound) < \(expectedCount - result.count) bytes left")
            }
            let size = chunkSizes[turn % chunkSizes.count]
            turn += 1
            let count = try buffer.withUnsafeMutableBytes { try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<size])) }
            if count == 0 { break }
            if count > size { throw FixtureError("read \(count) bytes into a buffer of \(size)") }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }

    /// Opens the read end of a pipe whose write end is fed `bytes` by a background thread.
    static func openPipe(feeding bytes: [UInt8], options: InputOptions = .default) throws -> (OpenedInput, Pipe) {
        let pipe = Pipe()
        let writer = pipe.fileHandleForWriting
        Thread.detachNewThread {
            writer.write(Data(bytes))
            try? writer.close()
        }
        let descriptor = FileDescriptor(
            rawValue: pipe.fileHandleForReading.fileDescriptor, path: "pipe", closesOnDeinit: false)
        return (try openInput(descriptor: descriptor, options: options), pipe)
    }

    /// A copy of `bytes` with the byte at `index` inverted.
    static func flipping(_ bytes: [UInt8], at index: Int) -> [UInt8] {
        var copy = bytes
        copy[index] ^= 0xff
        return copy
    }

    /// A copy of a gzip file with its trailer's ISIZE (last 4 bytes) replaced.
    static func patchingISIZE(_ bytes: [UInt8], to value: UInt32) -> [UInt8] {
        var copy = bytes
        for index in 0..<4 { copy[copy.count - 4 + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        return copy
    }
}

/// A test set-up failure.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

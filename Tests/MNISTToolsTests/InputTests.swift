import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// `openInput`: plain files, gzip inflated whole or streamed, pipes, and files that cannot be read.
@Suite struct InputTests {
    private static func options(streaming: Bool) -> InputOptions {
        InputOptions(forceStreaming: streaming)
    }

    @Test func defaultLimitIsHalfOfPhysicalMemory() {
        let limit = InputOptions.default.wholeBufferLimit
        #expect(limit > 0)
        #expect(limit == InputOptions.defaultWholeBufferLimit)
        #expect(InputOptions.default.forceStreaming == false)
    }

    @Test func plainFileIsMappedWhole() throws {
        let original = InputFixtures.randomBytes(1_000_003)
        let path = try InputFixtures.write(original)
        defer { InputFixtures.removeFolder(holding: path) }
        let input = try openInput(path: path)
        #expect(input.compression == .none)
        #expect(input.inflater == "none")
        #expect(input.compressedSize == original.count)
        guard case let .whole(storage) = input.bytes else {
            Issue.record("expected whole bytes")
            return
        }
        #expect(storage.count == original.count)
        #expect(Array(storage.bytes) == original)
    }

    @Test func plainFileStreamsWhenForced() throws {
        let original = InputFixtures.compressibleBytes(300_001)
        let path = try InputFixtures.write(original)
        defer { InputFixtures.removeFolder(holding: path) }
        let input = try openInput(path: path, options: Self.options(streaming: true))
        guard case let .stream(stream) = input.bytes else {
            Issue.record("expected a stream")
            return
        }
        #expect(stream.remainingUpperBound == original.count)
        let bytes = try InputFixtures.readAll(stream, chunkSizes: [1, 7, 4096], expectedCount: original.count)
        #expect(bytes == original)
        #expect(stream.remainingUpperBound == 0)
    }

    @Test func emptyFileIsEmptyAndPlain() throws {
        let path = try InputFixtures.write([])
        defer { InputFixtures.removeFolder(holding: path) }
        for streaming in [false, true] {
            let input = try openInput(path: path, options: Self.options(streaming: streaming))
            #expect(input.compression == .none)
            #expect(input.compressedSize == 0)
            #expect(try InputFixtures.readAll(input).isEmpty)
        }
    }

    @Test(arguments: ["random", "compressible"])
    func gzipIsInflatedWholeByLibdeflate(kind: String) throws {
        let original = kind == "random" ? InputFixtures.randomBytes(3_000_000) : InputFixtures.compressibleBytes(4_000_000)
        let compressed = try InputFixtures.gzip(original)
        let path = try InputFixtures.write(compressed, name: "data.pkl")  // the name does not matter
        defer { InputFixtures.removeFolder(holding: path) }
        let input = try openInput(path: path)
        #expect(input.compression == .gzip)
        #expect(input.inflater == "libdeflate")
        #expect(input.compressedSize == compressed.count)
        guard case let .whole(storage) = input.bytes else {
            Issue.record("expected whole bytes")
            return
        }
        #expect(storage.count == original.count)
        #expect(storage.capacity == original.count)
        #expect(Array(storage.bytes) == original)
    }

    @Test(arguments: ["random", "compressible"])
    func gzipStreamsWithZlibInOddReads(kind: String) throws {
        let original = kind == "random" ? InputFixtures.randomBytes(2_000_000) : InputFixtures.compressibleBytes(3_000_000)
        let path = try InputFixtures.write(try InputFixtures.gzip(original))
        defer { InputFixtures.removeFolder(holding: path) }
        let input = try openInput(path: path, options: Self.options(streaming: true))
        #expect(input.compression == .gzip)
        #expect(input.inflater == "zlib")
        guard case let .stream(stream) = input.bytes else {
            Issue.record("expected a stream")
            return
        }
        let bytes = try InputFixtures.readAll(stream, chunkSizes: [1, 7, 4096, 100_003], expectedCount: original.count)
        #expect(bytes == original)
        #expect(stream.remainingUpperBound == 0)
        // Past the end, reads keep returning 0.
        var spare = [UInt8](repeating: 0, count: 16)
        #expect(try spare.withUnsafeMutableBytes { try stream.read(into: $0) } == 0)
    }

    @Test func gzipOverTheWholeBufferLimitStreams() throws {
        let original = InputFixtures.compressibleBytes(500_000)
        let path = try InputFixtures.write(try InputFixtures.gzip(original))
        defer { InputFixtures.removeFolder(holding: path) }
        let input = try openInput(path: path, options: InputOptions(wholeBufferLimit: original.count - 1))
        #expect(input.inflater == "zlib")
        #expect(try InputFixtures.readAll(input, expectedCount: original.count) == original)
        let fits = try openInput(path: path, options: InputOptions(wholeBufferLimit: original.count))
        #expect(fits.inflater == "libdeflate")
    }

    @Test(arguments: [false, true])
    func multiMemberGzipIsTheConcatenation(streaming: Bool) throws {
        let first = InputFixtures.compressibleBytes(700_000)
        let second = InputFixtures.randomBytes(300_000)
        let third = InputFixtures.compressibleBytes(10)
        let compressed = try InputFixtures.gzip(first) + InputFixtures.gzip(second) + InputFixtures.gzip(third, level: 1)
        let path = try InputFixtures.write(compressed)
        defer { InputFixtures.removeFolder(holding: path) }
        let input = try openInput(path: path, options: Self.options(streaming: streaming))
        // libdeflate inflates one member; several members fall back to zlib.
        #expect(input.inflater == "zlib")
        let bytes = try InputFixtures.readAll(input, chunkSizes: [4096, 7, 65536], expectedCount: first.count + second.count + third.count)
        #expect(bytes == first + second + third)
    }

    @Test func emptyGzipMemberGivesNoBytes() throws {
        let compressed = try InputFixtures.gzip([])
        let path = try InputFixtures.write(compressed)
        defer { InputFixtures.removeFolder(holding: path) }
        let input = try openInput(path: path)
        #expect(input.compression == .gzip)
        #expect(try InputFixtures.readAll(input).isEmpty)
    }

    @Test func gzipFromAPipeStreams() throws {
        let first = InputFixtures.compressibleBytes(600_000)
        let second = InputFixtures.randomBytes(400_000)
        let (input, pipe) = try InputFixtures.openPipe(feeding: try InputFixtures.gzip(first) + InputFixtures.gzip(second))
        #expect(input.compression == .gzip)
        #expect(input.inflater == "zlib")
        #expect(input.compressedSize == nil)
        guard case let .stream(stream) = input.bytes else {
            Issue.record("expected a stream")
            return
        }
        #expect(stream.remainingUpperBound == nil)
        #expect(try InputFixtures.readAll(stream, chunkSizes: [1, 7, 4096, 70_000]) == first + second)
        withExtendedLifetime(pipe) {}
    }

    @Test(arguments: [0, 1, 2, 3, 200_000])
    func plainBytesFromAPipeStream(count: Int) throws {
        // Sizes 0 to 3 cover the two bytes read to tell gzip from plain.
        var original = InputFixtures.randomBytes(count)
        if count >= 1 { original[0] = 0x1f }
        let (input, pipe) = try InputFixtures.openPipe(feeding: original)
        #expect(input.compression == .none)
        #expect(input.inflater == "none")
        #expect(try InputFixtures.readAll(input, chunkSizes: [1, 7, 4096]) == original)
        withExtendedLifetime(pipe) {}
    }

    @Test func gzipFromAFIFOPathStreams() throws {
        let original = InputFixtures.compressibleBytes(250_000)
        let compressed = try InputFixtures.gzip(original)
        let path = try InputFixtures.makeDirectory().appendingPathComponent("fifo").path
        defer { InputFixtures.removeFolder(holding: path) }
        #expect(mkfifo(path, 0o600) == 0)
        Thread.detachNewThread {
            guard let writer = FileHandle(forWritingAtPath: path) else { return }
            writer.write(Data(compressed))
            try? writer.close()
        }
        let input = try openInput(path: path)
        #expect(input.inflater == "zlib")
        #expect(input.compressedSize == nil)
        #expect(try InputFixtures.readAll(input) == original)
    }

    @Test func missingFileCannotBeRead() throws {
        let path = try InputFixtures.makeDirectory().appendingPathComponent("absent.pkl.gz").path
        defer { InputFixtures.removeFolder(holding: path) }
        let error = #expect(throws: MNISTToolsError.self) { try openInput(path: path) }
        #expect(error == .cannotRead(path: path, reason: "No such file or directory"))
        #expect(error?.description.contains(path) == true)
    }

    @Test func directoryCannotBeRead() throws {
        let path = try InputFixtures.makeDirectory().path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: MNISTToolsError.self) { try openInput(path: path) }
        #expect(error == .cannotRead(path: path, reason: "is a directory"))
    }
}

import Foundation
import Pickle
import Testing
@testable import MNISTTools

/// Damaged and lying gzip files: the whole path must fall back to zlib and report the same
/// precise error as streaming, with the compressed offset.
@Suite struct GzipCorruptionTests {
    private static let original = InputFixtures.compressibleBytes(200_000)

    /// The error from reading `bytes` as a file, inflated whole (falling back) or streamed.
    private static func readError(_ bytes: [UInt8], streaming: Bool) throws -> MNISTToolsError? {
        let path = try InputFixtures.write(bytes, name: "bad.gz")
        defer { InputFixtures.removeFolder(holding: path) }
        return readError(path: path, streaming: streaming)
    }

    private static func readError(path: String, streaming: Bool) -> MNISTToolsError? {
        do {
            let input = try openInput(path: path, options: InputOptions(forceStreaming: streaming))
            _ = try InputFixtures.readAll(input, chunkSizes: [4096, 7])
            return nil
        } catch let error as MNISTToolsError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    /// The same file read both ways must fail the same way; returns that error.
    private static func sameErrorBothWays(_ bytes: [UInt8]) throws -> MNISTToolsError? {
        let path = try InputFixtures.write(bytes, name: "bad.gz")
        defer { InputFixtures.removeFolder(holding: path) }
        let whole = readError(path: path, streaming: false)
        let streamed = readError(path: path, streaming: true)
        #expect(whole == streamed)
        // A pipe gives the same error too: no mapping, the same offsets.
        var piped: MNISTToolsError?
        do {
            let (input, pipe) = try InputFixtures.openPipe(feeding: bytes)
            _ = try InputFixtures.readAll(input, chunkSizes: [65536])
            withExtendedLifetime(pipe) {}
        } catch let error as MNISTToolsError {
            piped = error
        }
        if case let .corruptGzip(_, offset, reason)? = whole {
            #expect(piped == .corruptGzip(path: "pipe", offset: offset, reason: reason))
        } else if case let .truncatedGzip(_, offset)? = whole {
            #expect(piped == .truncatedGzip(path: "pipe", offset: offset))
        }
        return whole
    }

    @Test func flippedDeflateByteIsCorrupt() throws {
        let compressed = try InputFixtures.gzip(Self.original)
        // Header is 10 bytes with -n; flip bytes well inside the DEFLATE data.
        for index in [12, 100, compressed.count / 2] {
            let error = try Self.sameErrorBothWays(InputFixtures.flipping(compressed, at: index))
            guard case let .corruptGzip(_, offset, reason)? = error else {
                Issue.record("flip at \(index): expected corruptGzip, got \(String(describing: error))")
                continue
            }
            #expect(offset > 10 && offset <= compressed.count)
            #expect(!reason.isEmpty)
        }
    }

    @Test func flippedCRCIsAChecksumError() throws {
        let compressed = try InputFixtures.gzip(Self.original)
        let error = try Self.sameErrorBothWays(InputFixtures.flipping(compressed, at: compressed.count - 8))
        guard case let .corruptGzip(_, offset, reason)? = error else {
            Issue.record("expected corruptGzip, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("CRC"))
        #expect(offset == compressed.count - 4 || offset == compressed.count)
    }

    /// A member whose header carries a CRC-16 (FHCRC): found by the pickle-gzip fuzz target,
    /// whose whole-file path (libdeflate, which skips that CRC) read a file the stream refused.
    @Test func headerCRCIsCheckedBothWays() throws {
        let member = try InputFixtures.gzip(Self.original)
        var header = Array(member[0..<10])
        header[3] |= 0x02  // FHCRC
        let crc = header.withUnsafeBytes(zlibCRC32)
        let withCRC = header + [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF)] + member[10...]
        #expect(try Self.sameErrorBothWays(withCRC) == nil)
        let error = try Self.sameErrorBothWays(InputFixtures.flipping(withCRC, at: 10))
        guard case let .corruptGzip(_, _, reason)? = error else {
            Issue.record("expected corruptGzip, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("header crc"))
    }

    @Test func flippedCRCInFirstOfTwoMembers() throws {
        let first = try InputFixtures.gzip(Self.original)
        let compressed = InputFixtures.flipping(first, at: first.count - 6) + (try InputFixtures.gzip([1, 2, 3]))
        let error = try Self.sameErrorBothWays(compressed)
        guard case let .corruptGzip(_, offset, reason)? = error else {
            Issue.record("expected corruptGzip, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("CRC"))
        #expect(offset <= first.count)
    }

    @Test func truncatedFileIsTruncated() throws {
        let compressed = try InputFixtures.gzip(Self.original)
        for length in [2, 3, 10, 11, compressed.count / 2, compressed.count - 8, compressed.count - 1] {
            let error = try Self.sameErrorBothWays(Array(compressed.prefix(length)))
            #expect(error == .truncatedGzip(path: error?.path ?? "", offset: length), "cut at \(length)")
        }
    }

    @Test func trailingGarbageIsRefused() throws {
        let compressed = try InputFixtures.gzip(Self.original)
        for garbage: [UInt8] in [[0], [0x1f], Array("garbage".utf8), [UInt8](repeating: 0, count: 512)] {
            let error = try Self.sameErrorBothWays(compressed + garbage)
            guard case let .corruptGzip(_, offset, reason)? = error else {
                Issue.record("expected corruptGzip, got \(String(describing: error))")
                continue
            }
            #expect(offset == compressed.count)
            #expect(reason.contains("trailing garbage"))
        }
    }

    @Test func secondMemberCutAfterItsMagicIsTruncated() throws {
        let compressed = try InputFixtures.gzip(Self.original)
        let error = try Self.sameErrorBothWays(compressed + [0x1f, 0x8b])
        #expect(error == .truncatedGzip(path: error?.path ?? "", offset: compressed.count + 2))
    }

    @Test func unknownCompressionMethodIsCorrupt() throws {
        var compressed = try InputFixtures.gzip(Self.original)
        compressed[2] = 9
        let error = try Self.sameErrorBothWays(compressed)
        guard case let .corruptGzip(_, offset, reason)? = error else {
            Issue.record("expected corruptGzip, got \(String(describing: error))")
            return
        }
        #expect(offset <= 10)
        #expect(reason.contains("compression method"))
    }

    @Test(arguments: [UInt32(0xFFFF_FFF0), 0, 1, 199_999, 200_001])
    func lyingISIZEIsCaught(isize: UInt32) throws {
        let compressed = InputFixtures.patchingISIZE(try InputFixtures.gzip(Self.original), to: isize)
        let storage = ByteStorage(copying: compressed)
        // The whole path gives up before allocating (or after libdeflate's check) ...
        #expect(inflateWholeGzip(storage, limit: Int.max) == nil)
        // ... and zlib names the length check, at the trailer.
        let error = try Self.sameErrorBothWays(compressed)
        guard case let .corruptGzip(_, _, reason)? = error else {
            Issue.record("expected corruptGzip, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("ISIZE"))
    }

    @Test func implausibleISIZEIsRefusedWithoutInflating() throws {
        // A 20-byte member claiming 4 GiB - 16 bytes: more than DEFLATE could produce.
        let compressed = InputFixtures.patchingISIZE(try InputFixtures.gzip([]), to: 0xFFFF_FFF0)
        let path = try InputFixtures.write(compressed)
        defer { InputFixtures.removeFolder(holding: path) }
        let input = try openInput(path: path)
        #expect(input.inflater == "zlib")
        guard case let .stream(stream) = input.bytes else {
            Issue.record("expected a stream")
            return
        }
        #expect((stream.remainingUpperBound ?? .max) < 64 * 1024)
        #expect(throws: MNISTToolsError.self) { try InputFixtures.readAll(stream) }
    }
}

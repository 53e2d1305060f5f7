/// The unpickler on raw bytes, read two ways: from one buffer (as a mapped file is) and
/// from a stream that hands out a few bytes at a time and cannot say how many are left (as
/// a pipe does). Both must throw a `PickleError`, or both return the same value. A value
/// then goes through what `inspect` does with it (the JSON document, the outline), and the
/// disassembler (`inspect --opcodes`) must list every pickle the unpickler accepts.
import MNISTTools
import Pickle

func fuzzOneInput(_ input: UnsafeRawBufferPointer) {
    let whole = outcome(PickleError.self) { try Unpickler().read(bytes: input) }
    let streamed = outcome(PickleError.self) { try Unpickler().read(PickleInput(stream: ShortReadStream(input))) }
    let listed = outcome(PickleError.self) { try Disassembler().disassemble(PickleInput(bytes: input)) { _ in } }
    switch (whole, streamed) {
    case (.failure, .failure):
        return
    case let (.failure(error), .success):
        fatalError("the stream read a pickle that the buffer refused: \(error)")
    case let (.success, .failure(error)):
        fatalError("the buffer read a pickle that the stream refused: \(error)")
    case let (.success(whole), .success(streamed)):
        require(whole.value == streamed.value, "the buffer and the stream read different values")
        require(whole.protocol == streamed.protocol && whole.endOffset == streamed.endOffset,
                "the buffer and the stream disagree on the protocol or where STOP is")
        if case let .failure(error) = listed { fatalError("the disassembler refused a pickle the unpickler read: \(error)") }
        _ = PickleJSON.encode(whole.value)
        _ = PickleTree().lines(whole.value)
    }
}

/// Bytes in memory handed out 1 to 16 bytes per read, in turn, with no size known in advance.
final class ShortReadStream: PickleByteStream {
    private let bytes: [UInt8]
    private var offset = 0
    private var reads = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = Array(bytes) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        reads += 1
        let count = min(buffer.count, bytes.count - offset, reads % 16 + 1)
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
        }
        offset += count
        return count
    }

    var remainingUpperBound: Int? { nil }
}

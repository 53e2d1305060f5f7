/// Why a pickle could not be read, and where: the byte offset of the opcode and its name.
///
/// The description reads as one sentence, for example
/// "BINSTRING at offset 1234 declares 200 bytes but only 17 remain".
public struct PickleError: Error, CustomStringConvertible {
    /// Offset of the opcode byte (or of the end of input) where the problem was found.
    public let offset: Int
    /// The opcode being executed, when there was one.
    public let opcode: Opcode?
    public let kind: Kind

    public init(offset: Int, opcode: Opcode?, kind: Kind) {
        self.offset = offset
        self.opcode = opcode
        self.kind = kind
    }

    public enum Kind: Sendable {
        /// The input holds no bytes at all.
        case emptyInput
        /// The input ended before the STOP opcode.
        case missingStop
        /// A byte that is no opcode of protocols 0 to 5.
        case unknownOpcode(UInt8)
        /// An argument needs `needed` bytes but only `available` remain (`exact`: the true
        /// count is known; otherwise `available` is an upper bound).
        case truncated(needed: Int, available: Int, exact: Bool)
        /// A text argument (protocol 0) has no terminating newline.
        case unterminatedLine
        /// A read of the opcode's argument would run past the end of the FRAME it starts in,
        /// which ends at offset `frameEnd`.
        case frameOverrun(frameEnd: Int)
        /// A FRAME begins before the previous frame, ending at `previousEnd`, is finished.
        case frameInsideFrame(previousEnd: Int)
        /// An argument's bytes are malformed: bad quoting, escapes, digits, UTF-8, lengths.
        case badArgument(String)
        /// The opcode needs `needed` values on the stack above the topmost MARK; there are
        /// `available`.
        case stackUnderflow(needed: Int, available: Int)
        /// A MARK sits between the values the opcode needs.
        case markSplitsOperands(needed: Int, aboveMark: Int)
        /// The opcode collects the values above a MARK, but no MARK is on the stack.
        case missingMark
        /// GET of a memo key that was never stored.
        case memoKeyMissing(Int)
        /// PUT with a negative key, or one above the limit.
        case badMemoKey(String)
        /// The operands have the wrong types or shape ("REDUCE arguments must be a tuple").
        case invalidOperands(String)
        /// A feature this reader refuses on purpose (out-of-band buffers, persistent ids).
        case unsupported(String)
        /// A NumPy array's description and data disagree, or its dtype is not supported.
        case badArray(String)
        /// A configured bound (memo entries, values) was exceeded.
        case limitExceeded(String)
    }

    public var description: String {
        let place = opcode.map { "\($0.name) at offset \(offset)" } ?? "at offset \(offset)"
        switch kind {
        case .emptyInput:
            return "the input is empty: a pickle holds at least a STOP opcode"
        case .missingStop:
            return "the pickle ends at offset \(offset) before its STOP opcode (truncated?)"
        case let .unknownOpcode(byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "unknown opcode 0x\(hex.count == 1 ? "0" + hex : hex) at offset \(offset)"
        case let .truncated(needed, available, exact):
            let remain = available == 1 ? "1 remains" : "\(available) remain"
            return "\(place) declares \(needed) byte\(needed == 1 ? "" : "s") but \(exact ? "only" : "at most") \(remain)"
        case .unterminatedLine:
            return "\(place): the argument line has no terminating newline before the end of the input"
        case let .frameOverrun(frameEnd):
            return "\(place): the argument runs past the end of its FRAME at offset \(frameEnd) (nothing may straddle a frame boundary)"
        case let .frameInsideFrame(previousEnd):
            return "\(place) begins a new frame before the previous one ends at offset \(previousEnd)"
        case let .badArgument(reason):
            return "\(place): \(reason)"
        case let .stackUnderflow(needed, available):
            return "\(place) needs \(needed) value\(needed == 1 ? "" : "s") on the stack but finds \(available)"
        case let .markSplitsOperands(needed, aboveMark):
            if aboveMark == 0 {
                return "\(place) needs \(needed) value\(needed == 1 ? "" : "s") but a MARK is on top of the stack"
            }
            return "\(place) needs \(needed) values but a MARK sits after the first \(needed - aboveMark)"
        case .missingMark:
            return "\(place) collects the values after a MARK, but no MARK is on the stack"
        case let .memoKeyMissing(key):
            return "\(place) fetches memo key \(key), which was never stored"
        case let .badMemoKey(reason):
            return "\(place): \(reason)"
        case let .invalidOperands(reason):
            return "\(place): \(reason)"
        case let .unsupported(reason):
            return "\(place): \(reason)"
        case let .badArray(reason):
            return "\(place): \(reason)"
        case let .limitExceeded(reason):
            return "\(place): \(reason)"
        }
    }
}

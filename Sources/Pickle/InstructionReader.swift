/// Reads opcodes and their arguments from a `PickleInput`, one at a time.
///
/// Shared by the unpickler and the disassembler, so both see exactly the same decoding and
/// the same errors. Every length is checked against what the input can still provide
/// before anything is allocated.
public struct InstructionReader {
    public let input: PickleInput
    /// The frame being read, when frame boundaries are enforced (by the unpickler; the
    /// disassembler lists what a stream holds, frames or not).
    private let frames: FrameBoundary?

    public init(input: PickleInput, enforcingFrames: Bool = false) {
        self.input = input
        frames = enforcingFrames ? FrameBoundary() : nil
    }

    /// The next instruction, or nil at the end of the input.
    public func next() throws -> Instruction? {
        let offset = input.offset
        guard let byte = try input.readByte() else { return nil }
        guard let opcode = Opcode(rawValue: byte) else {
            throw PickleError(offset: offset, opcode: nil, kind: .unknownOpcode(byte))
        }
        let context = Context(input: input, offset: offset, opcode: opcode, frames: frames)
        let argument = try context.readArgument()
        if opcode == .frame, case let .int(length) = argument { try context.beginFrame(length: length) }
        return Instruction(offset: offset, opcode: opcode, argument: argument)
    }

    /// At STOP: the rest of the current frame must be there, for CPython reads a frame
    /// whole before executing it. (For a buffer that was checked at FRAME; a stream is read
    /// on to the frame's end.)
    public func finishFrame() throws {
        guard let frame = frames?.current, input.offset < frame.end else { return }
        let missing = frame.end - input.offset
        let found = try input.discard(count: missing)
        if found < missing {
            throw PickleError(offset: frame.offset, opcode: .frame,
                              kind: .truncated(needed: frame.length, available: frame.length - (missing - found), exact: true))
        }
    }

    /// Reading state for one opcode: knows where it started, to name it in errors.
    private struct Context {
        let input: PickleInput
        let offset: Int
        let opcode: Opcode
        let frames: FrameBoundary?

        /// Throws when reading `count` bytes now would cross the current frame's end.
        private func checkFrame(reading count: Int, at start: Int? = nil) throws {
            if let end = frames?.overrun(readingAt: start ?? input.offset, count: count) {
                throw error(.frameOverrun(frameEnd: end))
            }
        }

        /// FRAME: a new frame of `length` bytes starts after the argument, if the previous
        /// one is finished and, for a buffer, if the input holds it.
        func beginFrame(length: Int64) throws {
            guard let frames else { return }
            if input.remainingIsExact, let remaining = input.remainingUpperBound, length > remaining {
                throw error(.truncated(needed: Int(length), available: remaining, exact: true))
            }
            if let previousEnd = frames.begin(opcodeAt: offset, start: input.offset, length: Int(length)) {
                throw error(.frameInsideFrame(previousEnd: previousEnd))
            }
        }

        func error(_ kind: PickleError.Kind) -> PickleError {
            PickleError(offset: offset, opcode: opcode, kind: kind)
        }

        func readArgument() throws -> OpcodeArgument {
            switch opcode.argumentKind {
            case .none: return .none
            case .uint1: return .int(Int64(try fixed(1)))
            case .uint2: return .int(Int64(try fixed(2)))
            case .uint4: return .int(Int64(try fixed(4)))
            case .int4: return .int(Int64(Int32(truncatingIfNeeded: try fixed(4))))
            case .uint8:
                let value = try fixed(8)
                guard value <= UInt64(Int64.max) else { throw error(.badArgument("length \(value) is larger than any input")) }
                return .int(Int64(value))
            case .float8: return .float(Double(bitPattern: try fixed(8).byteSwapped))
            case .long1, .long4: return try readBinaryLong()
            case .bytes1, .bytes4, .bytes8: return try readLengthPrefixed()
            case .decimalLine: return try readDecimalLine()
            case .longLine: return try readLongLine()
            case .floatLine: return try readFloatLine()
            case .quotedStringLine: return .bytes(try ProtocolZeroText.unquoteString(try line(), error: error))
            case .rawUnicodeLine: return .text(try ProtocolZeroText.decodeRawUnicodeEscape(try line(), error: error))
            case .globalPair:
                let module = try utf8(try nonEmptyLine("module"))
                let name = try utf8(try nonEmptyLine("name"))
                return .global(module: module, name: name)
            case .persistentIdLine:
                return .text(try line().latin1String)
            }
        }

        /// A little-endian unsigned integer of `count` bytes.
        private func fixed(_ count: Int) throws -> UInt64 {
            try checkFrame(reading: count)
            guard let value = try input.readLittleEndian(count: count) else {
                throw error(.truncated(needed: count, available: input.remainingUpperBound ?? 0, exact: true))
            }
            return value
        }

        private func bytes(_ count: Int) throws -> ByteSlice {
            try checkFrame(reading: count)
            switch try input.readBytes(count: count) {
            case let .bytes(slice): return slice
            case let .short(available, exact): throw error(.truncated(needed: count, available: available, exact: exact))
            }
        }

        private func line() throws -> ByteSlice {
            let start = input.offset
            guard let line = try input.readLine() else { throw error(.unterminatedLine) }
            try checkFrame(reading: input.offset - start, at: start)
            return line
        }

        /// A line that holds something, as CPython requires of a global's module and name.
        private func nonEmptyLine(_ role: String) throws -> ByteSlice {
            let text = try line()
            guard text.count > 0 else { throw error(.badArgument("the global's \(role) is empty")) }
            return text
        }

        private func utf8(_ slice: ByteSlice) throws -> String {
            guard let text = slice.utf8String else {
                throw error(.badArgument("the argument is not valid UTF-8"))
            }
            return text
        }

        private func readLengthPrefixed() throws -> OpcodeArgument {
            let length: Int64
            switch opcode.argumentKind {
            case .bytes1: length = Int64(try fixed(1))
            case .bytes4 where opcode == .binString: length = Int64(Int32(truncatingIfNeeded: try fixed(4)))
            case .bytes4: length = Int64(try fixed(4))
            default:
                let raw = try fixed(8)
                guard raw <= UInt64(Int64.max) else {
                    throw error(.badArgument("declares \(raw) bytes, more than any input can hold"))
                }
                length = Int64(raw)
            }
            guard length >= 0 else { throw error(.badArgument("declares a negative length (\(length))")) }
            guard length <= Int64(Int.max) else { throw error(.badArgument("declares \(length) bytes, more than memory can hold")) }
            let payload = try bytes(Int(length))
            switch opcode {
            case .shortBinUnicode, .binUnicode, .binUnicode8:
                guard let text = payload.utf8String else {
                    throw error(.badArgument("the \(length)-byte string is not valid UTF-8"))
                }
                return .text(text)
            default:
                return .bytes(payload)
            }
        }

        private func readBinaryLong() throws -> OpcodeArgument {
            let length = opcode == .long1 ? Int64(try fixed(1)) : Int64(Int32(truncatingIfNeeded: try fixed(4)))
            guard length >= 0 else { throw error(.badArgument("declares a negative byte count (\(length))")) }
            let payload = try bytes(Int(length))
            return .bigInteger(payload.withUnsafeBytes { BigInteger(twosComplementLittleEndian: $0) })
        }

        private func readDecimalLine() throws -> OpcodeArgument {
            let text = try line()
            if opcode == .int {
                return try ProtocolZeroText.parseInt(text, error: error)
            }
            // GET and PUT: a memo key.
            guard let key = BigInteger(decimal: text.array) else {
                throw error(.badArgument("memo key \(quoted(text)) is not a decimal integer"))
            }
            guard let small = key.int64 else {
                throw error(.badMemoKey("memo key \(key) is out of range"))
            }
            return .int(small)
        }

        private func readLongLine() throws -> OpcodeArgument {
            var text = try line().array
            if text.last == UInt8(ascii: "L") { text.removeLast() }
            return .bigInteger(try ProtocolZeroText.parseLong(text, error: error))
        }

        private func readFloatLine() throws -> OpcodeArgument {
            let text = try line()
            guard let value = ProtocolZeroText.parseFloat(text) else {
                throw error(.badArgument("\(quoted(text)) is not a float literal"))
            }
            return .float(value)
        }
    }
}

/// A byte string shown for an error message, at most 40 bytes, non-printables escaped.
func quoted(_ slice: ByteSlice) -> String {
    var text = "'"
    for byte in slice.array.prefix(40) {
        if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "'") && byte != UInt8(ascii: "\\") {
            text.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            let hex = String(byte, radix: 16)
            text += "\\x" + (hex.count == 1 ? "0" : "") + hex
        }
    }
    return text + (slice.count > 40 ? "…'" : "'")
}

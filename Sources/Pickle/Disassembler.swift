/// A listing of a pickle's opcodes in the manner of CPython's `pickletools.dis`: offset,
/// opcode byte, name indented by MARK depth, argument.
///
/// It decodes with the same `InstructionReader` as the unpickler but reconstructs nothing,
/// so it also lists pickles whose values this reader refuses (structured dtypes, say). It
/// stops at STOP, or at the first malformed opcode, after listing everything before it.
public struct Disassembler {
    /// Longest payload shown in full; longer ones are cut with their length noted.
    public var payloadPreview = 48

    public init() {}

    /// Writes one line per opcode to `write`, then a closing line with the highest protocol.
    /// Throws the `PickleError` that stopped it, after writing the lines before it.
    public func disassemble(_ input: PickleInput, write: (String) -> Void) throws {
        let reader = InstructionReader(input: input)
        var stack = StackShape()
        var highestProtocol = 0
        while true {
            guard let instruction = try reader.next() else {
                throw PickleError(offset: input.offset, opcode: nil, kind: input.offset == 0 ? .emptyInput : .missingStop)
            }
            let opcode = instruction.opcode
            highestProtocol = max(highestProtocol, opcode.introducedInProtocol)
            let depth = stack.markDepth
            let markNote = try stack.apply(instruction)
            var line = pad(String(instruction.offset), 5) + ": " + padRight(codeText(opcode.rawValue), 4) + " "
                + String(repeating: " ", count: 4 * depth) + opcode.name
            let argument = argumentText(instruction)
            if argument != nil || markNote != nil {
                line += String(repeating: " ", count: max(0, 10 - opcode.name.count)) + " "
                line += [argument, markNote].compactMap { $0 }.joined(separator: " ")
            }
            write(line)
            if opcode == .stop { break }
        }
        write("highest protocol among opcodes = \(highestProtocol)")
    }

    private func argumentText(_ instruction: Instruction) -> String? {
        switch instruction.argument {
        case .none: return nil
        case let .int(value): return String(value)
        case let .bool(flag): return flag ? "True" : "False"
        case let .bigInteger(value): return value.description
        case let .float(value):
            if value.isNaN { return "nan" }
            if value.isInfinite { return value < 0 ? "-inf" : "inf" }
            return PythonFloatFormat.repr(value)
        case let .text(text): return pythonRepr(Array(text.unicodeScalars.map(\.value)), prefix: "")
        case let .global(module, name): return pythonRepr(Array((module + " " + name).unicodeScalars.map(\.value)), prefix: "")
        case let .bytes(bytes):
            let scalars = bytes.withUnsafeBytes { $0.prefix(payloadPreview + 1).map(UInt32.init) }
            switch instruction.opcode {
            case .string, .binString, .shortBinString:
                return pythonRepr(scalars, prefix: "", total: bytes.count)
            case .byteArray8:
                return "bytearray(" + pythonRepr(scalars, prefix: "b", total: bytes.count) + ")"
            default:
                return pythonRepr(scalars, prefix: "b", total: bytes.count)
            }
        }
    }

    /// A Python-style quoted literal of at most `payloadPreview` characters.
    private func pythonRepr(_ scalars: [UInt32], prefix: String, total: Int? = nil) -> String {
        let count = total ?? scalars.count
        var text = prefix + "'"
        for value in scalars.prefix(payloadPreview) {
            switch value {
            case 0x5C: text += "\\\\"
            case 0x27: text += "\\'"
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x09: text += "\\t"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(UInt8(value)))
            default:
                if prefix.isEmpty, value >= 0xA0, let scalar = Unicode.Scalar(value) {
                    text.unicodeScalars.append(scalar)
                } else {
                    let hex = String(value, radix: 16)
                    text += value < 0x100 ? "\\x" + pad(hex, 2, with: "0")
                        : value < 0x10000 ? "\\u" + pad(hex, 4, with: "0") : "\\U" + pad(hex, 8, with: "0")
                }
            }
        }
        text += "'"
        if count > payloadPreview { text += "… (\(count) \(prefix.isEmpty && total == nil ? "characters" : "bytes"))" }
        return text
    }

    private func codeText(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(Unicode.Scalar(byte)) : "\\x" + pad(String(byte, radix: 16), 2, with: "0")
    }

    private func pad(_ text: String, _ width: Int, with fill: Character = " ") -> String {
        String(repeating: fill, count: max(0, width - text.count)) + text
    }

    private func padRight(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}

/// The shape of the unpickler's stack — how many values, where the MARKs are — enough to
/// indent by MARK depth and to catch underflow without building any value.
private struct StackShape {
    private var height = 0
    /// Stack heights and opcode offsets of the open MARKs.
    private var marks: [(height: Int, offset: Int)] = []

    var markDepth: Int { marks.count }

    /// Applies the opcode's effect; returns "(MARK at N)" for opcodes that close a MARK.
    mutating func apply(_ instruction: Instruction) throws -> String? {
        let opcode = instruction.opcode
        func fail(_ kind: PickleError.Kind) -> PickleError {
            PickleError(offset: instruction.offset, opcode: opcode, kind: kind)
        }
        if opcode == .mark {
            marks.append((height, instruction.offset))
            return nil
        }
        if opcode.consumesMark {
            guard let mark = marks.popLast() else { throw fail(.missingMark) }
            height = mark.height
            switch opcode {
            case .list, .tuple, .dict, .frozenSet, .obj, .inst: height += 1
            case .appends, .setItems, .addItems:
                guard height >= 1 else { throw fail(.stackUnderflow(needed: 1, available: 0)) }
            default: break
            }
            return "(MARK at \(mark.offset))"
        }
        if opcode == .pop, height == (marks.last?.height ?? 0), let mark = marks.popLast() {
            return "(MARK at \(mark.offset))"
        }
        let (pops, pushes) = Self.effect(of: opcode)
        let available = height - (marks.last?.height ?? 0)
        guard available >= pops else {
            if height >= pops { throw fail(.markSplitsOperands(needed: pops, aboveMark: available)) }
            throw fail(.stackUnderflow(needed: pops, available: height))
        }
        height += pushes - pops
        return nil
    }

    /// Values popped and pushed by opcodes that do not touch MARKs.
    private static func effect(of opcode: Opcode) -> (Int, Int) {
        switch opcode {
        case .stop, .pop, .append, .build: (1, 0)
        case .setItem: (2, 0)
        case .dup: (1, 2)
        case .tuple1, .binPersId: (1, 1)
        case .tuple2, .reduce, .newObj, .stackGlobal: (2, 1)
        case .tuple3, .newObjEx: (3, 1)
        case .put, .binPut, .longBinPut, .memoize: (1, 1)
        case .proto, .frame, .readonlyBuffer: (0, 0)
        default: (0, 1)
        }
    }
}

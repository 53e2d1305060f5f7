import Pickle
import Testing

/// A pickle that must be refused, and exactly how.
struct HostileCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let kind: PickleError.Kind
    let offset: Int
    let opcode: Opcode?
    let mentions: [String]

    var testDescription: String { name }

    init(_ name: String, _ literal: String, _ kind: PickleError.Kind, at offset: Int, _ opcode: Opcode?, mentions: [String] = []) {
        self.init(name, bytes: pickle(literal), kind, at: offset, opcode, mentions: mentions)
    }

    init(_ name: String, bytes: [UInt8], _ kind: PickleError.Kind, at offset: Int, _ opcode: Opcode?, mentions: [String] = []) {
        self.name = name
        self.bytes = bytes
        self.kind = kind
        self.offset = offset
        self.opcode = opcode
        self.mentions = mentions
    }
}

/// Every hostile case, by theme; `StreamTests` reads them all again through a stream.
enum HostileCases {
    private static func truncated(_ needed: Int, _ available: Int) -> PickleError.Kind {
        .truncated(needed: needed, available: available, exact: true)
    }

    static let framing: [HostileCase] = [
        HostileCase("empty input", "", .emptyInput, at: 0, nil, mentions: ["the input is empty"]),
        HostileCase("no STOP", "K\u{01}", .missingStop, at: 2, nil, mentions: ["ends at offset 2 before its STOP"]),
        HostileCase("no STOP after a list", "]", .missingStop, at: 1, nil),
        HostileCase("opcode 0xFF", "\u{ff}", .unknownOpcode(0xff), at: 0, nil, mentions: ["unknown opcode 0xFF at offset 0"]),
        HostileCase("opcode 0x00", "K\u{01}\u{00}", .unknownOpcode(0x00), at: 2, nil, mentions: ["unknown opcode 0x00 at offset 2"]),
        HostileCase("opcode @", "K\u{01}@.", .unknownOpcode(0x40), at: 2, nil, mentions: ["0x40"]),
    ]

    static let truncation: [HostileCase] = [
        HostileCase("uint1 of BININT1", "K", truncated(1, 0), at: 0, .binInt1, mentions: ["declares 1 byte but only 0 remain"]),
        HostileCase("uint1 of BINGET", "]h", truncated(1, 0), at: 1, .binGet),
        HostileCase("uint1 of PROTO", "\u{80}", truncated(1, 0), at: 0, .proto),
        HostileCase("uint1 of EXT1", "\u{82}", truncated(1, 0), at: 0, .ext1),
        HostileCase("uint2 of BININT2", "M\u{01}", truncated(2, 1), at: 0, .binInt2, mentions: ["declares 2 bytes but only 1 remains"]),
        HostileCase("uint2 of EXT2", "\u{83}", truncated(2, 0), at: 0, .ext2),
        HostileCase("int4 of BININT", "J\u{01}\u{02}\u{03}", truncated(4, 3), at: 0, .binInt),
        HostileCase("int4 of EXT4", "\u{84}\u{01}", truncated(4, 1), at: 0, .ext4),
        HostileCase("uint4 of LONG_BINGET", "j\u{01}", truncated(4, 1), at: 0, .longBinGet),
        HostileCase("uint4 of LONG_BINPUT", "K\u{01}r\u{01}\u{02}", truncated(4, 2), at: 2, .longBinPut),
        HostileCase("uint8 of FRAME", "\u{80}\u{04}\u{95}\u{01}\u{00}", truncated(8, 2), at: 2, .frame),
        HostileCase("float8 of BINFLOAT", "G?\u{f0}", truncated(8, 2), at: 0, .binFloat),
        HostileCase("LONG1 length", "\u{8a}", truncated(1, 0), at: 0, .long1),
        HostileCase("LONG1 payload", "\u{8a}\u{05}\u{01}\u{02}", truncated(5, 2), at: 0, .long1),
        HostileCase("LONG4 length", "\u{8b}\u{01}\u{00}", truncated(4, 2), at: 0, .long4),
        HostileCase("LONG4 payload", "\u{8b}\u{10}\u{00}\u{00}\u{00}\u{01}", truncated(16, 1), at: 0, .long4),
        HostileCase("bytes1 length of SHORT_BINBYTES", "C", truncated(1, 0), at: 0, .shortBinBytes),
        HostileCase("bytes1 payload of SHORT_BINBYTES", "C\u{05}ab", truncated(5, 2), at: 0, .shortBinBytes),
        HostileCase("bytes1 payload of SHORT_BINSTRING", "U\u{03}a", truncated(3, 1), at: 0, .shortBinString),
        HostileCase("bytes1 payload of SHORT_BINUNICODE", "\u{8c}\u{02}a", truncated(2, 1), at: 0, .shortBinUnicode),
        HostileCase("bytes4 length of BINBYTES", "B\u{05}\u{00}", truncated(4, 2), at: 0, .binBytes),
        HostileCase("bytes4 length of BINSTRING", "T", truncated(4, 0), at: 0, .binString),
        HostileCase("bytes4 payload of BINBYTES", "B\u{05}\u{00}\u{00}\u{00}abc", truncated(5, 3), at: 0, .binBytes),
        HostileCase("bytes4 payload of BINBYTES, largest length", "B\u{ff}\u{ff}\u{ff}\u{ff}", truncated(4_294_967_295, 0), at: 0, .binBytes),
        HostileCase("bytes4 payload of BINSTRING", bytes: pickle("T\u{c8}\u{00}\u{00}\u{00}") + [UInt8](repeating: 0x61, count: 17),
                    truncated(200, 17), at: 0, .binString, mentions: ["BINSTRING at offset 0 declares 200 bytes but only 17 remain"]),
        HostileCase("bytes4 payload of BINUNICODE", "X\u{04}\u{00}\u{00}\u{00}ab", truncated(4, 2), at: 0, .binUnicode),
        HostileCase("bytes8 length of BINBYTES8", "\u{8e}\u{01}\u{02}", truncated(8, 2), at: 0, .binBytes8),
        HostileCase("bytes8 length of BYTEARRAY8", "\u{96}", truncated(8, 0), at: 0, .byteArray8),
        HostileCase("bytes8 length of BINUNICODE8", "\u{8d}\u{00}\u{00}\u{00}\u{00}", truncated(8, 4), at: 0, .binUnicode8),
        HostileCase("bytes8 payload of BINBYTES8", "\u{8e}\n\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}abc", truncated(10, 3), at: 0, .binBytes8),
        HostileCase("bytes8 payload of BYTEARRAY8", "\u{96}\u{02}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}a", truncated(2, 1), at: 0, .byteArray8),
        HostileCase("bytes8 payload of BINUNICODE8", "\u{8d}\u{02}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}", truncated(2, 0), at: 0, .binUnicode8),
        HostileCase("FRAME longer than the input", "\u{95}\u{10}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}K\u{01}.", truncated(16, 3), at: 0, .frame,
                    mentions: ["FRAME at offset 0 declares 16 bytes but only 3 remain"]),
    ]

    /// Each text-line opcode without its newline.
    static let unterminated: [HostileCase] = [
        HostileCase("INT", "I12", .unterminatedLine, at: 0, .int, mentions: ["no terminating newline"]),
        HostileCase("LONG", "L12L", .unterminatedLine, at: 0, .long),
        HostileCase("FLOAT", "F1.5", .unterminatedLine, at: 0, .float),
        HostileCase("STRING", "S'a'", .unterminatedLine, at: 0, .string),
        HostileCase("UNICODE", "Vabc", .unterminatedLine, at: 0, .unicode),
        HostileCase("GET", "]g1", .unterminatedLine, at: 1, .get),
        HostileCase("PUT", "K\u{01}p1", .unterminatedLine, at: 2, .put),
        HostileCase("GLOBAL module", "cos", .unterminatedLine, at: 0, .global),
        HostileCase("GLOBAL name", "cos\nsystem", .unterminatedLine, at: 0, .global),
        HostileCase("INST module", "(ifoo", .unterminatedLine, at: 1, .inst),
        HostileCase("INST name", "(ifoo\nBar", .unterminatedLine, at: 1, .inst),
        HostileCase("PERSID", "Pabc", .unterminatedLine, at: 0, .persId),
    ]

    private static func underflow(_ needed: Int, _ available: Int) -> PickleError.Kind {
        .stackUnderflow(needed: needed, available: available)
    }

    /// Every opcode that pops, with too few values.
    static let underflow: [HostileCase] = [
        HostileCase("STOP", ".", underflow(1, 0), at: 0, .stop, mentions: ["needs 1 value on the stack but finds 0"]),
        HostileCase("POP", "0", underflow(1, 0), at: 0, .pop),
        HostileCase("DUP", "2", underflow(1, 0), at: 0, .dup),
        HostileCase("APPEND, empty", "a", underflow(2, 0), at: 0, .append),
        HostileCase("APPEND, one value", "K\u{01}a", underflow(2, 1), at: 2, .append, mentions: ["needs 2 values on the stack but finds 1"]),
        HostileCase("SETITEM, empty", "s", underflow(3, 0), at: 0, .setItem),
        HostileCase("SETITEM, two values", "}K\u{01}s", underflow(3, 2), at: 3, .setItem, mentions: ["needs 3 values on the stack but finds 2"]),
        HostileCase("TUPLE1", "\u{85}", underflow(1, 0), at: 0, .tuple1),
        HostileCase("TUPLE2", "K\u{01}\u{86}", underflow(2, 1), at: 2, .tuple2),
        HostileCase("TUPLE3", "K\u{01}K\u{02}\u{87}", underflow(3, 2), at: 4, .tuple3),
        HostileCase("REDUCE, empty", "R", underflow(2, 0), at: 0, .reduce),
        HostileCase("REDUCE, callable only", "cfoo\nbar\nR", underflow(2, 1), at: 9, .reduce),
        HostileCase("BUILD, empty", "b", underflow(2, 0), at: 0, .build),
        HostileCase("BUILD, state only", "}b", underflow(2, 1), at: 1, .build),
        HostileCase("NEWOBJ", ")\u{81}", underflow(2, 1), at: 1, .newObj),
        HostileCase("NEWOBJ_EX", "))\u{92}", underflow(3, 2), at: 2, .newObjEx),
        HostileCase("STACK_GLOBAL", "\u{8c}\u{01}a\u{93}", underflow(2, 1), at: 3, .stackGlobal),
        HostileCase("PUT", "p0\n", underflow(1, 0), at: 0, .put),
        HostileCase("BINPUT", "q\u{00}", underflow(1, 0), at: 0, .binPut),
        HostileCase("LONG_BINPUT", "r\u{00}\u{00}\u{00}\u{00}", underflow(1, 0), at: 0, .longBinPut),
        HostileCase("MEMOIZE", "\u{94}", underflow(1, 0), at: 0, .memoize),
        HostileCase("APPENDS without a list", "(K\u{01}e", underflow(1, 0), at: 3, .appends),
        HostileCase("SETITEMS without a dict", "(u", underflow(1, 0), at: 1, .setItems),
        HostileCase("ADDITEMS without a set", "(\u{90}", underflow(1, 0), at: 1, .addItems),
        HostileCase("OBJ without a class", "(o", underflow(1, 0), at: 1, .obj),
        HostileCase("READONLY_BUFFER", "\u{80}\u{05}\u{98}", underflow(1, 0), at: 2, .readonlyBuffer),
    ]

    private static func split(_ needed: Int, _ aboveMark: Int) -> PickleError.Kind {
        .markSplitsOperands(needed: needed, aboveMark: aboveMark)
    }

    /// A MARK between the values an opcode needs.
    static let markSplits: [HostileCase] = [
        HostileCase("TUPLE2", "K\u{01}(K\u{02}\u{86}", split(2, 1), at: 5, .tuple2, mentions: ["needs 2 values but a MARK sits after the first 1"]),
        HostileCase("TUPLE3, after two", "K\u{01}K\u{02}(K\u{03}\u{87}", split(3, 1), at: 7, .tuple3, mentions: ["needs 3 values but a MARK sits after the first 2"]),
        HostileCase("TUPLE3, after one", "K\u{01}(K\u{02}K\u{03}\u{87}", split(3, 2), at: 7, .tuple3, mentions: ["a MARK sits after the first 1"]),
        HostileCase("STOP", "K\u{01}(.", split(1, 0), at: 3, .stop, mentions: ["needs 1 value but a MARK is on top of the stack"]),
        HostileCase("APPEND", "](K\u{01}a", split(2, 1), at: 4, .append),
        HostileCase("SETITEM", "}(K\u{01}K\u{02}s", split(3, 2), at: 6, .setItem),
        HostileCase("REDUCE", "cfoo\nbar\n()R", split(2, 1), at: 11, .reduce),
        HostileCase("BUILD", "}(}b", split(2, 1), at: 3, .build),
        HostileCase("DUP", "K\u{01}(2", split(1, 0), at: 3, .dup),
        HostileCase("BINPUT", "K\u{01}(q\u{00}", split(1, 0), at: 3, .binPut),
        // The list APPENDS would extend sits below another MARK (CPython refuses this too).
        HostileCase("APPENDS", "]((e", split(1, 0), at: 3, .appends),
        HostileCase("SETITEMS", "}((K\u{01}K\u{02}u", split(1, 0), at: 7, .setItems),
    ]

    /// Each opcode that collects the values above a MARK, without one.
    static let missingMark: [HostileCase] = [
        HostileCase("APPENDS", "]e", .missingMark, at: 1, .appends, mentions: ["no MARK is on the stack"]),
        HostileCase("LIST", "l", .missingMark, at: 0, .list),
        HostileCase("TUPLE", "K\u{01}t", .missingMark, at: 2, .tuple),
        HostileCase("DICT", "d", .missingMark, at: 0, .dict),
        HostileCase("SETITEMS", "}K\u{01}K\u{02}u", .missingMark, at: 5, .setItems),
        HostileCase("ADDITEMS", "\u{8f}K\u{01}\u{90}", .missingMark, at: 3, .addItems),
        HostileCase("FROZENSET", "\u{91}", .missingMark, at: 0, .frozenSet),
        HostileCase("POP_MARK", "1", .missingMark, at: 0, .popMark),
        HostileCase("OBJ", "cfoo\nBar\no", .missingMark, at: 9, .obj),
        HostileCase("INST", "ifoo\nBar\n", .missingMark, at: 0, .inst),
        HostileCase("MARK consumed twice", "(l]e", .missingMark, at: 3, .appends),
    ]

    static let memo: [HostileCase] = [
        HostileCase("GET of a missing key", "g5\n", .memoKeyMissing(5), at: 0, .get, mentions: ["fetches memo key 5, which was never stored"]),
        HostileCase("GET of a negative key", "g-1\n", .memoKeyMissing(-1), at: 0, .get),
        HostileCase("BINGET of a missing key", "K\u{01}q\u{00}h\u{05}", .memoKeyMissing(5), at: 4, .binGet),
        HostileCase("LONG_BINGET of a missing key", "j\u{05}\u{01}\u{00}\u{00}", .memoKeyMissing(261), at: 0, .longBinGet),
        HostileCase("negative PUT", "K\u{01}p-1\n", .badMemoKey("negative memo key -1"), at: 2, .put, mentions: ["negative memo key -1"]),
        HostileCase("huge PUT", "K\u{01}p99999999999\n", .badMemoKey("memo key 99999999999 is above the limit of 4294967295"), at: 2, .put,
                    mentions: ["memo key 99999999999 is above the limit of 4294967295"]),
        HostileCase("PUT beyond 64 bits", "K\u{01}p99999999999999999999\n", .badMemoKey("memo key 99999999999999999999 is out of range"), at: 2, .put),
        HostileCase("GET beyond 64 bits", "g99999999999999999999\n", .badMemoKey("memo key 99999999999999999999 is out of range"), at: 0, .get),
        HostileCase("GET of junk", "gx\n", .badArgument("memo key 'x' is not a decimal integer"), at: 0, .get),
        HostileCase("PUT of nothing", "K\u{01}p\n", .badArgument("memo key '' is not a decimal integer"), at: 2, .put),
    ]

    static let text: [HostileCase] = [
        HostileCase("STRING opening quote only", "S'abc\n", .badArgument("the STRING argument '\\x27abc' must be enclosed in matching quotes"), at: 0, .string,
                    mentions: ["must be enclosed in matching quotes"]),
        HostileCase("STRING unquoted", "Sabc\n", .badArgument("the STRING argument 'abc' must be enclosed in matching quotes"), at: 0, .string),
        HostileCase("STRING mismatched quotes", "S'abc\"\n", .badArgument("the STRING argument '\\x27abc\"' must be enclosed in matching quotes"), at: 0, .string),
        HostileCase("STRING one quote", "S'\n", .badArgument("the STRING argument '\\x27' must be enclosed in matching quotes"), at: 0, .string),
        HostileCase("STRING short \\x", "S'\\x4'\n", .badArgument("invalid \\x escape at position 0 of the STRING argument"), at: 0, .string,
                    mentions: ["invalid \\x escape"]),
        HostileCase("STRING \\x with no digits", "S'ab\\x'\n", .badArgument("invalid \\x escape at position 2 of the STRING argument"), at: 0, .string),
        HostileCase("STRING \\x not hex", "S'\\xzz'\n", .badArgument("invalid \\x escape at position 0 of the STRING argument"), at: 0, .string),
        HostileCase("STRING trailing backslash", "S'abc\\'\n", .badArgument("the STRING argument ends with a lone backslash"), at: 0, .string),
        HostileCase("INT with junk", "I12a\n", .badArgument("'12a' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int, mentions: ["'12a' is not a decimal integer"]),
        HostileCase("INT empty", "I\n", .badArgument("'' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int),
        HostileCase("INT with a space", "I 1\n", .badArgument("' 1' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int),
        HostileCase("INT sign only", "I-\n", .badArgument("'-' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int),
        HostileCase("INT hexadecimal", "I0x10\n", .badArgument("'0x10' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int),
        HostileCase("INT with a fraction", "I1.0\n", .badArgument("'1.0' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int),
        HostileCase("LONG with junk", "L12x\n", .badArgument("'12x' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .long),
        HostileCase("LONG empty", "L\n", .badArgument("'' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .long),
        HostileCase("LONG suffix only", "LL\n", .badArgument("'' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .long),
        HostileCase("LONG with a fraction", "L1.5L\n", .badArgument("'1.5' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .long),
        HostileCase("FLOAT two points", "F1.2.3\n", .badArgument("'1.2.3' is not a float literal"), at: 0, .float, mentions: ["'1.2.3' is not a float literal"]),
        HostileCase("FLOAT out of range", "F1e999\n", .badArgument("'1e999' is not a float literal"), at: 0, .float),
        HostileCase("FLOAT empty", "F\n", .badArgument("'' is not a float literal"), at: 0, .float),
        HostileCase("FLOAT word", "Fabc\n", .badArgument("'abc' is not a float literal"), at: 0, .float),
        HostileCase("FLOAT bare exponent", "F1e\n", .badArgument("'1e' is not a float literal"), at: 0, .float),
        HostileCase("FLOAT with a space", "F 1.0\n", .badArgument("' 1.0' is not a float literal"), at: 0, .float),
        HostileCase("FLOAT hexadecimal", "F0x1p3\n", .badArgument("'0x1p3' is not a float literal"), at: 0, .float),
        HostileCase("FLOAT point only", "F.\n", .badArgument("'.' is not a float literal"), at: 0, .float),
        HostileCase("UNICODE short \\u", "V\\u12\n", .badArgument("truncated \\u escape at position 0 of the UNICODE argument"), at: 0, .unicode),
        HostileCase("UNICODE short \\U", "Vab\\U0001F60\n", .badArgument("truncated \\U escape at position 2 of the UNICODE argument"), at: 0, .unicode),
        HostileCase("UNICODE not hex", "V\\uzzzz\n", .badArgument("invalid hexadecimal digit in the escape at position 0 of the UNICODE argument"), at: 0, .unicode),
        HostileCase("UNICODE beyond U+10FFFF", "V\\U00110000\n", .badArgument("escape at position 0 is beyond U+10FFFF"), at: 0, .unicode),
        HostileCase("UNICODE lone surrogate", "V\\ud800\n", .badArgument("escape at position 0 is a lone surrogate, which this reader cannot hold"), at: 0, .unicode),
    ]

    private static let bigLength = littleEndian(UInt64(1) << 63)
    private static let hugeLength = littleEndian(UInt64.max)
    private static let teraLength = littleEndian(UInt64(1) << 40)

    static let lengths: [HostileCase] = [
        HostileCase("negative BINSTRING length", "T\u{ff}\u{ff}\u{ff}\u{ff}", .badArgument("declares a negative length (-1)"), at: 0, .binString,
                    mentions: ["declares a negative length (-1)"]),
        HostileCase("negative LONG4 length", "\u{8b}\u{ff}\u{ff}\u{ff}\u{ff}", .badArgument("declares a negative byte count (-1)"), at: 0, .long4),
        HostileCase("BINBYTES8 of 2^63", bytes: [0x8e] + bigLength, .badArgument("declares 9223372036854775808 bytes, more than any input can hold"), at: 0, .binBytes8),
        HostileCase("BINUNICODE8 of 2^63", bytes: [0x8d] + bigLength, .badArgument("declares 9223372036854775808 bytes, more than any input can hold"), at: 0, .binUnicode8),
        HostileCase("BYTEARRAY8 of 2^64-1", bytes: [0x96] + hugeLength, .badArgument("declares 18446744073709551615 bytes, more than any input can hold"), at: 0, .byteArray8),
        HostileCase("FRAME of 2^63", bytes: [0x95] + bigLength, .badArgument("length 9223372036854775808 is larger than any input"), at: 0, .frame),
        HostileCase("BINBYTES8 of 2^40", bytes: [0x8e] + teraLength + [1, 2, 3], truncated(1 << 40, 3), at: 0, .binBytes8,
                    mentions: ["declares 1099511627776 bytes but only 3 remain"]),
        HostileCase("BINUNICODE8 of 2^40", bytes: [0x8d] + teraLength + [1, 2, 3], truncated(1 << 40, 3), at: 0, .binUnicode8),
        HostileCase("BYTEARRAY8 of 2^40", bytes: [0x96] + teraLength + [1, 2, 3], truncated(1 << 40, 3), at: 0, .byteArray8),
        HostileCase("BINBYTES8 of 2^62 after a list", bytes: [0x5d, 0x8e] + littleEndian(UInt64(1) << 62), truncated(1 << 62, 0), at: 1, .binBytes8),
    ]

    private static func invalid(_ reason: String) -> PickleError.Kind { .invalidOperands(reason) }

    static let operands: [HostileCase] = [
        HostileCase("odd SETITEMS", "}(K\u{01}u", invalid("odd number of items (1): keys and values must come in pairs"), at: 4, .setItems,
                    mentions: ["odd number of items (1)"]),
        HostileCase("odd DICT", "(K\u{01}K\u{02}K\u{03}d", invalid("odd number of items (3): keys and values must come in pairs"), at: 7, .dict),
        HostileCase("REDUCE of a list", "cfoo\nbar\n]R", invalid("REDUCE arguments must be a tuple, not list"), at: 10, .reduce,
                    mentions: ["REDUCE arguments must be a tuple, not list"]),
        HostileCase("NEWOBJ of an int", "cfoo\nBar\nK\u{01}\u{81}", invalid("NEWOBJ arguments must be a tuple, not int"), at: 11, .newObj),
        HostileCase("NEWOBJ_EX of a list", "cfoo\nBar\n]}\u{92}", invalid("NEWOBJ_EX arguments must be a tuple, not list"), at: 11, .newObjEx),
        HostileCase("NEWOBJ_EX keywords not a dict", "cfoo\nBar\n))\u{92}", invalid("NEWOBJ_EX keyword arguments must be a dict, not tuple"), at: 11, .newObjEx),
        HostileCase("STACK_GLOBAL of ints", "K\u{01}K\u{02}\u{93}", invalid("STACK_GLOBAL needs two str values, found int and int"), at: 4, .stackGlobal),
        HostileCase("STACK_GLOBAL of bytes", "\u{8c}\u{01}aC\u{01}b\u{93}", invalid("STACK_GLOBAL needs two str values, found str and bytes"), at: 6, .stackGlobal),
        HostileCase("list as a SETITEM key", "}]K\u{01}s", invalid("unhashable type 'list' used as a dict key"), at: 4, .setItem,
                    mentions: ["unhashable type 'list'"]),
        HostileCase("dict as a SETITEMS key", "}(}K\u{01}u", invalid("unhashable type 'dict' used as a dict key"), at: 5, .setItems),
        HostileCase("list as a DICT key", "(]K\u{01}d", invalid("unhashable type 'list' used as a dict key"), at: 4, .dict),
        HostileCase("bytearray as a dict key", "}\u{96}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}K\u{01}s", invalid("unhashable type 'bytearray' used as a dict key"), at: 12, .setItem),
        HostileCase("tuple holding a list as a key", "}]\u{85}K\u{01}s", invalid("unhashable type 'list' used as a dict key"), at: 5, .setItem),
        HostileCase("list added to a set", "\u{8f}(]\u{90}", invalid("unhashable type 'list' added to a set"), at: 3, .addItems),
        HostileCase("set in a frozenset", "(\u{8f}\u{91}", invalid("unhashable type 'set' added to a set"), at: 2, .frozenSet),
        HostileCase("APPEND to a tuple", ")K\u{01}a", invalid("can only append to a list, not to a tuple"), at: 3, .append),
        HostileCase("APPENDS to a dict", "}(K\u{01}e", invalid("can only append to a list, not to a dict"), at: 4, .appends),
        HostileCase("SETITEM in a list", "]K\u{01}K\u{02}s", invalid("can only set items in a dict, not in a list"), at: 5, .setItem),
        HostileCase("ADDITEMS to a list", "](K\u{01}\u{90}", invalid("can only add items to a set, not to a list"), at: 4, .addItems),
        HostileCase("ADDITEMS to a frozenset", "(\u{91}(K\u{01}\u{90}", invalid("can only add items to a set, not to a frozenset"), at: 5, .addItems),
        HostileCase("BUILD on an int", "K\u{01}}b", invalid("BUILD cannot set the state of a int"), at: 3, .build),
        HostileCase("_codecs.encode to UTF-16", "c_codecs\nencode\n(Vx\nVutf-16\ntR",
                    invalid("_codecs.encode with encoding 'utf-16' is not supported (only latin1 and utf-8)"), at: 29, .reduce),
        HostileCase("_codecs.encode beyond Latin-1", "c_codecs\nencode\n(X\u{02}\u{00}\u{00}\u{00}\u{c4}\u{80}Vlatin1\ntR",
                    invalid("character U+100 cannot be encoded as Latin-1"), at: 33, .reduce),
        HostileCase("_reconstruct with two arguments", "cnumpy.core.multiarray\n_reconstruct\n(K\u{01}K\u{02}tR",
                    invalid("_reconstruct takes 3 arguments (subtype, shape, typecode), got 2"), at: 42, .reduce),
        HostileCase("complex of a string", "cbuiltins\ncomplex\n(Vx\ntR", invalid("complex() takes up to two real numbers"), at: 23, .reduce),
        HostileCase("OrderedDict of a bad pair", "ccollections\nOrderedDict\n(](K\u{01}tatR", invalid("OrderedDict() items must be key-value pairs"), at: 33, .reduce),
    ]

    private static func unsupported(_ reason: String) -> PickleError.Kind { .unsupported(reason) }
    private static let persistent = "persistent IDs are not supported: the pickle refers to objects stored outside it (PyTorch checkpoints are made this way; load those with PyTorch)"
    private static let outOfBand = "out-of-band buffers (protocol 5 with buffer_callback) are not supported: their data is not in the file"
    private static let extensions = "extension codes (copyreg.add_extension) are not supported: they name objects registered in the writing program"

    static let refused: [HostileCase] = [
        HostileCase("PERSID", "Pabc\n", unsupported(persistent), at: 0, .persId, mentions: ["PyTorch"]),
        HostileCase("BINPERSID", "K\u{01}Q", unsupported(persistent), at: 2, .binPersId, mentions: ["PyTorch"]),
        HostileCase("NEXT_BUFFER", "\u{97}", unsupported(outOfBand), at: 0, .nextBuffer, mentions: ["out-of-band"]),
        HostileCase("EXT1", "\u{82}\u{01}", unsupported(extensions), at: 0, .ext1, mentions: ["extension codes"]),
        HostileCase("EXT2", "\u{83}\u{01}\u{00}", unsupported(extensions), at: 0, .ext2),
        HostileCase("EXT4", "\u{84}\u{01}\u{00}\u{00}\u{00}", unsupported(extensions), at: 0, .ext4),
        HostileCase("PROTO 6", "\u{80}\u{06}", unsupported("pickle protocol 6 is newer than 5, the highest this reader knows"), at: 0, .proto,
                    mentions: ["pickle protocol 6"]),
        HostileCase("PROTO 255", "\u{80}\u{ff}", unsupported("pickle protocol 255 is newer than 5, the highest this reader knows"), at: 0, .proto),
        HostileCase("invalid UTF-8 in BINUNICODE", "X\u{02}\u{00}\u{00}\u{00}\u{c3}(", .badArgument("the 2-byte string is not valid UTF-8"), at: 0, .binUnicode,
                    mentions: ["not valid UTF-8"]),
        HostileCase("invalid UTF-8 in SHORT_BINUNICODE", "\u{8c}\u{01}\u{ff}", .badArgument("the 1-byte string is not valid UTF-8"), at: 0, .shortBinUnicode),
        HostileCase("invalid UTF-8 in BINUNICODE8", "\u{8d}\u{01}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{80}", .badArgument("the 1-byte string is not valid UTF-8"), at: 0, .binUnicode8),
        HostileCase("encoded surrogate in SHORT_BINUNICODE", "\u{8c}\u{03}\u{ed}\u{a0}\u{80}", .badArgument("the 3-byte string is not valid UTF-8"), at: 0, .shortBinUnicode),
        HostileCase("invalid UTF-8 in GLOBAL", "c\u{ff}\nx\n", .badArgument("the argument is not valid UTF-8"), at: 0, .global),
        HostileCase("invalid UTF-8 in INST", "(ix\n\u{ff}\n", .badArgument("the argument is not valid UTF-8"), at: 1, .inst),
    ]

    static let all = framing + truncation + unterminated + underflow + markSplits + missingMark + memo + text + lengths + operands + refused
}

/// Hostile and malformed pickles: each is refused with the precise error kind, opcode and offset.
@Suite struct HostileInputTests {
    @Test(arguments: HostileCases.framing) func framing(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.truncation) func truncation(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.unterminated) func unterminatedLine(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.underflow) func stackUnderflow(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.markSplits) func markSplitsOperands(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.missingMark) func missingMark(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.memo) func memoKeys(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.text) func badTextArguments(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.lengths) func badLengths(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.operands) func invalidOperands(_ hostile: HostileCase) { expect(hostile) }
    @Test(arguments: HostileCases.refused) func unsupported(_ hostile: HostileCase) { expect(hostile) }

    private func expect(_ hostile: HostileCase, sourceLocation: SourceLocation = #_sourceLocation) {
        expectFailure(hostile.bytes, hostile.kind, at: hostile.offset, hostile.opcode, mentions: hostile.mentions, sourceLocation: sourceLocation)
    }

    @Test func everyPoppingOpcodeIsCovered() {
        // Each opcode that takes values from the stack has an underflow or missing-MARK case.
        let covered = Set((HostileCases.underflow + HostileCases.missingMark).compactMap(\.opcode))
        let popping: [Opcode] = [.stop, .pop, .dup, .append, .appends, .setItem, .setItems, .addItems, .tuple, .tuple1, .tuple2,
                                 .tuple3, .list, .dict, .frozenSet, .popMark, .reduce, .build, .newObj, .newObjEx, .stackGlobal,
                                 .put, .binPut, .longBinPut, .memoize, .obj, .inst]
        #expect(popping.filter { !covered.contains($0) } == [])
        #expect(Opcode.allCases.filter(\.consumesMark).allSatisfy { opcode in
            HostileCases.missingMark.contains { $0.opcode == opcode }
        })
    }

    @Test func hugeDeclaredLengthsFailFastWithoutAllocating() throws {
        // 1 TiB declared, 3 bytes present: refused from the lengths alone.
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for opcode: UInt8 in [0x8e, 0x8d, 0x96] {
                for _ in 0..<1000 {
                    _ = try? Unpickler().read(bytes: [opcode] + littleEndian(UInt64(1) << 40) + [1, 2, 3])
                }
            }
        }
        #expect(elapsed < .seconds(2))
    }

    @Test func memoKeyLimit() throws {
        let limits = UnpicklerLimits(maximumMemoKey: 100)
        #expect(try unpickle("K\u{01}qdhd.", limits: limits) == 1)
        expectFailure("K\u{01}qe", .badMemoKey("memo key 101 is above the limit of 100"), at: 2, .binPut,
                      mentions: ["memo key 101 is above the limit of 100"], limits: limits)
        expectFailure("K\u{01}r\u{ff}\u{ff}\u{ff}\u{ff}", .badMemoKey("memo key 4294967295 is above the limit of 100"), at: 2, .longBinPut, limits: limits)
        expectFailure("K\u{01}p101\n", .badMemoKey("memo key 101 is above the limit of 100"), at: 2, .put, limits: limits)
    }

    @Test func memoEntryLimit() throws {
        let limits = UnpicklerLimits(maximumMemoEntries: 2)
        // Storing again under a key already used adds no entry.
        #expect(try unpickle("K\u{01}q\u{00}q\u{01}q\u{00}q\u{01}.", limits: limits) == 1)
        let reason = "the memo would hold more than 2 entries (UnpicklerLimits.maximumMemoEntries)"
        expectFailure("K\u{01}q\u{00}q\u{01}q\u{02}", .limitExceeded(reason), at: 6, .binPut, mentions: [reason], limits: limits)
        expectFailure("K\u{01}\u{94}\u{94}\u{94}", .limitExceeded(reason), at: 4, .memoize, limits: limits)
    }

    @Test func valueLimit() throws {
        let limits = UnpicklerLimits(maximumValues: 3)
        // GET and DUP-free references do not create values: 1, then the tuple.
        #expect(try unpickle("K\u{01}q\u{00}h\u{00}h\u{00}\u{87}.", limits: limits).tupleItems == [1, 1, 1])
        let reason = "the pickle creates more than 3 values (UnpicklerLimits.maximumValues)"
        expectFailure("K\u{01}K\u{02}K\u{03}K\u{04}", .limitExceeded(reason), at: 6, .binInt1, mentions: [reason], limits: limits)
        expectFailure("](K\u{01}K\u{02}e\u{85}", .limitExceeded(reason), at: 7, .tuple1, limits: limits)
    }

    @Test func errorsAreDescribedInOneSentence() throws {
        let error = try #require(expectFailure(pickle("T\u{c8}\u{00}\u{00}\u{00}") + [UInt8](repeating: 0, count: 17),
                                               .truncated(needed: 200, available: 17, exact: true), at: 0, .binString))
        #expect(error.description == "BINSTRING at offset 0 declares 200 bytes but only 17 remain")
        let empty = try #require(expectFailure([UInt8](), .emptyInput, at: 0, nil))
        #expect(empty.description == "the input is empty: a pickle holds at least a STOP opcode")
    }
}

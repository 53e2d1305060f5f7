/// Every pickle opcode of protocols 0 to 5: its byte, name, the protocol that introduced it
/// and the kind of argument that follows it in the stream.
///
/// This one table drives both the unpickler and the disassembler, as in CPython's
/// `pickletools`, whose descriptions are the reference for what each opcode means.
public enum Opcode: UInt8, CaseIterable, Sendable {
    // Integers
    case int = 0x49             // I  decimal line; "01"/"00" are True/False
    case binInt = 0x4A          // J  4-byte signed
    case binInt1 = 0x4B         // K  1-byte unsigned
    case binInt2 = 0x4D         // M  2-byte unsigned
    case long = 0x4C            // L  decimal line with optional L suffix
    case long1 = 0x8A           //    1-byte length, two's-complement little-endian
    case long4 = 0x8B           //    4-byte length, two's-complement little-endian
    // Byte strings
    case string = 0x53          // S  quoted, escaped line (Python 2 str)
    case binString = 0x54       // T  4-byte length (Python 2 str)
    case shortBinString = 0x55  // U  1-byte length (Python 2 str)
    case binBytes = 0x42        // B  4-byte length
    case shortBinBytes = 0x43   // C  1-byte length
    case binBytes8 = 0x8E       //    8-byte length
    case byteArray8 = 0x96      //    8-byte length
    case nextBuffer = 0x97      //    out-of-band buffer (unsupported)
    case readonlyBuffer = 0x98  //    out-of-band buffer (unsupported)
    // Constants
    case none = 0x4E            // N
    case newTrue = 0x88
    case newFalse = 0x89
    // Unicode strings
    case unicode = 0x56         // V  raw-unicode-escape line
    case shortBinUnicode = 0x8C //    1-byte length, UTF-8
    case binUnicode = 0x58      // X  4-byte length, UTF-8
    case binUnicode8 = 0x8D     //    8-byte length, UTF-8
    // Floats
    case float = 0x46           // F  decimal line
    case binFloat = 0x47        // G  8-byte big-endian IEEE 754
    // Lists, tuples, dicts, sets
    case emptyList = 0x5D       // ]
    case append = 0x61          // a
    case appends = 0x65         // e
    case list = 0x6C            // l
    case emptyTuple = 0x29      // )
    case tuple = 0x74           // t
    case tuple1 = 0x85
    case tuple2 = 0x86
    case tuple3 = 0x87
    case emptyDict = 0x7D       // }
    case dict = 0x64            // d
    case setItem = 0x73         // s
    case setItems = 0x75        // u
    case emptySet = 0x8F
    case addItems = 0x90
    case frozenSet = 0x91
    // Stack
    case pop = 0x30             // 0
    case dup = 0x32             // 2
    case mark = 0x28            // (
    case popMark = 0x31         // 1
    // Memo
    case get = 0x67             // g  decimal line
    case binGet = 0x68          // h  1-byte
    case longBinGet = 0x6A      // j  4-byte
    case put = 0x70             // p  decimal line
    case binPut = 0x71          // q  1-byte
    case longBinPut = 0x72      // r  4-byte
    case memoize = 0x94
    // Extension registry (unsupported: nothing is registered outside a running Python)
    case ext1 = 0x82
    case ext2 = 0x83
    case ext4 = 0x84
    // Objects
    case global = 0x63          // c  "module\nname\n"
    case stackGlobal = 0x93
    case reduce = 0x52          // R
    case build = 0x62           // b
    case inst = 0x69            // i  "module\nname\n", arguments after MARK
    case obj = 0x6F             // o
    case newObj = 0x81
    case newObjEx = 0x92
    // Framing and control
    case proto = 0x80
    case stop = 0x2E            // .
    case frame = 0x95           //    8-byte frame length
    case persId = 0x50          // P  persistent id line (unsupported)
    case binPersId = 0x51       // Q  (unsupported)
}

/// What follows an opcode byte in the stream.
public enum ArgumentKind: Sendable {
    case none
    case uint1, uint2, int4, uint4, uint8
    case decimalLine          // INT, GET, PUT: a decimal number and a newline
    case longLine             // LONG: decimal with an optional trailing L
    case floatLine            // FLOAT: a Python float literal
    case long1, long4         // length-prefixed two's-complement integers
    case float8               // big-endian IEEE 754 double
    case quotedStringLine     // STRING: a quoted, escaped Python 2 literal
    case rawUnicodeLine       // UNICODE: raw-unicode-escape text
    case bytes1, bytes4, bytes8   // length-prefixed bytes (1-, 4-, 8-byte length)
    case globalPair           // GLOBAL, INST: "module\nname\n"
    case persistentIdLine     // PERSID
}

extension Opcode {
    /// The name CPython's `pickletools` uses.
    public var name: String {
        switch self {
        case .int: "INT"
        case .binInt: "BININT"
        case .binInt1: "BININT1"
        case .binInt2: "BININT2"
        case .long: "LONG"
        case .long1: "LONG1"
        case .long4: "LONG4"
        case .string: "STRING"
        case .binString: "BINSTRING"
        case .shortBinString: "SHORT_BINSTRING"
        case .binBytes: "BINBYTES"
        case .shortBinBytes: "SHORT_BINBYTES"
        case .binBytes8: "BINBYTES8"
        case .byteArray8: "BYTEARRAY8"
        case .nextBuffer: "NEXT_BUFFER"
        case .readonlyBuffer: "READONLY_BUFFER"
        case .none: "NONE"
        case .newTrue: "NEWTRUE"
        case .newFalse: "NEWFALSE"
        case .unicode: "UNICODE"
        case .shortBinUnicode: "SHORT_BINUNICODE"
        case .binUnicode: "BINUNICODE"
        case .binUnicode8: "BINUNICODE8"
        case .float: "FLOAT"
        case .binFloat: "BINFLOAT"
        case .emptyList: "EMPTY_LIST"
        case .append: "APPEND"
        case .appends: "APPENDS"
        case .list: "LIST"
        case .emptyTuple: "EMPTY_TUPLE"
        case .tuple: "TUPLE"
        case .tuple1: "TUPLE1"
        case .tuple2: "TUPLE2"
        case .tuple3: "TUPLE3"
        case .emptyDict: "EMPTY_DICT"
        case .dict: "DICT"
        case .setItem: "SETITEM"
        case .setItems: "SETITEMS"
        case .emptySet: "EMPTY_SET"
        case .addItems: "ADDITEMS"
        case .frozenSet: "FROZENSET"
        case .pop: "POP"
        case .dup: "DUP"
        case .mark: "MARK"
        case .popMark: "POP_MARK"
        case .get: "GET"
        case .binGet: "BINGET"
        case .longBinGet: "LONG_BINGET"
        case .put: "PUT"
        case .binPut: "BINPUT"
        case .longBinPut: "LONG_BINPUT"
        case .memoize: "MEMOIZE"
        case .ext1: "EXT1"
        case .ext2: "EXT2"
        case .ext4: "EXT4"
        case .global: "GLOBAL"
        case .stackGlobal: "STACK_GLOBAL"
        case .reduce: "REDUCE"
        case .build: "BUILD"
        case .inst: "INST"
        case .obj: "OBJ"
        case .newObj: "NEWOBJ"
        case .newObjEx: "NEWOBJ_EX"
        case .proto: "PROTO"
        case .stop: "STOP"
        case .frame: "FRAME"
        case .persId: "PERSID"
        case .binPersId: "BINPERSID"
        }
    }

    /// The argument that follows the opcode byte.
    public var argumentKind: ArgumentKind {
        switch self {
        case .int, .get, .put: .decimalLine
        case .long: .longLine
        case .float: .floatLine
        case .binInt, .ext4: .int4
        case .binInt1, .binGet, .binPut, .ext1, .proto: .uint1
        case .binInt2, .ext2: .uint2
        case .longBinGet, .longBinPut: .uint4
        case .frame: .uint8
        case .long1: .long1
        case .long4: .long4
        case .binFloat: .float8
        case .string: .quotedStringLine
        case .unicode: .rawUnicodeLine
        case .shortBinString, .shortBinBytes, .shortBinUnicode: .bytes1
        case .binString, .binBytes, .binUnicode: .bytes4
        case .binBytes8, .byteArray8, .binUnicode8: .bytes8
        case .global, .inst: .globalPair
        case .persId: .persistentIdLine
        default: .none
        }
    }

    /// The pickle protocol that introduced the opcode.
    public var introducedInProtocol: Int {
        switch self {
        case .int, .long, .string, .none, .unicode, .float, .append, .list, .tuple, .dict,
             .setItem, .pop, .dup, .mark, .get, .put, .global, .reduce, .build, .inst, .stop,
             .persId:
            0
        case .binInt, .binInt1, .binInt2, .binString, .shortBinString, .binUnicode, .binFloat,
             .emptyList, .appends, .emptyTuple, .emptyDict, .setItems, .popMark, .binGet,
             .longBinGet, .binPut, .longBinPut, .obj, .binPersId:
            1
        case .long1, .long4, .newTrue, .newFalse, .tuple1, .tuple2, .tuple3, .ext1, .ext2,
             .ext4, .newObj, .proto:
            2
        case .binBytes, .shortBinBytes:
            3
        case .binBytes8, .shortBinUnicode, .binUnicode8, .emptySet, .addItems, .frozenSet,
             .memoize, .stackGlobal, .newObjEx, .frame:
            4
        case .byteArray8, .nextBuffer, .readonlyBuffer:
            5
        }
    }

    /// Whether the opcode takes every stack item above the topmost MARK (and the MARK).
    public var consumesMark: Bool {
        switch self {
        case .appends, .list, .tuple, .dict, .setItems, .addItems, .frozenSet, .popMark, .inst, .obj:
            true
        default:
            false
        }
    }
}

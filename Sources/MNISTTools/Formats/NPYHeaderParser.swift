/// Parses the Python dictionary literal in a `.npy` header, such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
///
/// Accepts what `ast.literal_eval` would for the three keys NumPy writes: keys in any order,
/// single- or double-quoted strings, `True`/`False`, tuples of non-negative integers with
/// or without a trailing comma (`()` for 0-d, `(5,)`; Python 2's `5L` too), whitespace
/// between tokens. Anything else, lists included (a structured dtype's descr), is refused
/// with the header byte where parsing stopped.
struct NPYHeaderParser {
    /// A value in the dictionary.
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    /// Why parsing stopped: the offset within the header and a description.
    struct Failure: Error {
        let offset: Int
        let reason: String
    }

    private let bytes: [UInt8]
    private var position = 0

    /// A parser over the header text (without the magic, version and length).
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The dictionary's entries in order of appearance. Refuses repeated keys and anything
    /// but whitespace after the closing brace.
    mutating func parseDictionary() throws(Failure) -> [(key: String, value: Value)] {
        var entries: [(key: String, value: Value)] = []
        try expect(UInt8(ascii: "{"))
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { position += 1; break }
            let keyOffset = position
            let key = try parseString()
            guard !entries.contains(where: { $0.key == key }) else {
                throw Failure(offset: keyOffset, reason: "key '\(key)' appears twice")
            }
            try expect(UInt8(ascii: ":"))
            entries.append((key, try parseValue()))
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"))
            break
        }
        skipWhitespace()
        guard position == bytes.count else {
            throw Failure(offset: position, reason: "expected only spaces after the closing '}', found \(describe(peek()))")
        }
        return entries
    }

    private mutating func parseValue() throws(Failure) -> Value {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "("): return .tuple(try parseTuple())
        case UInt8(ascii: "["):
            throw Failure(offset: position, reason: "a list (a structured dtype's descr) is not supported: only plain numeric dtypes are")
        case UInt8(ascii: "T"), UInt8(ascii: "F"):
            if consume("True") { return .bool(true) }
            if consume("False") { return .bool(false) }
        default: break
        }
        throw Failure(offset: position, reason: "expected a string, True, False or a tuple, found \(describe(peek()))")
    }

    /// A quoted string without escapes (NumPy's keys and type names need none).
    private mutating func parseString() throws(Failure) -> String {
        skipWhitespace()
        guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
            throw Failure(offset: position, reason: "expected a quoted string, found \(describe(peek()))")
        }
        let start = position
        position += 1
        var text: [UInt8] = []
        while let byte = peek(), byte != quote {
            guard byte != UInt8(ascii: "\\"), byte != UInt8(ascii: "\n") else {
                throw Failure(offset: position, reason: "escapes and line breaks in strings are not supported")
            }
            text.append(byte)
            position += 1
        }
        guard peek() == quote else { throw Failure(offset: start, reason: "the string starting here is not closed") }
        position += 1
        return String(decoding: text, as: UTF8.self)
    }

    /// `()`, `(n,)` or `(n, m, …)` with an optional trailing comma; `(n)` is not a tuple.
    private mutating func parseTuple() throws(Failure) -> [Int] {
        let start = position
        try expect(UInt8(ascii: "("))
        var items: [Int] = []
        var sawComma = false
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: ")") { position += 1; break }
            items.append(try parseInteger())
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { position += 1; sawComma = true; continue }
            try expect(UInt8(ascii: ")"))
            break
        }
        guard items.count != 1 || sawComma else {
            throw Failure(offset: start, reason: "(\(items[0])) is a number in parentheses, not a tuple; a 1-d shape is written (\(items[0]),)")
        }
        return items
    }

    /// Decimal digits, optionally followed by Python 2's `L`; refused beyond `Int.max`.
    private mutating func parseInteger() throws(Failure) -> Int {
        let start = position
        var value = 0
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw Failure(offset: start, reason: "the number starting here exceeds \(Int.max)") }
            value = sum
            position += 1
        }
        guard position > start else {
            throw Failure(offset: position, reason: "expected a non-negative integer, found \(describe(peek()))")
        }
        if peek() == UInt8(ascii: "L") { position += 1 }
        return value
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        skipWhitespace()
        guard peek() == byte else {
            throw Failure(offset: position, reason: "expected '\(Character(Unicode.Scalar(byte)))', found \(describe(peek()))")
        }
        position += 1
    }

    private mutating func consume(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard bytes.count - position >= utf8.count, Array(bytes[position..<position + utf8.count]) == utf8 else { return false }
        // A keyword must not run on into a longer name ("Trueish").
        if let next = bytes.dropFirst(position + utf8.count).first, Self.isNameByte(next) { return false }
        position += utf8.count
        return true
    }

    /// Whether `byte` may continue a Python name: a letter, a digit or an underscore.
    private static func isNameByte(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return byte == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lower)
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    /// A byte for a message: quoted when printable, in hex otherwise, or "the end".
    private func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the header" }
        return (0x20..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(hexByte(byte))"
    }
}

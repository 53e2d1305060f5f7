import Pickle
import Testing

/// Protocol 0's text opcodes (INT, LONG, FLOAT, STRING, UNICODE, GET, PUT, GLOBAL, INST), as
/// Python 3 and Python 2 write them.
@Suite struct ProtocolZeroTests {
    @Test func integerLines() throws {
        #expect(try unpickle("I42\n.") == 42)
        #expect(try unpickle("I-7\n.") == .int(-7))
        #expect(try unpickle("I+7\n.") == 7)
        #expect(try unpickle("I0\n.") == 0)
        #expect(try unpickle("I9223372036854775807\n.") == .int(.max))
        guard case let .bigInt(big) = try unpickle("I99999999999999999999\n.") else {
            Issue.record("expected a big integer")
            return
        }
        #expect(big.description == "99999999999999999999")
    }

    @Test func intZeroOneAndZeroZeroAreBooleans() throws {
        #expect(try unpickle("I01\n.") == .bool(true))
        #expect(try unpickle("I00\n.") == .bool(false))
        // Without the leading zero they are plain integers; longer ones with leading zeros
        // (which CPython reads as octal) are refused.
        #expect(try unpickle("I1\n.") == .int(1))
        #expect(throws: PickleError.self) { try unpickle("I001\n.") }
    }

    @Test func longLinesWithAndWithoutSuffix() throws {
        #expect(try unpickle("L123L\n.") == 123)
        #expect(try unpickle("L-5\n.") == .int(-5))
        #expect(try unpickle("L0L\n.") == 0)
        guard case let .bigInt(big) = try unpickle("L18446744073709551616L\n.") else {
            Issue.record("expected a big integer")
            return
        }
        #expect(big.description == "18446744073709551616")
        guard case let .bigInt(negative) = try unpickle("L-9223372036854775809\n.") else {
            Issue.record("expected a big integer")
            return
        }
        #expect(negative.description == "-9223372036854775809")
    }

    @Test(arguments: [
        ("F2.5\n.", 2.5), ("F1e-5\n.", 1e-5), ("F.5\n.", 0.5), ("F1.\n.", 1.0), ("F1E+3\n.", 1000),
        ("F-0.0\n.", -0.0), ("Finf\n.", Double.infinity), ("F-inf\n.", -Double.infinity),
        ("F1e-999\n.", 0), ("F1.7976931348623157e+308\n.", Double.greatestFiniteMagnitude),
    ])
    func floatLines(literal: String, expected: Double) throws {
        let value = try unpickle(literal)
        #expect(value == .float(expected))
        if case let .float(number) = value { #expect(number.sign == expected.sign) }
    }

    @Test func floatNaN() throws {
        guard case let .float(number) = try unpickle("Fnan\n.") else {
            Issue.record("expected a float")
            return
        }
        #expect(number.isNaN)
    }

    @Test func quotedStringsAreUnescapedToBytes() throws {
        // S'a\nb\x41\101\'"\q' is b'a\nbAA\'"\\q' in CPython.
        let value = try unpickle("S'a\\nb\\x41\\101\\'\"\\q'\n.")
        #expect(value.byteArray == Array("a\nbAA'\"\\q".utf8))
        guard case .py2String = value else {
            Issue.record("expected a Python 2 str, got \(value.typeName)")
            return
        }
        #expect(try unpickle("S\"it's\"\n.").byteArray == Array("it's".utf8))
        #expect(try unpickle("S''\n.").byteArray == [])
        #expect(try unpickle("S'\\t\\r\\a\\b\\f\\v\\\\\\0\\377\\xff'\n.").byteArray == [9, 13, 7, 8, 12, 11, 0x5c, 0, 0xff, 0xff])
        #expect(try unpickle("S'caf\\xe9'\n.").text == "café")
    }

    @Test func rawUnicodeEscapeLines() throws {
        #expect(try unpickle("Vcaf\\u00e9 \\U0001F600\n.") == "café 😀")
        // Bytes that are not escapes are Latin-1 code points.
        #expect(try unpickle("Vcaf\u{e9}\n.") == "café")
        // Two backslashes are literal; three are one literal and an escape.
        #expect(try unpickle("V\\\\u0041\n.") == "\\\\u0041")
        #expect(try unpickle("V\\\\\\u0041\n.") == "\\\\A")
        #expect(try unpickle("Va\\b\n.") == "a\\b")
        #expect(try unpickle("V\\u000a\\u005c\n.") == "\n\\")
        #expect(try unpickle("V\n.") == "")
    }

    @Test func textPutAndGet() throws {
        let value = try unpickle("(lp0\nI1\na(g0\ng0\nt.")
        let items = try #require(value.tupleItems)
        #expect(items.count == 2)
        #expect(items[0].pickleList === items[1].pickleList)
        #expect(items[0].listItems == [1])
    }

    /// pickle.dumps({'a': [1, 2.5, 'x', None, True, -3, 2**70, inf], 'b': ('é😀\n\\', b'\x00\xff'),
    /// 'c': {7}, 'd': (), 'e': []}, 0) from CPython 3.11.
    @Test func pythonThreeProtocolZero() throws {
        let bytes = pickle("(dp0\nVa\np1\n(lp2\nI1\naF2.5\naVx\np3\naNaI01\naI-3\naL1180591620717411303424L\naFinf\nasVb\np4\n(V\u{e9}\\U0001f600\\u000a\\u005c\np5\nc_codecs\nencode\np6\n(V\\u0000\u{ff}\np7\nVlatin1\np8\ntp9\nRp10\ntp11\nsVc\np12\nc__builtin__\nset\np13\n((lp14\nI7\natp15\nRp16\nsVd\np17\n(tsVe\np18\n(lp19\ns.")
        let result = try Unpickler().read(bytes: bytes)
        #expect(result.protocol == 0)
        #expect(result.endOffset == bytes.count)
        let entries = try #require(result.value.dictEntries)
        #expect(entries.map(\.key) == ["a", "b", "c", "d", "e"])
        let list = try #require(entries[0].value.listItems)
        #expect(list.count == 8)
        #expect(Array(list[0...5]) == [1, .float(2.5), "x", .none, .bool(true), .int(-3)])
        #expect(list[6].typeName == "int")
        if case let .bigInt(big) = list[6] { #expect(big.description == "1180591620717411303424") }
        #expect(list[7] == .float(.infinity))
        #expect(entries[1].value.tupleItems == ["é😀\n\\", .bytes(ByteSlice(copying: [0, 0xff]))])
        #expect(entries[2].value.setItems == [7])
        #expect(entries[3].value.tupleItems == [])
        #expect(entries[4].value.listItems == [])
    }

    /// A Python 2 pickle: byte strings, unicode, an old-style instance (INST + BUILD) and a
    /// new-style one (copy_reg._reconstructor).
    @Test func pythonTwoProtocolZero() throws {
        let bytes = pickle("(dp0\nS'a'\np1\n(lp2\nI1\naF2.5\naS'caf\\xe9'\np3\naVcaf\\u00e9\np4\naL5L\nasS'old'\np5\n(i__main__\nOld\np6\n(dp7\nS'x'\np8\nI1\nsbsS'new'\np9\nccopy_reg\n_reconstructor\np10\n(c__main__\nNew\np11\nc__builtin__\nobject\np12\nNtp13\nRp14\n(dp15\ng8\nI2\nsbs.")
        let entries = try #require(try unpickle(bytes).dictEntries)
        #expect(entries.map(\.key.text) == ["a", "old", "new"])
        let list = try #require(entries[0].value.listItems)
        #expect(list[0] == 1 && list[1] == .float(2.5) && list[3] == "café" && list[4] == 5)
        #expect(list[2].text == "café")

        let old = try #require(entries[1].value.pickleObject)
        #expect(old.creator == .inst)
        #expect(old.callable == .global(module: "__main__", name: "Old"))
        #expect(old.arguments.tupleItems == [])
        #expect(old.state?.dictEntries?.map(\.key.text) == ["x"])

        let new = try #require(entries[2].value.pickleObject)
        #expect(new.creator == .reduce)
        #expect(new.callable == .global(module: "__main__", name: "New"))
        #expect(new.state?.dictEntries?.map(\.value) == [2])
    }

    @Test func globalAndInstNames() throws {
        #expect(try unpickle("cnumpy.core.multiarray\n_reconstruct\n.") == .global(module: "numpy.core.multiarray", name: "_reconstruct"))
        // Python 2 names are kept as written (the reader maps them only when reconstructing).
        #expect(try unpickle("c__builtin__\nset\n.") == .global(module: "__builtin__", name: "set"))
    }
}

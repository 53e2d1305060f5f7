import Pickle
import Testing

/// Values of each opcode family of protocols 1 to 5 (protocol 0's text opcodes are in
/// `ProtocolZeroTests`). Expected values were checked against CPython's `pickle.loads`.
@Suite struct IntegerTests {
    @Test func fixedSizeIntegers() throws {
        #expect(try unpickle("J\u{ff}\u{ff}\u{ff}\u{ff}.") == .int(-1))
        #expect(try unpickle("J\u{00}\u{00}\u{00}\u{80}.") == .int(-2_147_483_648))
        #expect(try unpickle("K\u{ff}.") == .int(255))
        #expect(try unpickle("M\u{ff}\u{ff}.") == .int(65535))
        #expect(try unpickle("M\u{01}\u{02}.") == .int(0x0201))
    }

    @Test(arguments: [
        (pickle("\u{8a}\u{02}\u{ff}\u{00}."), "255"),
        (pickle("\u{8a}\u{01}\u{ff}."), "-1"),
        (pickle("\u{8a}\u{00}."), "0"),
        (pickle("\u{8a}\u{01}\u{80}."), "-128"),
        (pickle("\u{8a}\u{02}\u{00}\u{80}."), "-32768"),
        (pickle("\u{8a}\u{08}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{80}."), "-9223372036854775808"),
        (pickle("\u{8a}\u{08}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{7f}."), "9223372036854775807"),
        (pickle("\u{8b}\u{02}\u{00}\u{00}\u{00}\u{ff}\u{7f}."), "32767"),
        (pickle("\u{8b}\u{00}\u{00}\u{00}\u{00}."), "0"),
    ])
    func twosComplementLongsThatFit(literal: [UInt8], decimal: String) throws {
        let value = try unpickle(literal)
        #expect(value == .int(try #require(Int64(decimal))))
    }

    @Test(arguments: [
        (pickle("\u{8a}\u{09}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{01}."), "18446744073709551616"),
        (pickle("\u{8a}\u{09}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{7f}."), "2361183241434822606847"),
        (pickle("\u{8a}\u{09}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{7f}\u{ff}."), "-9223372036854775809"),
        (pickle("\u{8a}\u{09}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{80}\u{00}."), "9223372036854775808"),
    ])
    func twosComplementLongsBeyond64Bits(literal: [UInt8], decimal: String) throws {
        let value = try unpickle(literal)
        guard case let .bigInt(number) = value else {
            Issue.record("expected a big integer, got \(value.typeName)")
            return
        }
        #expect(number.description == decimal)
        #expect(number.int64 == nil)
    }

    @Test func longFourWithManyBytes() throws {
        // 2**200, as LONG4: 25 zero bytes then 0x01.
        let bytes = [0x8b] + littleEndian(UInt32(26)) + [UInt8](repeating: 0, count: 25) + [0x01, 0x2e]
        guard case let .bigInt(number) = try unpickle(bytes) else {
            Issue.record("expected a big integer")
            return
        }
        #expect(number.description == "1606938044258990275541962092341162602522202993782792835301376")
    }

    @Test func constants() throws {
        #expect(try unpickle("N.") == PickleValue.none)
        #expect(try unpickle("\u{88}.") == .bool(true))
        #expect(try unpickle("\u{89}.") == .bool(false))
        // A bool is not an int, structurally, though Python compares them equal.
        #expect(try unpickle("\u{88}.") != .int(1))
    }
}

@Suite struct FloatTests {
    @Test func binaryFloatIsBigEndian() throws {
        #expect(try unpickle("G?\u{f8}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}.") == .float(1.5))
        #expect(try unpickle("G\u{c0}\u{09}!\u{fb}TD-\u{18}.") == .float(-3.141592653589793))
        let nan = try unpickle("G\u{7f}\u{f8}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}.")
        guard case let .float(number) = nan else {
            Issue.record("expected a float")
            return
        }
        #expect(number.isNaN)
        #expect(nan == .float(.nan))
        #expect(try unpickle("G\u{7f}\u{f0}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}.") == .float(.infinity))
    }

    @Test func negativeZeroKeepsItsSign() throws {
        guard case let .float(number) = try unpickle("G\u{80}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}.") else {
            Issue.record("expected a float")
            return
        }
        #expect(number == 0 && number.sign == .minus)
    }
}

@Suite struct StringTests {
    @Test func pythonTwoStrIsRawBytesWithTwoReadings() throws {
        let latin1 = try unpickle("U\u{04}caf\u{e9}.")
        guard case let .py2String(bytes) = latin1 else {
            Issue.record("expected a Python 2 str, got \(latin1.typeName)")
            return
        }
        #expect(bytes.array == [0x63, 0x61, 0x66, 0xe9])
        #expect(bytes.latin1String == "café")
        #expect(bytes.utf8String == nil)
        #expect(latin1.text == "café")
        #expect(latin1.typeName == "str (Python 2)")

        guard case let .py2String(utf8) = try unpickle("T\u{05}\u{00}\u{00}\u{00}caf\u{c3}\u{a9}.") else {
            Issue.record("expected a Python 2 str")
            return
        }
        #expect(utf8.utf8String == "café")
        #expect(utf8.latin1String == "caf\u{c3}\u{a9}")
    }

    @Test func bytesOfEachLength() throws {
        #expect(try unpickle("C\u{03}a\u{00}\u{ff}.") == .bytes(ByteSlice(copying: [0x61, 0x00, 0xff])))
        #expect(try unpickle("B\u{02}\u{00}\u{00}\u{00}hi.").byteArray == Array("hi".utf8))
        #expect(try unpickle("\u{8e}\u{02}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}hi.").byteArray == Array("hi".utf8))
        #expect(try unpickle("C\u{00}.") == .bytes(ByteSlice(copying: [])))
        // Bytes, bytearray and Python 2 str with the same bytes are different values.
        #expect(try unpickle("C\u{02}hi.") != .py2String(ByteSlice(copying: Array("hi".utf8))))
    }

    @Test func byteArrayEight() throws {
        let value = try unpickle("\u{96}\u{03}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}ab\u{ff}.")
        #expect(value == .bytearray(ByteSlice(copying: [0x61, 0x62, 0xff])))
        #expect(value.typeName == "bytearray")
    }

    @Test func unicodeOfEachLength() throws {
        #expect(try unpickle("\u{8c}\u{05}caf\u{c3}\u{a9}.") == "café")
        #expect(try unpickle("X\u{04}\u{00}\u{00}\u{00}\u{f0}\u{9f}\u{98}\u{80}.") == "😀")
        #expect(try unpickle("\u{8d}\u{01}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}x.") == "x")
        #expect(try unpickle("\u{8c}\u{00}.") == "")
    }

    @Test func stringsCompareByCodePoint() throws {
        // "é" precomposed and "e" + combining acute are equal Swift Strings, not equal Python strs.
        let precomposed = try unpickle("\u{8c}\u{02}\u{c3}\u{a9}.")
        let decomposed = try unpickle("\u{8c}\u{03}e\u{cc}\u{81}.")
        #expect(precomposed != decomposed)
        #expect(precomposed == "\u{e9}")
    }
}

@Suite struct ContainerTests {
    @Test func tuplesOfEachForm() throws {
        #expect(try unpickle(").").tupleItems == [])
        #expect(try unpickle("K\u{01}\u{85}.").tupleItems == [1])
        #expect(try unpickle("K\u{01}K\u{02}\u{86}.").tupleItems == [1, 2])
        #expect(try unpickle("K\u{01}K\u{02}K\u{03}\u{87}.").tupleItems == [1, 2, 3])
        #expect(try unpickle("(K\u{01}K\u{02}K\u{03}K\u{04}t.").tupleItems == [1, 2, 3, 4])
        #expect(try unpickle("(t.").tupleItems == [])
    }

    @Test func listsOfEachForm() throws {
        #expect(try unpickle("].").listItems == [])
        #expect(try unpickle("]K\u{01}a.").listItems == [1])
        #expect(try unpickle("](K\u{01}K\u{02}e.").listItems == [1, 2])
        #expect(try unpickle("]K\u{00}a(K\u{01}K\u{02}e(e.").listItems == [0, 1, 2])
        #expect(try unpickle("(K\u{01}\u{8c}\u{01}xl.").listItems == [1, "x"])
        // A tuple and a list with the same items differ.
        #expect(try unpickle("(K\u{01}l.") != unpickle("(K\u{01}t."))
    }

    @Test func dictKeepsInsertionOrder() throws {
        let value = try unpickle("}(\u{8c}\u{01}bK\u{01}\u{8c}\u{01}aK\u{02}u\u{8c}\u{01}cK\u{03}s.")
        let entries = try #require(value.dictEntries)
        #expect(entries.map(\.key) == ["b", "a", "c"])
        #expect(entries.map(\.value) == [1, 2, 3])
        #expect(try unpickle("(K\u{01}K\u{02}K\u{03}K\u{04}d.").dictEntries?.map(\.key) == [1, 3])
    }

    @Test func duplicateKeyReplacesValueAndKeepsPosition() throws {
        let value = try unpickle("}(\u{8c}\u{01}aK\u{01}\u{8c}\u{01}bK\u{02}\u{8c}\u{01}aK\u{03}u.")
        let entries = try #require(value.dictEntries)
        #expect(entries.map(\.key) == ["a", "b"])
        #expect(entries.map(\.value) == [3, 2])
    }

    @Test func oneTrueAndOnePointZeroAreOneKey() throws {
        // {1: 'x', True: 'y', 1.0: 'z'} is {1: 'z'} in Python.
        let value = try unpickle("}(K\u{01}\u{8c}\u{01}x\u{88}\u{8c}\u{01}yG?\u{f0}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{8c}\u{01}zu.")
        let dict = try #require(value.pickleDict)
        #expect(dict.count == 1)
        #expect(dict.keys == [1])
        #expect(dict.values == ["z"])
        #expect(dict.value(forKey: .bool(true)) == "z")
        #expect(dict.value(forKey: .float(1.0)) == "z")
        #expect(dict.value(forKey: .int(2)) == nil)
    }

    @Test func integralFloatsMeetEqualIntegersBeyond64Bits() throws {
        // {2**64: 'a', 2.0**64: 'b', 10**20: 'c', 1e20: 'd', -2**63: 'e', -2.0**63: 'f', 0: 'g', -0.0: 'h'}
        // is {2**64: 'b', 10**20: 'd', -2**63: 'f', 0: 'h'} in Python.
        let literal = "}(\u{8a}\u{09}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{01}\u{8c}\u{01}aGC\u{f0}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{8c}\u{01}b"
            + "\u{8a}\u{09}\u{00}\u{00}\u{10}c-^\u{c7}k\u{05}\u{8c}\u{01}cGD\u{15}\u{af}\u{1d}x\u{b5}\u{8c}@\u{8c}\u{01}d"
            + "\u{8a}\u{08}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{80}\u{8c}\u{01}eG\u{c3}\u{e0}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{8c}\u{01}f"
            + "K\u{00}\u{8c}\u{01}gG\u{80}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{8c}\u{01}hu."
        let entries = try #require(try unpickle(literal).dictEntries)
        #expect(entries.map(\.value) == ["b", "d", "f", "h"])
        #expect(entries[2].key == .int(.min))
    }

    @Test func complexWithoutImaginaryPartMeetsItsRealPart() throws {
        // {complex(1, 0): 'i', 1: 'j'} is {(1+0j): 'j'}; complex(1, 2) is another key.
        let literal = "}(cbuiltins\ncomplex\nK\u{01}K\u{00}\u{86}R\u{8c}\u{01}iK\u{01}\u{8c}\u{01}jcbuiltins\ncomplex\nK\u{01}K\u{02}\u{86}R\u{8c}\u{01}ku."
        let entries = try #require(try unpickle(literal).dictEntries)
        #expect(entries.map(\.key) == [.complex(real: 1, imaginary: 0), .complex(real: 1, imaginary: 2)])
        #expect(entries.map(\.value) == ["j", "k"])
    }

    @Test func eachNaNIsItsOwnKey() throws {
        let nan = "G\u{7f}\u{f8}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}"
        #expect(try unpickle("}(" + nan + "K\u{01}" + nan + "K\u{02}u.").pickleDict?.count == 2)
    }

    @Test func pythonTwoStrAndUnicodeKeysMeet() throws {
        // After encoding='latin1', Python 2's 'caf\xe9' and u'café' are one key.
        let value = try unpickle("}(U\u{04}caf\u{e9}K\u{01}\u{8c}\u{05}caf\u{c3}\u{a9}K\u{02}u.")
        #expect(value.dictEntries?.map(\.value) == [2])
    }

    @Test func setsDropDuplicatesAndKeepOrder() throws {
        let set = try unpickle("\u{8f}(K\u{01}K\u{02}K\u{01}\u{90}(K\u{03}\u{90}.")
        guard case .set = set else {
            Issue.record("expected a set, got \(set.typeName)")
            return
        }
        #expect(set.setItems == [1, 2, 3])
        #expect(try unpickle("\u{8f}.").setItems == [])
        let frozen = try unpickle("(K\u{03}K\u{01}K\u{03}\u{91}.")
        guard case .frozenset = frozen else {
            Issue.record("expected a frozenset, got \(frozen.typeName)")
            return
        }
        #expect(frozen.setItems == [3, 1])
        #expect(frozen != set)
    }

    @Test func tupleAndFrozensetKeysAreHashable() throws {
        let value = try unpickle("}(K\u{01}K\u{02}\u{86}K\u{03}(K\u{04}\u{91}K\u{05}u.")
        let dict = try #require(value.pickleDict)
        #expect(dict.value(forKey: try unpickle("K\u{01}K\u{02}\u{86}.")) == 3)
        #expect(dict.count == 2)
    }
}

@Suite struct MemoTests {
    @Test func eachPutAndGetPairStoresAndFetches() throws {
        // The same list, stored then fetched with each pair of opcodes.
        for literal in [
            "]p0\ng0\n\u{86}.",
            "]q\u{01}h\u{01}\u{86}.",
            "]r\u{00}\u{01}\u{00}\u{00}j\u{00}\u{01}\u{00}\u{00}\u{86}.",
            "]\u{94}h\u{00}\u{86}.",
        ] {
            let items = try #require(try unpickle(literal).tupleItems, "\(literal)")
            let first = try #require(items[0].pickleList, "\(literal)")
            let second = try #require(items[1].pickleList, "\(literal)")
            #expect(first === second, "\(literal)")
        }
    }

    @Test func memoizeCountsEntries() throws {
        // MEMOIZE stores under the memo's size: "a" as 0, then "b" as 1.
        let value = try unpickle("\u{8c}\u{01}a\u{94}\u{8c}\u{01}b\u{94}0h\u{00}h\u{01}\u{87}.")
        #expect(value.tupleItems == ["a", "a", "b"])
    }

    @Test func putReplacesAnEntry() throws {
        #expect(try unpickle("K\u{01}q\u{00}K\u{02}q\u{00}h\u{00}\u{87}.").tupleItems == [1, 2, 2])
    }

    @Test func memoizedListFilledLaterIsOneObject() throws {
        // The list is stored, fetched, and only then filled through the fetched reference.
        let value = try unpickle("]q\u{00}h\u{00}K\u{07}a\u{86}.")
        let items = try #require(value.tupleItems)
        let first = try #require(items[0].pickleList)
        let second = try #require(items[1].pickleList)
        #expect(first === second)
        #expect(first.items == [7])
    }

    @Test func selfContainingList() throws {
        // l = []; l.append(l)
        let value = try unpickle("]q\u{00}h\u{00}a.")
        let list = try #require(value.pickleList)
        #expect(list.items.count == 1)
        #expect(list.items[0].pickleList === list)
        // Equality of cycles terminates: two readings are bisimilar.
        #expect(value == (try unpickle("]q\u{00}h\u{00}a.")))
        #expect(value != (try unpickle("]q\u{00}(h\u{00}h\u{00}e.")))
        #expect(value != (try unpickle("]]a.")))
        // (The cycle is leaked, as Python's reference counting alone would leak it.)
    }

    @Test func getOfAMemoizedScalarIsACopyOfTheValue() throws {
        #expect(try unpickle("\u{8c}\u{01}xq\u{05}0h\u{05}.") == "x")
    }

    @Test func theLargestDefaultMemoKeyIsAllowed() throws {
        #expect(try unpickle("K\u{01}r\u{ff}\u{ff}\u{ff}\u{ff}0j\u{ff}\u{ff}\u{ff}\u{ff}.") == 1)
    }
}

@Suite struct ObjectTests {
    @Test func globalsAreNamesNeverImported() throws {
        #expect(try unpickle("cos\nsystem\n.") == .global(module: "os", name: "system"))
        let stacked = try unpickle("\u{8c}\u{0b}collections\u{8c}\u{0b}OrderedDict\u{93}.")
        #expect(stacked == .global(module: "collections", name: "OrderedDict"))
        #expect(stacked.typeName == "global collections.OrderedDict")
    }

    @Test func reduceOfAnUnknownGlobalRecordsTheCall() throws {
        let value = try unpickle("cos\nsystem\n(\u{8c}\u{02}lstR.")
        let object = try #require(value.pickleObject)
        #expect(object.creator == .reduce)
        #expect(object.callable == .global(module: "os", name: "system"))
        #expect(object.arguments.tupleItems == ["ls"])
        #expect(object.keywordArguments == nil)
        #expect(object.state == nil)
        #expect(object.typeDescription == "os.system object")
    }

    @Test func buildRecordsState() throws {
        let value = try unpickle("cfoo\nBar\n)R}(\u{8c}\u{01}xK\u{01}ub.")
        let object = try #require(value.pickleObject)
        #expect(object.state?.dictEntries?.map(\.key) == ["x"])
        #expect(object.state?.dictEntries?.map(\.value) == [1])
    }

    @Test func newObjAndNewObjEx() throws {
        let plain = try #require(try unpickle("cfoo\nBar\nK\u{01}\u{85}\u{81}.").pickleObject)
        #expect(plain.creator == .newObj)
        #expect(plain.callable == .global(module: "foo", name: "Bar"))
        #expect(plain.arguments.tupleItems == [1])
        let keywords = try #require(try unpickle("\u{8c}\u{03}foo\u{8c}\u{03}Bar\u{93})}\u{8c}\u{01}kK\u{02}s\u{92}.").pickleObject)
        #expect(keywords.creator == .newObjEx)
        #expect(keywords.keywordArguments?.dictEntries?.map(\.key) == ["k"])
        #expect(keywords.keywordArguments?.dictEntries?.map(\.value) == [2])
    }

    @Test func instAndObj() throws {
        let inst = try #require(try unpickle("(K\u{01}ifoo\nBar\n.").pickleObject)
        #expect(inst.creator == .inst)
        #expect(inst.callable == .global(module: "foo", name: "Bar"))
        #expect(inst.arguments.tupleItems == [1])
        let obj = try #require(try unpickle("(cfoo\nBar\nK\u{01}K\u{02}o.").pickleObject)
        #expect(obj.creator == .obj)
        #expect(obj.callable == .global(module: "foo", name: "Bar"))
        #expect(obj.arguments.tupleItems == [1, 2])
    }

    @Test func itemsGivenToAnOpaqueObject() throws {
        let value = try unpickle("cfoo\nBar\n)\u{81}K\u{01}a(K\u{02}K\u{03}e(K\u{04}K\u{05}u\u{8c}\u{01}kK\u{06}s.")
        let object = try #require(value.pickleObject)
        #expect(object.appendedItems == [1, 2, 3])
        #expect(object.setItems.map(\.key) == [4, "k"])
        #expect(object.setItems.map(\.value) == [5, 6])
    }

    @Test func objectsCompareByEverythingTheyRecord() throws {
        let base = try unpickle("cfoo\nBar\n)R}b.")
        #expect(base == (try unpickle("cfoo\nBar\n)R}b.")))
        #expect(base != (try unpickle("cfoo\nBar\n)R.")))            // no state
        #expect(base != (try unpickle("cfoo\nBaz\n)R}b.")))          // another callable
        #expect(base != (try unpickle("cfoo\nBar\nN\u{85}R}b.")))    // other arguments
        #expect(base != (try unpickle("cfoo\nBar\n)\u{81}}b.")))     // made by NEWOBJ
        #expect(base != (try unpickle("cfoo\nBar\n)R}bK\u{01}a.")))  // an appended item
    }

    @Test func codecsEncodeMakesBytes() throws {
        #expect(try unpickle("c_codecs\nencode\n(Vcaf\u{e9}\nVlatin1\ntR.").byteArray == [0x63, 0x61, 0x66, 0xe9])
        #expect(try unpickle("c_codecs\nencode\n(Vcaf\u{e9}\nVutf-8\ntR.").byteArray == [0x63, 0x61, 0x66, 0xc3, 0xa9])
        // pickle.dumps(b'\x00\xffa', 2)
        let python3 = "\u{80}\u{02}c_codecs\nencode\nq\u{00}X\u{04}\u{00}\u{00}\u{00}\u{00}\u{c3}\u{bf}aq\u{01}X\u{06}\u{00}\u{00}\u{00}latin1q\u{02}\u{86}q\u{03}Rq\u{04}."
        #expect(try unpickle(python3) == .bytes(ByteSlice(copying: [0x00, 0xff, 0x61])))
    }

    @Test func orderedDictBecomesADict() throws {
        // pickle.dumps(OrderedDict([('b', 1), ('a', 2)]), 2) and protocol 5.
        for literal in [
            "\u{80}\u{02}ccollections\nOrderedDict\nq\u{00})Rq\u{01}(X\u{01}\u{00}\u{00}\u{00}bq\u{02}K\u{01}X\u{01}\u{00}\u{00}\u{00}aq\u{03}K\u{02}u.",
            "\u{80}\u{05}\u{95}0\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{8c}\u{0b}collections\u{94}\u{8c}\u{0b}OrderedDict\u{94}\u{93}\u{94})R\u{94}(\u{8c}\u{01}b\u{94}K\u{01}\u{8c}\u{01}a\u{94}K\u{02}u.",
        ] {
            let entries = try #require(try unpickle(literal).dictEntries)
            #expect(entries.map(\.key) == ["b", "a"])
            #expect(entries.map(\.value) == [1, 2])
        }
        // Python 2's form: OrderedDict([[1, 2], (3, 4)]).
        let python2 = try unpickle("ccollections\nOrderedDict\n(](]K\u{01}aK\u{02}a(K\u{03}K\u{04}tetR.")
        #expect(python2.dictEntries?.map(\.key) == [1, 3])
        #expect(python2.dictEntries?.map(\.value) == [2, 4])
    }

    @Test func builtinSetFrozensetBytearrayComplex() throws {
        // pickle.dumps({1, 2}, 2), frozenset([3]), bytearray(b'ab\xff'), complex(1, 2).
        let set = try unpickle("\u{80}\u{02}c__builtin__\nset\nq\u{00}]q\u{01}(K\u{01}K\u{02}e\u{85}q\u{02}Rq\u{03}.")
        guard case .set = set else {
            Issue.record("expected a set, got \(set.typeName)")
            return
        }
        #expect(set.setItems == [1, 2])
        let frozen = try unpickle("\u{80}\u{02}c__builtin__\nfrozenset\nq\u{00}]q\u{01}K\u{03}a\u{85}q\u{02}Rq\u{03}.")
        guard case .frozenset = frozen else {
            Issue.record("expected a frozenset, got \(frozen.typeName)")
            return
        }
        #expect(frozen.setItems == [3])
        let bytearray = "\u{80}\u{02}c__builtin__\nbytearray\nq\u{00}c_codecs\nencode\nq\u{01}X\u{04}\u{00}\u{00}\u{00}ab\u{c3}\u{bf}q\u{02}X\u{06}\u{00}\u{00}\u{00}latin1q\u{03}\u{86}q\u{04}Rq\u{05}\u{85}q\u{06}Rq\u{07}."
        #expect(try unpickle(bytearray) == .bytearray(ByteSlice(copying: [0x61, 0x62, 0xff])))
        let complex = "\u{80}\u{02}c__builtin__\ncomplex\nq\u{00}G?\u{f0}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}G@\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{86}q\u{01}Rq\u{02}."
        #expect(try unpickle(complex) == .complex(real: 1, imaginary: 2))
        #expect(try unpickle("cbuiltins\ncomplex\n)R.") == .complex(real: 0, imaginary: 0))
        // set() by NEWOBJ starts empty.
        #expect(try unpickle("cbuiltins\nset\n)\u{81}.").setItems == [])
    }

    @Test func emptyBytesAndBytearrayByReduce() throws {
        // pickle.dumps(b'', 2) and pickle.dumps(bytearray(), 2).
        #expect(try unpickle("\u{80}\u{02}c__builtin__\nbytes\nq\u{00})Rq\u{01}.") == .bytes(ByteSlice(copying: [])))
        #expect(try unpickle("\u{80}\u{02}c__builtin__\nbytearray\nq\u{00})Rq\u{01}.") == .bytearray(ByteSlice(copying: [])))
        #expect(try unpickle("cbuiltins\nbytes\n](K\u{01}K\u{ff}e\u{85}R.") == .bytes(ByteSlice(copying: [1, 255])))
    }
}

@Suite struct FramingAndProtocolTests {
    @Test func frameIsTransparent() throws {
        let result = try Unpickler().read(bytes: pickle("\u{80}\u{04}\u{95}\u{06}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}K\u{01}K\u{02}\u{86}."))
        #expect(result.value.tupleItems == [1, 2])
        #expect(result.protocol == 4)
        #expect(result.endOffset == 17)
    }

    @Test func payloadsAreViewsIntoTheInput() throws {
        let storage = ByteStorage(copying: pickle("C\u{03}abc."))
        guard case let .bytes(slice) = try Unpickler().read(PickleInput(storage: storage)).value else {
            Issue.record("expected bytes")
            return
        }
        #expect(slice.storage === storage)
        #expect(slice.offset == 2)
        #expect(slice.count == 3)
    }

    @Test func trailingBytesAfterStopAreIgnored() throws {
        let result = try Unpickler().read(bytes: pickle("K\u{01}.garbage \u{ff}\u{00}"))
        #expect(result.value == 1)
        #expect(result.endOffset == 3)
        // A second pickle after the first: each read stops at its own STOP.
        let input = PickleInput(bytes: pickle("K\u{01}.K\u{02}."))
        #expect(try Unpickler().read(input).value == 1)
        let second = try Unpickler().read(input)
        #expect(second.value == 2)
        #expect(second.endOffset == 6)
    }

    @Test(arguments: [
        (pickle("\u{80}\u{02}K\u{01}."), 2),
        (pickle("\u{80}\u{03})\u{8f}\u{86}."), 3),       // PROTO wins over the opcodes used
        (pickle("\u{80}\u{00}N."), 0),
        (pickle("K\u{01}."), 1),
        (pickle("I1\n."), 0),
        (pickle("N\u{88}\u{86}."), 2),
        (pickle("C\u{00}."), 3),
        (pickle("\u{8c}\u{01}a."), 4),
        (pickle("\u{96}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}."), 5),
    ])
    func protocolIsReported(literal: [UInt8], expected: Int) throws {
        #expect(try Unpickler().read(bytes: literal).protocol == expected)
    }

    @Test func popOfAMarkRemovesIt() throws {
        // POP with a MARK on top removes the MARK, as CPython allows.
        #expect(try unpickle("K\u{01}(0.") == 1)
        #expect(try unpickle("K\u{01}(K\u{02}1.") == 1)
        #expect(try unpickle("K\u{01}2\u{86}.").tupleItems == [1, 1])
    }
}

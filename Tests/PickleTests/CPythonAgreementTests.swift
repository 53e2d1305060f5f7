import Pickle
import Testing

/// Pickles on which the differential test against CPython (fuzz/differential.py) found this
/// reader disagreeing with `pickle.load(f, encoding='latin1')` and NumPy. Each now reads
/// as CPython reads it, or is refused where CPython refuses it; the comment on each says
/// what CPython does.
@Suite struct CPythonAgreementTests {
    // MARK: Protocol 0 numbers

    @Test func intWithLeadingZerosIsRefused() {
        // CPython reads "010" and "07" as octal and refuses "08"; no pickler writes them.
        expectFailure("I07\n.", .badArgument("'07' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int)
        expectFailure("I010\n.", .badArgument("'010' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int)
        expectFailure("I08\n.", .badArgument("'08' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .int)
        expectFailure("L007L\n.", .badArgument("'007' is not a decimal integer as picklers write it (no leading zeros)"), at: 0, .long)
    }

    @Test func twoCharacterZeroOrOneIsABool() throws {
        // CPython's load_int makes a bool of any 2-character line that reads 0 or 1.
        #expect(try unpickle("I+1\n.") == .bool(true))
        #expect(try unpickle("I-0\n.") == .bool(false))
        #expect(try unpickle("I-1\n.") == .int(-1))
        #expect(try unpickle("L00L\n.") == .int(0))
    }

    // MARK: Protocols

    @Test func theFirstProtoIsTheReportedProtocol() throws {
        #expect(try Unpickler().read(bytes: pickle("\u{80}\u{02}\u{80}\u{05}].")).protocol == 2)
    }

    @Test func pythonTwoModuleNamesMapOnlyBelowProtocolThree() throws {
        // pickle.load maps __builtin__ to builtins only while the protocol is below 3.
        #expect(try unpickle("\u{80}\u{02}c__builtin__\nset\n)R.").setItems?.isEmpty == true)
        let object = try #require(try unpickle("\u{80}\u{03}c__builtin__\nset\n)R.").pickleObject)
        #expect(object.callable == .global(module: "__builtin__", name: "set"))
    }

    // MARK: Calls

    @Test func onlyClassesAndFunctionsAreCalled() {
        // TypeError: 'int' object is not callable.
        expectFailure("K\u{01})R.", .invalidOperands("'int' object is not callable"), at: 3, .reduce)
        // NEWOBJ needs a class: scalar is a function.
        expectFailure("cnumpy.core.multiarray\nscalar\n)\u{81}.", .invalidOperands("NEWOBJ needs a class, but numpy.core.multiarray.scalar is a function"),
                      at: 31, .newObj)
        expectFailure("c__builtin__\nobject\nK\u{01}\u{85}R.", .invalidOperands("object() takes no arguments, got 1"), at: 23, .reduce)
    }

    @Test func aGlobalNamesSomething() {
        // CPython's C unpickler refuses an empty module or name line as truncated data.
        expectFailure("c\n\n.", .badArgument("the global's module is empty"), at: 0, .global)
        expectFailure("cfoo\n\n.", .badArgument("the global's name is empty"), at: 0, .global)
    }

    @Test func setsAreBuiltFromAnyIterable() throws {
        // set('ab'), set({1: 2}), frozenset(b'ab').
        #expect(try unpickle("c__builtin__\nset\nX\u{02}\u{00}\u{00}\u{00}ab\u{85}R.").setItems == ["a", "b"])
        #expect(try unpickle("cbuiltins\nset\n}K\u{01}K\u{02}s\u{85}R.").setItems == [1])
        #expect(try unpickle("cbuiltins\nfrozenset\nC\u{02}ab\u{85}R.").setItems == [97, 98])
    }

    @Test func encodeTakesStringArguments() {
        // TypeError: encode() argument 'errors' must be str.
        expectFailure("c_codecs\nencode\n(VA\nVlatin1\nK\u{01}tR.", .invalidOperands("_codecs.encode's error mode must be a str, not int"),
                      at: 31, .reduce)
    }

    @Test func bytesOfAnIntIsZeroFilled() throws {
        #expect(try unpickle("c__builtin__\nbytes\n(\u{88}tR.").byteArray == [0])
        #expect(try unpickle("c__builtin__\nbytearray\n(K\u{03}tR.").byteArray == [0, 0, 0])
        // bytes(()) and bytes((1, 2)): any sequence of byte values.
        #expect(try unpickle("c__builtin__\nbytes\n)\u{85}R.").byteArray == [])
        #expect(try unpickle("c__builtin__\nbytes\nK\u{01}K\u{02}\u{86}\u{85}R.").byteArray == [1, 2])
    }

    @Test func buildWithoutStateLeavesABuiltinValueAlone() throws {
        // object has no __setstate__: a None state sets nothing.
        #expect(try unpickle("(tNb.").tupleItems?.isEmpty == true)
        expectFailure("(t}b.", .invalidOperands("BUILD cannot set the state of a tuple"), at: 3, .build)
    }

    @Test func readOnlyBufferOfBytesChangesNothing() throws {
        #expect(try unpickle("C\u{01}a\u{98}.").byteArray == [0x61])
        expectFailure("K\u{01}\u{98}.", .invalidOperands("READONLY_BUFFER needs a bytes-like value, not int"), at: 2, .readonlyBuffer)
    }

    // MARK: Frames

    @Test func anArgumentMayNotStraddleAFrame() throws {
        // The 8-byte float starts inside the 8-byte frame and ends after it. CPython 3.11's C
        // unpickler read on (from a file it even read the wrong bytes); its pure-Python one
        // and the C one of 3.13.15+ refuse.
        let bytes = pickle("\u{95}\u{08}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{8f}(\u{88}\u{85}K\u{01}G\u{7f}\u{f0}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{90}.")
        expectFailure(bytes, .frameOverrun(frameEnd: 17), at: 15, .binFloat, mentions: ["runs past the end of its FRAME at offset 17"])
        #expect(throws: PickleError.self) { try Unpickler().read(PickleInput(stream: ChunkedStream(bytes))) }
    }

    @Test func aFrameMayNotStartInsideAnother() {
        let bytes = pickle("\u{95}\u{0a}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{95}\u{01}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}N.")
        expectFailure(bytes, .frameInsideFrame(previousEnd: 19), at: 9, .frame, mentions: ["begins a new frame before the previous one ends"])
    }

    @Test func aFrameEndingExactlyAtAnArgumentBoundaryIsFine() throws {
        // The frame holds BINUNICODE's opcode and length; the payload is read after it.
        let split = pickle("\u{95}\u{05}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}X\u{02}\u{00}\u{00}\u{00}hi.")
        #expect(try unpickle(split) == "hi")
    }

    @Test func aStreamMustHoldTheWholeFrame() {
        // CPython reads a frame whole: 190 bytes are declared, 12 follow.
        let bytes = pickle("\u{80}\u{04}\u{95}\u{be}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}(\u{88}C\u{01}\u{ff}\u{94}\u{91}\u{94}..")
        let error = #expect(throws: PickleError.self) { try Unpickler().read(PickleInput(stream: ChunkedStream(bytes))) }
        if let error { check(error, .truncated(needed: 190, available: 10, exact: true), at: 2, .frame) }
        expectFailure(bytes, .truncated(needed: 190, available: 10, exact: true), at: 2, .frame)
    }

    // MARK: NumPy dtypes

    private static let dtypeState = "(K\u{03}U\u{01}>NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb."

    @Test func aSharedDTypeIgnoresItsState() throws {
        // numpy.dtype('f4') without copy=True is NumPy's shared descriptor.
        let shared = try unpickle("cnumpy\ndtype\nU\u{02}f4\u{85}R" + Self.dtypeState)
        #expect(shared.dtypeDescription == "<f4")
        let copied = try unpickle("cnumpy\ndtype\nU\u{02}f4K\u{00}K\u{01}\u{87}R" + Self.dtypeState)
        #expect(copied.dtypeDescription == ">f4")
    }

    @Test func aStateKeepsAnyByteOrderItGives() throws {
        #expect(try unpickle("cnumpy\ndtype\nU\u{02}u1K\u{00}K\u{01}\u{87}R" + Self.dtypeState).dtypeDescription == ">u1")
        let slash = "cnumpy\ndtype\nU\u{02}i8K\u{00}K\u{01}\u{87}R(K\u{03}U\u{01}/NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}tb."
        #expect(try unpickle(slash).dtypeDescription == "<i8")
    }

    @Test func dtypeStatesAreCheckedAsNumPyChecksThem() {
        // ValueError: inconsistent fields and names (a 6-item state has no names).
        expectFailure("cnumpy\ndtype\n(U\u{02}i4I0\nI1\ntR(K\u{03}U\u{01}<NNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}tb.",
                      .badArray("dtype 'i4': a dtype state of 6 items is not one NumPy reads (5, 7, 8 or 9)"), at: 45, .build)
        // SystemError from NumPy: the alignment of a 9-item state is None.
        expectFailure("cnumpy\ndtype\nU\u{02}f4K\u{00}K\u{01}\u{87}R(K\u{03}U\u{01}<NNNJ\u{ff}\u{ff}\u{ff}\u{ff}NJ\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb.",
                      .badArray("dtype 'f4': the alignment in its state is a NoneType, not a 32-bit integer"), at: 46, .build)
        expectFailure("cnumpy\ndtype\nU\u{02}f4K\u{00}K\u{01}\u{87}R(K\u{05}U\u{01}<NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb.",
                      .badArray("dtype 'f4': version 5 of the dtype state is not one of 0 to 4"), at: 45, .build)
        // Flags 127 (-1 + 128) say the numbers are object pointers.
        expectFailure("cnumpy\ndtype\nU\u{02}f4K\u{00}K\u{01}\u{87}R(K\u{03}U\u{01}<NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}tb.",
                      .badArray("dtype 'f4': its state's flags (127) mark its numbers as object pointers, which NumPy would dereference"), at: 48, .build)
    }

    @Test func aDTypeMadeFromADTypeIsItOrACopy() throws {
        // numpy.dtype(d) is d; numpy.dtype(d, False, True) a copy that BUILD can change.
        let same = "cnumpy\ndtype\nq\u{00}U\u{02}u1\u{85}Rq\u{01}h\u{00}h\u{01}\u{85}R" + Self.dtypeState
        #expect(try unpickle(same).dtypeDescription == "|u1")
        let copied = "cnumpy\ndtype\nq\u{00}U\u{02}u1\u{85}Rq\u{01}h\u{00}h\u{01}\u{89}\u{88}\u{87}R" + Self.dtypeState
        #expect(try unpickle(copied).dtypeDescription == ">u1")
    }

    @Test func dtypeNamesIncludeNumPyTypeCodes() throws {
        #expect(try unpickle("cnumpy\ndtype\nU\u{01}d\u{85}R.").dtypeDescription == "<f8")
        #expect(try unpickle("cnumpy\ndtype\nU\u{01}\u{08}\u{85}R.").dtypeDescription == "<u8")   // type number 8
        expectFailure("cnumpy\ndtype\nU\u{02}O9\u{85}R.", .badArray("dtype 'O9': only bool, int8–int64, uint8–uint64, float16/32/64 and object arrays are supported"),
                      at: 18, .reduce)
    }

    // MARK: NumPy arrays

    private static let reconstruct = "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
    private static let float32 = "cnumpy\ndtype\nU\u{02}f4K\u{00}K\u{01}\u{87}R(K\u{03}U\u{01}<NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb"

    @Test func reconstructChecksItsArguments() {
        expectFailure("cnumpy.core.multiarray\n_reconstruct\nK\u{02}K\u{00}U\u{01}b\u{87}R.",
                      .badArray("_reconstruct's first argument must be a subtype of numpy.ndarray, not int"), at: 44, .reduce)
        expectFailure("cnumpy.core.multiarray\n_reconstruct\nccollections\nOrderedDict\nK\u{00}U\u{01}b\u{87}R.",
                      .badArray("_reconstruct's first argument must be a subtype of numpy.ndarray, not global collections.OrderedDict"), at: 67, .reduce)
        expectFailure(Self.reconstruct + "K\u{03}\u{85}U\u{01}b\u{87}R.",
                      .badArray("_reconstruct with shape [3] makes an array of uninitialized memory (NumPy's pickles pass an empty shape)"), at: 58, .reduce)
        expectFailure(Self.reconstruct + "K\u{00}\u{89}\u{85}\u{87}R.",
                      .badArray("_reconstruct's typecode must be a dtype or a type name, not tuple"), at: 56, .reduce)
        expectFailure("cnumpy\nndarray\nK\u{00}U\u{01}bU\u{01}b\u{87}R.",
                      .badArray("calling numpy.ndarray directly makes an array of uninitialized memory, which this reader does not reproduce"), at: 24, .reduce)
    }

    @Test func arrayStatesAreCheckedAsNumPyChecksThem() {
        // version 78; a list for the shape; a bytearray for the data.
        expectFailure(Self.reconstruct + "K\u{00}\u{85}U\u{01}b\u{87}R(KNK\u{00}\u{85}" + Self.float32 + "\u{89}U\u{00}tb.",
                      .badArray("version 78 of the array state is not 0 or 1"), at: 115, .build)
        expectFailure(Self.reconstruct + "K\u{00}\u{85}U\u{01}b\u{87}R(K\u{01}]" + Self.float32 + "\u{89}U\u{00}tb.",
                      .badArray("array state (int, list, numpy.dtype, bool, str (Python 2)) is not (version, shape tuple, dtype, order flag, data) or (shape tuple, dtype, order flag, data)"),
                      at: 113, .build)
        expectFailure(Self.reconstruct + "K\u{00}\u{85}U\u{01}b\u{87}R(K\u{01}K\u{00}\u{85}" + Self.float32
                      + "\u{89}\u{96}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}tb.",
                      .badArray("array data must be bytes, not bytearray"), at: 122, .build)
    }

    @Test func anArrayStateMayBeAList() throws {
        // NumPy unpacks the state as any sequence.
        let literal = Self.reconstruct + "K\u{00}\u{85}U\u{01}b\u{87}R(K\u{01}K\u{00}\u{85}" + Self.float32 + "\u{89}U\u{00}lb."
        #expect(try unpickle(literal).ndarray?.dtype.description == "<f4")
    }

    @Test func aScalarTakesTheFirstBytesOfLongerDataInNativeOrder() throws {
        // scalar(dtype('>f4'), b'?\xc0\x00\x00\xff') is 1.5 (NumPy scalars are native).
        let big = "cnumpy.core.multiarray\nscalar\ncnumpy\ndtype\nU\u{02}f4K\u{00}K\u{01}\u{87}R" + Self.dtypeState.dropLast()
            + "U\u{05}?\u{c0}\u{00}\u{00}\u{ff}\u{86}R."
        let array = try #require(try unpickle(String(big)).ndarray)
        #expect(array.dtype.description == "<f4")
        #expect(array.bytes?.array == [0x00, 0x00, 0xc0, 0x3f])
    }

    @Test func aScalarIsADictKeyLikeItsValueAndIgnoresBuild() throws {
        // np.float32(1.5) hashes and compares like 1.5; its __setstate__ does nothing.
        let scalar = "cnumpy.core.multiarray\nscalar\ncnumpy\ndtype\nU\u{02}f4K\u{00}K\u{01}\u{87}RU\u{04}\u{00}\u{00}\u{c0}?\u{86}R"
        let dict = try unpickle("}(" + scalar + "K\u{01}G?\u{f8}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}K\u{02}u.")
        #expect(dict.dictEntries?.count == 1)
        #expect(dict.dictEntries?.first?.value == 2)
        let built = try #require(try unpickle(scalar + "Nb.").ndarray)
        #expect(built.isScalar)
        #expect(built.bytes?.array == [0x00, 0x00, 0xc0, 0x3f])
    }

    @Test func frombufferIgnoresTheAxisOrderOutsideOrderK() throws {
        let bytes = "cnumpy.core.numeric\n_frombuffer\n(C\u{00}cnumpy\ndtype\nU\u{02}i2\u{85}RK\u{00}\u{85}U\u{01}CU\u{01}CtR."
        #expect(try unpickle(bytes).ndarray?.shape == [0])
    }

    // MARK: Dict keys

    @Test func canonicallyEquivalentStringsAreTwoKeys() throws {
        // "é" (U+00E9) and "e" + U+0301 are equal Swift strings but different Python ones.
        let value = try unpickle("}(X\u{02}\u{00}\u{00}\u{00}\u{c3}\u{a9}K\u{01}X\u{03}\u{00}\u{00}\u{00}e\u{cc}\u{81}K\u{02}u.")
        #expect(value.dictEntries?.count == 2)
    }
}

private extension PickleValue {
    var dtypeDescription: String? {
        if case let .dtype(dtype) = self { return dtype.dtype.description }
        return nil
    }
}

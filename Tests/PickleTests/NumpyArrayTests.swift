import Pickle
import Testing

/// NumPy arrays pickled by NumPy itself (see `NumpyFixtures`), read back and compared with what
/// NumPy reads: dtype, shape, order and every byte.
@Suite struct NumpyArrayTests {
    @Test(arguments: NumpyFixtures.numeric)
    func numericArrayMatchesNumpy(_ fixture: NumpyFixture) throws {
        let value = try unpickle(base64(fixture.pickle))
        let array = try #require(value.ndarray, "got \(value.typeName)")
        #expect(array.dtype.description == fixture.dtype)
        #expect(array.shape == fixture.shape)
        #expect(array.count == fixture.shape.reduce(1, *))
        #expect(array.reportedOrder == fixture.order)
        #expect(array.isFortranOrder == (fixture.order == "F"))
        #expect(array.bytes?.array == base64(fixture.data))
        let cOrder = array.withCOrderLittleEndianBytes { Array($0) }
        #expect(cOrder == base64(fixture.cOrderLittleEndian))
    }

    @Test(arguments: NumpyFixtures.objects)
    func objectArrayHoldsValues(_ fixture: NumpyObjectFixture) throws {
        let array = try #require(try unpickle(base64(fixture.pickle)).ndarray)
        #expect(array.dtype.description == "|O")
        #expect(array.shape == [4])
        guard case let .objects(items) = array.storage else {
            Issue.record("expected object storage")
            return
        }
        #expect(items == [1, "a", .none, .float(2.5)])
        #expect(array.bytes == nil)
        #expect(array.withCOrderLittleEndianBytes { $0.count } == nil)
    }

    /// The fixture named `name`.
    private func fixture(_ name: String) throws -> NDArray {
        let fixture = try #require(NumpyFixtures.numeric.first { $0.description == name })
        return try #require(try unpickle(base64(fixture.pickle)).ndarray)
    }

    @Test func bigEndianIsSwappedByBuildButKeptByFrombuffer() throws {
        // As in NumPy: __setstate__ (protocols 0–4) stores native order; _frombuffer (5) does not.
        let rebuilt = try fixture(">i4 p2")
        #expect(rebuilt.dtype.description == "<i4")
        #expect(rebuilt.bytes?.array.prefix(4) == [1, 0, 0, 0])
        let viewed = try fixture(">i4 p5")
        #expect(viewed.dtype.description == ">i4")
        #expect(viewed.dtype.needsByteSwap)
        #expect(viewed.bytes?.array.prefix(4) == [0, 0, 0, 1])
        let values = { (array: NDArray) in
            array.withCOrderLittleEndianBytes { bytes in
                (0..<(bytes.count / 4)).map { bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) }
            }
        }
        #expect(values(rebuilt) == [1, 2, 3, 4, 5, 600])
        #expect(values(viewed) == [1, 2, 3, 4, 5, 600])
    }

    @Test func fortranOrderIsReportedAndReordered() throws {
        for name in ["fortran int32 p2", "fortran int32 p4", "fortran int32 p5"] {
            let array = try fixture(name)
            #expect(array.isFortranOrder, "\(name)")
            #expect(array.reportedOrder == "F", "\(name)")
            // arange(6).reshape(2, 3) stored column by column: 0 3 1 4 2 5.
            #expect(array.bytes?.array.enumerated().filter { $0.offset % 4 == 0 }.map(\.element) == [0, 3, 1, 4, 2, 5])
            let cOrder = array.withCOrderLittleEndianBytes { Array($0).enumerated().filter { $0.offset % 4 == 0 }.map(\.element) }
            #expect(cOrder == [0, 1, 2, 3, 4, 5], "\(name)")
        }
    }

    @Test func floatValues() throws {
        let array = try fixture("float64 p2")
        let values = array.withCOrderLittleEndianBytes { bytes in
            (0..<6).map { bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) }
        }
        #expect(values == [1.5, -2.25, 0, 0.5, 1e300, -0.0])
    }

    @Test func zeroDimensionalAndEmpty() throws {
        let scalar = try fixture("0-d float64 p2")
        #expect(scalar.shape == [])
        #expect(scalar.count == 1)
        #expect(scalar.bytes?.count == 8)
        let empty = try fixture("empty (0,4) float32 p5")
        #expect(empty.shape == [0, 4])
        #expect(empty.count == 0)
        #expect(empty.bytes?.count == 0)
    }

    @Test func numpyScalarsAreZeroDimensionalArrays() throws {
        for protocolNumber in [0, 2, 5] {
            let scalar = try fixture("scalar int32 p\(protocolNumber)")
            #expect(scalar.shape == [])
            #expect(scalar.dtype == DType(kind: .signedInteger, itemSize: 4, byteOrder: .little))
            #expect(scalar.bytes?.array == [0xf9, 0xff, 0xff, 0xff])
        }
    }

    @Test func pythonTwoStyleDataIsAByteString() throws {
        let array = try fixture("python 2 int32 array")
        #expect(array.dtype.description == "<i4")
        #expect(array.shape == [2, 3])
        let scalar = try fixture("python 2 float64 scalar")
        #expect(scalar.bytes.map { $0.withUnsafeBytes { $0.loadUnaligned(as: Double.self) } } == -0.25)
    }

    @Test func dtypeAlone() throws {
        let value = try unpickle("\u{80}\u{02}cnumpy\ndtype\nX\u{02}\u{00}\u{00}\u{00}f4\u{89}\u{88}\u{87}R(K\u{03}X\u{01}\u{00}\u{00}\u{00}>NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb.")
        guard case let .dtype(dtype) = value else {
            Issue.record("expected a dtype, got \(value.typeName)")
            return
        }
        #expect(dtype.dtype.description == ">f4")
        #expect(dtype.typeName == "f4")
    }

    @Test func arraySubclassesStayOpaque() throws {
        let value = try unpickle("cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nmatrix\nK\u{00}\u{85}C\u{01}btR.")
        let object = try #require(value.pickleObject)
        #expect(object.arguments.tupleItems?.first == .global(module: "numpy", name: "matrix"))
    }

    @Test func arraysCompareByContents() throws {
        #expect(PickleValue.ndarray(try fixture("int32 p2")) == .ndarray(try fixture("int32 p4")))
        #expect(try unpickle(base64(NumpyFixtures.objects[0].pickle)) == unpickle(base64(NumpyFixtures.objects[2].pickle)))
        // Same bytes with another dtype, shape or order differ.
        let bytes = NDArray.Storage.bytes(ByteSlice(copying: [UInt8](0..<8)))
        let base = try NDArray(dtype: .uint8, shape: [2, 4], isFortranOrder: false, data: bytes)
        #expect(PickleValue.ndarray(base) == .ndarray(try NDArray(dtype: .uint8, shape: [2, 4], isFortranOrder: false, data: bytes)))
        #expect(PickleValue.ndarray(base) != .ndarray(try NDArray(dtype: .uint8, shape: [2, 4], isFortranOrder: true, data: bytes)))
        #expect(PickleValue.ndarray(base) != .ndarray(try NDArray(dtype: .uint8, shape: [4, 2], isFortranOrder: false, data: bytes)))
        #expect(PickleValue.ndarray(base) != .ndarray(try NDArray(dtype: .float64, shape: [1], isFortranOrder: false, data: bytes)))
    }
}

/// Array pickles whose description and data disagree, or whose dtype is not supported.
@Suite struct HostileArrayTests {
    /// `np.arange(6, dtype='<i4').reshape(2, 3)` at protocol 2 (pickletools.optimize'd), with
    /// the state's shape tuple `(2, 3)` replaced by `shape`.
    private static func reshaped(_ shape: String) -> String {
        "\u{80}\u{02}cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\u{00}\u{85}c_codecs\nencode\nq\u{00}X\u{01}\u{00}\u{00}\u{00}bX\u{06}\u{00}\u{00}\u{00}latin1q\u{01}\u{86}R\u{87}R(K\u{01}"
            + shape
            + "cnumpy\ndtype\nX\u{02}\u{00}\u{00}\u{00}i4\u{89}\u{88}\u{87}R(K\u{03}X\u{01}\u{00}\u{00}\u{00}<NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb\u{89}h\u{00}X\u{18}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{01}\u{00}\u{00}\u{00}\u{02}\u{00}\u{00}\u{00}\u{03}\u{00}\u{00}\u{00}\u{04}\u{00}\u{00}\u{00}\u{05}\u{00}\u{00}\u{00}h\u{01}\u{86}Rtb."
    }

    @Test func unchangedShapeReads() throws {
        #expect(try unpickle(Self.reshaped("K\u{02}K\u{03}\u{86}")).ndarray?.shape == [2, 3])
    }

    @Test func dataShorterThanTheShape() {
        let reason = "shape [2, 4] of <i4 needs 32 bytes of data but 24 are given"
        expectFailure(Self.reshaped("K\u{02}K\u{04}\u{86}"), .badArray(reason), at: 193, .build, mentions: [reason])
    }

    @Test func negativeDimension() {
        let reason = "an array shape must hold non-negative integers, found int"
        expectFailure(Self.reshaped("K\u{02}J\u{fd}\u{ff}\u{ff}\u{ff}\u{86}"), .badArray(reason), at: 196, .build, mentions: [reason])
    }

    @Test func elementCountOverflows() {
        // (2**62, 2**62): more elements than an Int can count.
        let big = "\u{8a}\u{08}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}@"
        let reason = "shape [4611686018427387904, 4611686018427387904] has more elements than memory can address"
        expectFailure(Self.reshaped(big + big + "\u{86}"), .badArray(reason), at: 209, .build, mentions: [reason])
    }

    @Test func byteCountOverflows() {
        // (2**61, 1) of float64: the element count fits, the byte count does not.
        let literal = "\u{80}\u{02}cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\u{00}\u{85}c_codecs\nencode\nq\u{00}X\u{01}\u{00}\u{00}\u{00}bX\u{06}\u{00}\u{00}\u{00}latin1q\u{01}\u{86}R\u{87}R(K\u{01}\u{8a}\u{08}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00} K\u{01}\u{86}cnumpy\ndtype\nX\u{02}\u{00}\u{00}\u{00}f8\u{89}\u{88}\u{87}R(K\u{03}X\u{01}\u{00}\u{00}\u{00}<NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb\u{89}h\u{00}X1\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{c3}\u{b0}?\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}@\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{08}@\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{10}@\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{14}@h\u{01}\u{86}Rtb."
        let reason = "shape [2305843009213693952, 1] of <f8 needs more than 9223372036854775807 bytes of data but 48 are given"
        expectFailure(literal, .badArray(reason), at: 226, .build, mentions: [reason])
    }

    @Test func frombufferDataShorterThanTheShape() {
        // np.arange(6, dtype='<i4').reshape(2, 3) at protocol 5, shape edited to (2, 4).
        let literal = "\u{80}\u{05}\u{95}~\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{8c}\u{13}numpy._core.numeric\u{8c}\u{0b}_frombuffer\u{93}(\u{96}\u{18}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{01}\u{00}\u{00}\u{00}\u{02}\u{00}\u{00}\u{00}\u{03}\u{00}\u{00}\u{00}\u{04}\u{00}\u{00}\u{00}\u{05}\u{00}\u{00}\u{00}\u{8c}\u{05}numpy\u{8c}\u{05}dtype\u{93}\u{8c}\u{02}i4\u{89}\u{88}\u{87}R(K\u{03}\u{8c}\u{01}<NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tbK\u{02}K\u{04}\u{86}\u{8c}\u{01}CtR."
        let reason = "shape [2, 4] of <i4 needs 32 bytes of data but 24 are given"
        expectFailure(literal, .badArray(reason), at: 135, .reduce, mentions: [reason])
    }

    @Test func structuredDtypeNamesItsFields() {
        // np.zeros(2, dtype=[('a', '<i4'), ('b', '<f8')]) at protocol 2: refused by the dtype's BUILD.
        let literal = "\u{80}\u{02}cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\u{00}\u{85}c_codecs\nencode\nq\u{00}X\u{01}\u{00}\u{00}\u{00}bX\u{06}\u{00}\u{00}\u{00}latin1q\u{01}\u{86}R\u{87}R(K\u{01}K\u{02}\u{85}cnumpy\ndtype\nq\u{02}X\u{03}\u{00}\u{00}\u{00}V12\u{89}\u{88}\u{87}R(K\u{03}X\u{01}\u{00}\u{00}\u{00}|NX\u{01}\u{00}\u{00}\u{00}aq\u{03}X\u{01}\u{00}\u{00}\u{00}bq\u{04}\u{86}}(h\u{03}h\u{02}X\u{02}\u{00}\u{00}\u{00}i4\u{89}\u{88}\u{87}R(K\u{03}X\u{01}\u{00}\u{00}\u{00}<q\u{05}NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tbK\u{00}\u{86}h\u{04}h\u{02}X\u{02}\u{00}\u{00}\u{00}f8\u{89}\u{88}\u{87}R(K\u{03}h\u{05}NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tbK\u{04}\u{86}uK\u{0c}K\u{01}K\u{10}tb\u{89}h\u{00}X\u{18}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}h\u{01}\u{86}Rtb."
        let reason = "dtype 'V12': structured dtype with fields (a, b) is not supported"
        expectFailure(literal, .badArray(reason), at: 254, .build, mentions: ["fields (a, b)", "V12"])
    }

    @Test func plainVoidDtypeIsRefused() {
        // np.dtype('V8') alone.
        let literal = "\u{80}\u{02}cnumpy\ndtype\nX\u{02}\u{00}\u{00}\u{00}V8\u{89}\u{88}\u{87}R(K\u{03}X\u{01}\u{00}\u{00}\u{00}|NNNK\u{08}K\u{01}K\u{00}tb."
        let reason = "dtype 'V8': structured (record) dtypes are not supported"
        expectFailure(literal, .badArray(reason), at: 45, .build, mentions: [reason])
    }

    @Test func voidDtypeWithoutBuildCannotMakeAnArray() {
        // _frombuffer(b'', dtype('V8'), (0,), 'C') with the dtype never given its state.
        let literal = "cnumpy.core.numeric\n_frombuffer\n(C\u{00}cnumpy\ndtype\n(VV8\ntRK\u{00}\u{85}VC\ntR."
        let reason = "dtype 'V8': structured (record) dtypes are not supported"
        expectFailure(literal, .badArray(reason), at: 62, .reduce, mentions: [reason])
    }

    @Test(arguments: [
        // pickle.dumps(np.zeros(2, dtype), 2), optimized: the dtype's REDUCE refuses the name.
        ("c16", 128, "only bool, int8–int64, uint8–uint64, float16/32/64 and object arrays are supported"),
        ("U3", 127, "only bool"),
        ("M8", 127, "only bool"),
    ])
    func unsupportedDtypes(name: String, offset: Int, reason: String) throws {
        let literal = "\u{80}\u{02}cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\u{00}\u{85}c_codecs\nencode\nq\u{00}X\u{01}\u{00}\u{00}\u{00}bX\u{06}\u{00}\u{00}\u{00}latin1q\u{01}\u{86}R\u{87}R(K\u{01}K\u{02}\u{85}cnumpy\ndtype\nX"
            + String(decoding: littleEndian(UInt32(name.utf8.count)), as: UTF8.self) + name
            + "\u{89}\u{88}\u{87}R(K\u{03}X\u{01}\u{00}\u{00}\u{00}<NNNJ\u{ff}\u{ff}\u{ff}\u{ff}J\u{ff}\u{ff}\u{ff}\u{ff}K\u{00}tb\u{89}h\u{00}C\u{00}h\u{01}\u{86}Rtb."
        let error = try #require(expectFailure(literal, .badArray("dtype '\(name)': only bool, int8–int64, uint8–uint64, float16/32/64 and object arrays are supported"), at: offset, .reduce, mentions: ["dtype '\(name)'", reason]))
        #expect(error.description.contains("REDUCE at offset \(offset)"))
    }

    @Test func objectArrayWithBytesIsRefused() {
        let literal = "cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nndarray\nK\u{00}\u{85}C\u{01}btR(K\u{01}K\u{01}\u{85}cnumpy\ndtype\n(VO8\ntR\u{89}C\u{08}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}tb."
        let reason = "an object array's data must be a list, not bytes"
        expectFailure(literal, .badArray(reason), at: 98, .build, mentions: [reason])
    }

    @Test func arrayStateOfTheWrongShape() {
        let literal = "cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nndarray\nK\u{00}\u{85}C\u{01}btR(K\u{01}tb."
        let reason = "array state (int) is not (version, shape tuple, dtype, order flag, data) or (shape tuple, dtype, order flag, data)"
        expectFailure(literal, .badArray(reason), at: 64, .build, mentions: [reason])
    }
}

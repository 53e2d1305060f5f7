import Pickle
import Testing

/// Reading through `PickleInput(stream:)`, in small random pieces, gives exactly what reading
/// from memory gives.
@Suite struct StreamTests {
    /// Pickles of every kind: hand-written ones of each protocol and NumPy's own.
    static let samples: [[UInt8]] = [
        pickle("(dp0\nVa\np1\n(lp2\nI1\naF2.5\naVx\np3\naNaI01\naI-3\naL1180591620717411303424L\naFinf\nasVb\np4\n(V\u{e9}\\U0001f600\\u000a\\u005c\np5\nc_codecs\nencode\np6\n(V\\u0000\u{ff}\np7\nVlatin1\np8\ntp9\nRp10\ntp11\nsVc\np12\nc__builtin__\nset\np13\n((lp14\nI7\natp15\nRp16\nsVd\np17\n(tsVe\np18\n(lp19\ns."),
        pickle("(dp0\nS'a'\np1\n(lp2\nI1\naF2.5\naS'caf\\xe9'\np3\naVcaf\\u00e9\np4\naL5L\nasS'old'\np5\n(i__main__\nOld\np6\n(dp7\nS'x'\np8\nI1\nsbs."),
        pickle("\u{80}\u{02}ccollections\nOrderedDict\nq\u{00})Rq\u{01}(X\u{01}\u{00}\u{00}\u{00}bq\u{02}K\u{01}X\u{01}\u{00}\u{00}\u{00}aq\u{03}K\u{02}u."),
        pickle("\u{80}\u{04}\u{95}\u{06}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}K\u{01}K\u{02}\u{86}."),
        pickle("}(\u{8c}\u{01}bK\u{01}\u{8c}\u{01}aK\u{02}u\u{8f}(K\u{01}\u{90}\u{96}\u{02}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}hi\u{87}."),
        pickle("]q\u{00}h\u{00}a."),                      // a cycle
        pickle("cfoo\nBar\n)\u{81}K\u{01}a}b."),
        pickle("\u{8a}\u{09}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{7f}\u{ff}G?\u{f8}\u{00}\u{00}\u{00}\u{00}\u{00}\u{00}\u{86}."),
        pickle("K\u{01}.trailing bytes"),
    ] + NumpyFixtures.numeric.map { base64($0.pickle) } + NumpyFixtures.objects.map { base64($0.pickle) }

    @Test(arguments: [ChunkedStream.Bound.unknown, .exact, .loose(by: 100)], [1, 2, 3])
    func streamReadsEqualMemoryReads(bound: ChunkedStream.Bound, seed: UInt64) throws {
        for (index, bytes) in Self.samples.enumerated() {
            let expected = try Unpickler().read(bytes: bytes)
            let stream = ChunkedStream(bytes, bound: bound, seed: seed &+ UInt64(index))
            let streamed = try Unpickler().read(PickleInput(stream: stream))
            #expect(streamed.value == expected.value, "sample \(index)")
            #expect(streamed.protocol == expected.protocol, "sample \(index)")
            #expect(streamed.endOffset == expected.endOffset, "sample \(index)")
        }
    }

    @Test func differentValuesStayDifferentThroughAStream() throws {
        let streamed = try Unpickler().read(PickleInput(stream: ChunkedStream(Self.samples[0]))).value
        #expect(streamed != (try unpickle(Self.samples[1])))
    }

    @Test(arguments: HostileCases.all)
    func hostileInputFailsTheSameThroughAStream(_ hostile: HostileCase) throws {
        let error = #expect(throws: PickleError.self) {
            _ = try Unpickler().read(PickleInput(stream: ChunkedStream(hostile.bytes)))
        }
        guard let error else { return }
        check(error, hostile.kind, at: hostile.offset, hostile.opcode, mentions: hostile.mentions)
    }

    /// FRAME of `length` bytes, then `body`.
    private static func framed(_ length: UInt64, _ body: String) -> [UInt8] {
        [0x95] + littleEndian(length) + pickle(body)
    }

    @Test(arguments: [ChunkedStream.Bound.unknown, .loose(by: 100)])
    func frameLongerThanAStreamIsRefusedOnceTheStreamEnds(bound: ChunkedStream.Bound) throws {
        // The pickle ends (STOP) 13 bytes short of the frame's end, as in the fuzz
        // regression fuzz/regressions/pickle/frame-longer-than-stream.
        let error = #expect(throws: PickleError.self) {
            _ = try Unpickler().read(PickleInput(stream: ChunkedStream(Self.framed(16, "K\u{01}."), bound: bound)))
        }
        guard let error else { return }
        check(error, .truncated(needed: 16, available: 3, exact: true), at: 0, .frame,
              mentions: ["FRAME at offset 0 declares 16 bytes but only 3 remain"])
    }

    @Test(arguments: [ChunkedStream.Bound.unknown, .exact, .loose(by: 100)])
    func bytesOfAFrameAfterSTOPAreReadButNotPartOfThePickle(bound: ChunkedStream.Bound) throws {
        // STOP 5 bytes before the frame's end, as CPython's framer never writes but accepts.
        let bytes = Self.framed(8, "K\u{01}.abcde")
        let expected = try Unpickler().read(bytes: bytes)
        let streamed = try Unpickler().read(PickleInput(stream: ChunkedStream(bytes, bound: bound)))
        #expect(streamed.value == 1 && expected.value == 1)
        #expect(streamed.endOffset == 12 && expected.endOffset == 12)
    }

    @Test func aLongOpenFrameIsReadToItsEnd() throws {
        // 3 MB of the frame come after STOP: all must be there, none is part of the pickle.
        let bytes = Self.framed(3_000_003, "K\u{01}.") + [UInt8](repeating: 0x61, count: 3_000_000)
        let result = try Unpickler().read(PickleInput(stream: ChunkedStream(bytes, chunkSizes: 1000...70_000)))
        #expect(result.value == 1 && result.endOffset == 12)
        let short = Array(bytes.dropLast())
        #expect(throws: PickleError.self) { _ = try Unpickler().read(PickleInput(stream: ChunkedStream(short, chunkSizes: 1000...70_000))) }
    }

    /// `opcode`, an 8- or 4-byte length, `payload` and STOP.
    private static func lengthPrefixed(_ opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = opcode == 0x42 || opcode == 0x58 ? littleEndian(UInt32(payload.count)) : littleEndian(UInt64(payload.count))
        return [opcode] + length + payload + [0x2e]
    }

    @Test(arguments: [ChunkedStream.Bound.unknown, .exact, .loose(by: 1 << 30)])
    func largePayloadThroughAStream(bound: ChunkedStream.Bound) throws {
        var generator = SeededGenerator(seed: 7)
        let payload = (0..<3_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for opcode: UInt8 in [0x42, 0x8e, 0x96] {
            let bytes = Self.lengthPrefixed(opcode, payload)
            let stream = ChunkedStream(bytes, bound: bound, chunkSizes: 1...7)
            let result = try Unpickler().read(PickleInput(stream: stream))
            #expect(result.value.byteArray == payload)
            #expect(result.endOffset == bytes.count)
        }
        let text = String(repeating: "é😀a", count: 400_000)
        let stream = ChunkedStream(Self.lengthPrefixed(0x58, Array(text.utf8)), bound: bound, chunkSizes: 100...5000)
        #expect(try Unpickler().read(PickleInput(stream: stream)).value == .string(text))
    }

    @Test func declaredLengthAboveTheStreamBoundIsRefusedWithoutReading() throws {
        // 1 TiB declared; the stream can tell that at most 100,000 bytes are left.
        let bytes = [0x8e] + littleEndian(UInt64(1) << 40) + [UInt8](repeating: 0x61, count: 100_000)
        let stream = ChunkedStream(bytes, bound: .exact)
        let error = #expect(throws: PickleError.self) {
            _ = try Unpickler().read(PickleInput(stream: stream))
        }
        guard let error else { return }
        check(error, .truncated(needed: 1 << 40, available: 100_000, exact: false), at: 0, .binBytes8,
              mentions: ["declares 1099511627776 bytes but at most 100000 remain"])
        #expect(stream.delivered < 100)
    }

    @Test func looseBoundIsReportedAsAnUpperBound() throws {
        let bytes = pickle("B\u{e8}\u{03}\u{00}\u{00}") + [UInt8](repeating: 0x61, count: 10)
        let error = #expect(throws: PickleError.self) {
            _ = try Unpickler().read(PickleInput(stream: ChunkedStream(bytes, bound: .loose(by: 5))))
        }
        guard let error else { return }
        check(error, .truncated(needed: 1000, available: 15, exact: false), at: 0, .binBytes,
              mentions: ["declares 1000 bytes but at most 15 remain"])
    }

    @Test func unknownBoundGrowsStorageAsBytesArrive() throws {
        // Without a bound the declared 1 TiB is not trusted: the read ends with the stream.
        let bytes = [0x96] + littleEndian(UInt64(1) << 40) + [UInt8](repeating: 0x61, count: 50_000)
        let error = #expect(throws: PickleError.self) {
            _ = try Unpickler().read(PickleInput(stream: ChunkedStream(bytes, chunkSizes: 1000...4000)))
        }
        guard let error else { return }
        check(error, .truncated(needed: 1 << 40, available: 50_000, exact: true), at: 0, .byteArray8)
    }

    @Test func longLineThenLargePayloadFromAGreedyStream() throws {
        // A 2.5 MB UNICODE line grows the read-ahead window past 1 MiB; the rest of the window
        // is then the head of a 3 MB payload read from a stream of unknown size.
        let line = [UInt8](repeating: 0x61, count: 2_500_000)
        var generator = SeededGenerator(seed: 11)
        let payload = (0..<3_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let bytes = [0x56] + line + [0x0a, 0x42] + littleEndian(UInt32(payload.count)) + payload + [0x86, 0x2e]
        let stream = ChunkedStream(bytes, chunkSizes: Int(Int32.max)...Int(Int32.max))
        let items = try #require(try Unpickler().read(PickleInput(stream: stream)).value.tupleItems)
        #expect(items.first?.text?.utf8.count == line.count)
        #expect(items.last?.byteArray == payload)
    }

    @Test func manyShortLinesFromATrickle() throws {
        // Protocol 0 read a byte or two at a time: a line's search must not grow the window
        // each time it refills.
        var text = "(l"
        for number in 0..<2000 { text += "I\(number)\na" }
        let bytes = pickle(text + ".")
        let value = try Unpickler().read(PickleInput(stream: ChunkedStream(bytes, chunkSizes: 1...2))).value
        #expect(value.listItems?.count == 2000)
        #expect(value.listItems?.last == 1999)
    }

    @Test func longLinesReadInLinearTime() throws {
        // An 8 MB line in 64 KiB pieces and a 300 KB line in pieces of 1 to 7 bytes: reading
        // must not copy the line again for every piece.
        let long = [0x56] + [UInt8](repeating: 0x61, count: 8_000_000) + [0x0a, 0x2e]
        let trickled = [0x56] + [UInt8](repeating: 0x62, count: 300_000) + [0x0a, 0x2e]
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            let value = try Unpickler().read(PickleInput(stream: ChunkedStream(long, chunkSizes: 65536...65536))).value
            #expect(value.text?.utf8.count == 8_000_000)
            let small = try Unpickler().read(PickleInput(stream: ChunkedStream(trickled))).value
            #expect(small.text?.utf8.count == 300_000)
        }
        #expect(elapsed < .seconds(10))
    }

    @Test func streamErrorsPassThrough() throws {
        let stream = ChunkedStream(pickle("(lI1\naI2\na."))
        stream.failAfter = 5
        #expect(throws: StreamFailure.self) {
            _ = try Unpickler().read(PickleInput(stream: stream))
        }
    }
}

extension ChunkedStream.Bound: CustomTestStringConvertible {
    var testDescription: String {
        switch self {
        case .unknown: "unknown bound"
        case .exact: "exact bound"
        case let .loose(extra): "bound loose by \(extra)"
        }
    }
}

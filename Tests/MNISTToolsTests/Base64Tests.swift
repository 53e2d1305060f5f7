import MNISTTools
import Testing

@Suite struct Base64Tests {
    /// Lengths 0 to 10 cover no padding, one `=` and two `=`. Expected values from Python's
    /// `base64.b64encode`.
    @Test(arguments: [
        (0, ""),
        (1, "Bw=="),
        (2, "ByY="),
        (3, "ByZF"),
        (4, "ByZFZA=="),
        (5, "ByZFZIM="),
        (6, "ByZFZIOi"),
        (7, "ByZFZIOiwQ=="),
        (8, "ByZFZIOiweA="),
        (9, "ByZFZIOiweD/"),
        (10, "ByZFZIOiweD/Hg=="),
    ])
    func patternOfLength(length: Int, expected: String) {
        #expect(encode(TestBytes.pattern(count: length)) == expected)
    }

    /// Random bytes (see `TestBytes.random`), compared with Python's `base64.b64encode`.
    @Test(arguments: [
        (1, 0x1234_5678, "dQ=="),
        (2, 0x9E37_79B9, "Quk="),
        (31, 0x0BAD_F00D, "ky3AJ+IU1X7T/t03i5FeIZptBabkB0IKETLowV2x+A=="),
        (64, 0xDEAD_BEEF, "avUJOGPYN/zUTmZGBUSCBk5XLoeRP79QP0hnMIw3T6yXeokeqJ8YQstPe/hpYXF7prPsXqDlYfjmJ/MsraUinA=="),
        (100, 0x0C0F_FEE0, "HN5ERlKfBleWkW5qYgxblwqJnQkT7QXqvvLDnIZGjezUOlksNA+zdMIv5nWq/YeY2+whWF0aCA7lmZmhiyde08j59BYo2JgnP8i72uHXCNWl6rchLZgg0sxp3DFsCO0i5UfGtQ=="),
    ] as [(Int, UInt32, String)])
    func randomData(length: Int, seed: UInt32, expected: String) {
        #expect(encode(TestBytes.random(count: length, seed: seed)) == expected)
    }

    /// A long output, checked through its SHA-256: `hashlib.sha256(base64.b64encode(data)).hexdigest()`.
    @Test func largeRandomData() {
        let encoded = encode(TestBytes.random(count: 100_000, seed: 42))
        #expect(encoded.utf8.count == 133_336)
        let digest = Array(encoded.utf8).withUnsafeBytes { SHA256.hex($0) }
        #expect(digest == "e464591184bc7a0ffff1decc8628674f3eee9e284bbe7df219761b47f5cd4580")
    }

    @Test func alphabetEnds() {
        #expect(encode([0xfb, 0xff, 0xbf]) == "+/+/")
        #expect(encode([0x00, 0x00, 0x00]) == "AAAA")
        #expect(encode([0xff]) == "/w==")
    }

    private func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { Base64.encode($0) }
    }
}

import Testing
@testable import KassaApp

@Suite struct CryptoTests {
    // SHA-256 digests published in FIPS 180-2 and NIST's example values.

    @Test func sha256OfTheEmptyMessage() {
        let expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        #expect(Crypto.hex(Crypto.sha256("".utf8)) == expected)
        #expect(Crypto.hex(Crypto.sha256([UInt8]())) == expected)
        // A buffer with no address at all must still hash as the empty message.
        #expect(Crypto.hex(Crypto.sha256(UnsafeBufferPointer<UInt8>(start: nil, count: 0))) == expected)
    }

    @Test func sha256OfABC() {
        #expect(Crypto.hex(Crypto.sha256("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func sha256OfThe448BitNISTMessage() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        let expected = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        #expect(Crypto.hex(Crypto.sha256(message.utf8)) == expected)
        #expect(Crypto.hex(Crypto.sha256(Array(message.utf8))) == expected)
        // A lazy collection has no contiguous storage, so this goes through the copying path.
        #expect(Crypto.hex(Crypto.sha256(message.utf8.lazy.map { $0 })) == expected)
    }

    // HMAC-SHA256 test cases from RFC 4231.

    @Test func hmacRFC4231Case1() {
        let mac = Crypto.hmacSHA256(key: [UInt8](repeating: 0x0B, count: 20), message: Array("Hi There".utf8))
        #expect(Crypto.hex(mac) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test func hmacRFC4231Case2() {
        let mac = Crypto.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Crypto.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func hmacRFC4231Case6WithAKeyLongerThanTheBlock() {
        let mac = Crypto.hmacSHA256(key: [UInt8](repeating: 0xAA, count: 131),
                                    message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(Crypto.hex(mac) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func hmacWithAnEmptyKeyAndMessage() {
        #expect(Crypto.hex(Crypto.hmacSHA256(key: [], message: [])) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func randomBytesHaveTheRequestedLength() throws {
        for count in [0, 1, 16, 32, 1000] {
            #expect(try Crypto.randomBytes(count).count == count)
        }
    }

    @Test func twoRandomDrawsDiffer() throws {
        #expect(try Crypto.randomBytes(32) != Crypto.randomBytes(32))
    }

    @Test func aNegativeRandomCountThrows() {
        #expect(throws: CryptoError.self) { try Crypto.randomBytes(-1) }
    }

    @Test func constantTimeEqualTruthTable() {
        let cases: [(a: [UInt8], b: [UInt8], equal: Bool)] = [
            ([], [], true),
            ([], [0], false),
            ([0], [], false),
            ([1, 2, 3], [1, 2, 3], true),
            ([1, 2, 3], [1, 2, 4], false),
            ([9, 2, 3], [1, 2, 3], false),
            ([1, 2, 3], [1, 2], false),
            ([1, 2], [1, 2, 3], false),
            (Array(repeating: 0xAB, count: 64), Array(repeating: 0xAB, count: 64), true),
        ]
        for (a, b, equal) in cases {
            #expect(Crypto.constantTimeEqual(a, b) == equal, "\(a) vs \(b)")
        }
    }

    @Test func hexRoundTrips() {
        let everyByte = (0...255).map(UInt8.init)
        let text = Crypto.hex(everyByte)
        #expect(text.count == 512)
        #expect(text.hasPrefix("000102030405060708090a0b0c0d0e0f10"))
        #expect(text.hasSuffix("fcfdfeff"))
        #expect(Crypto.fromHex(text) == everyByte)
        #expect(Crypto.hex([]) == "")
        #expect(Crypto.fromHex("") == [])
        #expect(Crypto.fromHex("DEADbeef") == [0xDE, 0xAD, 0xBE, 0xEF])
    }

    @Test func invalidHexIsRejected() {
        for text in ["0", "abc", "0g", "zz", "0x00", " 00", "00 ", "éa", "--"] {
            #expect(Crypto.fromHex(text) == nil, "\(text)")
        }
    }

    @Test func base64URLUsesTheURLAlphabetWithoutPadding() {
        // Standard base64 of these is "+/8=", "++//Pg==" and "FPucA9l+".
        #expect(Crypto.base64URL([0xFB, 0xFF]) == "-_8")
        #expect(Crypto.base64URL([0xFB, 0xEF, 0xFF, 0x3E]) == "--__Pg")
        #expect(Crypto.base64URL([0x14, 0xFB, 0x9C, 0x03, 0xD9, 0x7E]) == "FPucA9l-")
        // RFC 4648 §10 vectors, with the padding dropped.
        #expect(Crypto.base64URL([]) == "")
        #expect(Crypto.base64URL(Array("f".utf8)) == "Zg")
        #expect(Crypto.base64URL(Array("fo".utf8)) == "Zm8")
        #expect(Crypto.base64URL(Array("foo".utf8)) == "Zm9v")
        #expect(Crypto.base64URL(Array("foobar".utf8)) == "Zm9vYmFy")
    }
}

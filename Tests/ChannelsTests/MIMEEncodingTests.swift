import Foundation
import Testing
@testable import Channels

@Suite struct QuotedPrintableTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var input: String
        var encoded: String
        var testDescription: String { input.debugDescription }
    }

    @Test(arguments: [
        Vector(input: "", encoded: ""),
        Vector(input: "Hello, world", encoded: "Hello, world"),
        Vector(input: "a=b", encoded: "a=3Db"),
        Vector(input: "trailing space ", encoded: "trailing space=20"),
        Vector(input: "tab\t", encoded: "tab=09"),
        Vector(input: "inner  spaces\tkept", encoded: "inner  spaces\tkept"),
        Vector(input: "line one  \nline two", encoded: "line one =20\r\nline two"),
        Vector(input: "Привет", encoded: "=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82"),
        Vector(input: "1 234,50 ₽", encoded: "1 234,50 =E2=82=BD"),
        Vector(input: "a\rb\nc\r\nd\n\re", encoded: "a\r\nb\r\nc\r\nd\r\n\r\ne"),
        Vector(input: ".\n", encoded: ".\r\n"),
        Vector(input: "nul\u{0}del\u{7F}", encoded: "nul=00del=7F"),
        Vector(input: String(repeating: "x", count: 76), encoded: String(repeating: "x", count: 76)),
        Vector(input: String(repeating: "x", count: 77),
               encoded: String(repeating: "x", count: 75) + "=\r\nxx"),
        Vector(input: String(repeating: "x", count: 73) + "=", encoded: String(repeating: "x", count: 73) + "=3D"),
        Vector(input: String(repeating: "x", count: 74) + "=", encoded: String(repeating: "x", count: 74) + "=\r\n=3D"),
        Vector(input: String(repeating: "x", count: 74) + "é!", encoded: String(repeating: "x", count: 74) + "=\r\n=C3=A9!"),
        Vector(input: String(repeating: "x", count: 75) + " ", encoded: String(repeating: "x", count: 75) + "=\r\n=20"),
        // CPython's binascii.b2a_qp output for this text (an independent encoder), with CRLF line breaks.
        Vector(input: "J'interdis aux marchands de vanter trop leurs marchandises. Car ils se font vite pédagogues et t'enseignent comme but ce qui n'est par essence qu'un moyen, et te trompant ainsi sur la route à suivre les voilà bientôt qui te dégradent, car si leur musique est vulgaire ils te fabriquent pour te la vendre une âme vulgaire.",
               encoded: """
                   J'interdis aux marchands de vanter trop leurs marchandises. Car ils se font=\r
                    vite p=C3=A9dagogues et t'enseignent comme but ce qui n'est par essence qu=\r
                   'un moyen, et te trompant ainsi sur la route =C3=A0 suivre les voil=C3=A0 b=\r
                   ient=C3=B4t qui te d=C3=A9gradent, car si leur musique est vulgaire ils te =\r
                   fabriquent pour te la vendre une =C3=A2me vulgaire.
                   """),
    ])
    func knownVector(_ vector: Vector) {
        #expect(String(decoding: QuotedPrintable.encode(vector.input), as: UTF8.self) == vector.encoded)
    }

    @Test func longLinesOfEveryKindStayWithin76() {
        let samples = [String(repeating: "Ж", count: 3_000), String(repeating: "a ", count: 2_000),
                       String(repeating: "=", count: 1_000), String(repeating: "x\t", count: 500) + "\t"]
        for sample in samples {
            let lines = mimeLines(QuotedPrintable.encode(sample))
            #expect(lines.allSatisfy { $0.count <= 76 })
            #expect(lines.allSatisfy { $0.last != UInt8(ascii: " ") && $0.last != UInt8(ascii: "\t") })
            #expect(String(decoding: QuotedPrintableTests.decode(QuotedPrintable.encode(sample)), as: UTF8.self) == sample)
        }
    }

    /// A minimal decoder, enough to check that soft breaks and escapes give the text back.
    static func decode(_ encoded: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < encoded.count {
            if encoded[index] == UInt8(ascii: "=") {
                if encoded[index + 1] == 0x0D {
                    index += 3
                } else {
                    output.append(UInt8(String(decoding: encoded[index + 1...index + 2], as: UTF8.self), radix: 16)!)
                    index += 3
                }
            } else {
                output.append(encoded[index])
                index += 1
            }
        }
        return output
    }
}

@Suite struct EncodedWordTests {
    @Test func wordsAreAtMost75CharactersAndSplitOnCharacters() {
        let texts = [String(repeating: "Ромашка", count: 40), String(repeating: "👨‍👩‍👧‍👦", count: 10),
                     "a" + String(repeating: "e\u{301}", count: 100), String(repeating: "€", count: 100)]
        for text in texts {
            let words = EncodedWord.words(for: text)
            #expect(words.count > 1)
            var decoded = ""
            for word in words {
                #expect(word.count <= 75)
                #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
                let bytes = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))).map(Array.init) ?? []
                let piece = String(validating: bytes, as: UTF8.self)
                #expect(piece != nil)
                decoded += piece ?? ""
            }
            #expect(decoded == text)
        }
    }

    @Test func fullWordsUseTheWhole75Characters() {
        // 22 two-byte letters = 44 bytes, + 1 letter would be 46 > 45: the first word carries 22.
        let words = EncodedWord.words(for: String(repeating: "Ж", count: 30))
        #expect(words.map(\.count) == [72, 36])
        #expect(EncodedWord.payloadCapacity(wordLength: 75) == 45)
        #expect(EncodedWord.words(for: String(repeating: "a", count: 45)).map(\.count) == [72])
        #expect(EncodedWord.words(for: String(repeating: "a", count: 46)).map(\.count) == [72, 16])
    }

    @Test func characterLargerThanAWordIsSplitOnScalars() {
        let zalgo = "a" + String(repeating: "\u{301}", count: 40)  // one Character of 81 bytes
        let words = EncodedWord.words(for: zalgo)
        #expect(words.allSatisfy { $0.count <= 75 })
        let decoded = words.map { word -> String in
            let bytes = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))).map(Array.init) ?? []
            return String(validating: bytes, as: UTF8.self) ?? "<invalid>"
        }
        #expect(decoded.joined() == zalgo)
    }

    @Test func foldedFieldSizesTheFirstWordToTheRoomLeft() {
        var field = MIMEWriter.FoldedField("Subject")
        field.appendEncoded(String(repeating: "Ж", count: 60))
        let lines = field.text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines[0].hasPrefix("Subject: =?UTF-8?B?"))
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" =?UTF-8?B?") })
    }
}

@Suite struct MIMEPrimitiveTests {
    @Test func controlCharactersAreCategoryCc() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if scalar.isControl != (scalar.properties.generalCategory == .control) {
                Issue.record("U+\(String(value, radix: 16)) classified wrongly")
                return
            }
        }
    }

    @Test(arguments: [
        ("=_ak_X", "=_ak_X", true), ("ab=_ak_X", "=_ak_X", true), ("=_ak_Xcd", "=_ak_X", true),
        ("=_ak_=_ak_X", "=_ak_X", true), ("=_ak_", "=_ak_X", false), ("_ak_X=", "=_ak_X", false),
        ("=3D=C3=A9=_ak_Y", "=_ak_X", false), ("abc", "c", true), ("abc", "d", false), ("", "x", false), ("abc", "", true),
    ])
    func byteSearchFindsTheBoundaryAnywhere(_ haystack: String, _ needle: String, _ found: Bool) {
        #expect(MIMEPart.bytes(Array(haystack.utf8), contain: Array(needle.utf8)) == found)
    }

    @Test func base64BodyHas76CharacterLines() {
        let body = String(decoding: MIMEBase64.body(MIMEFixture.pdf), as: UTF8.self)
        let lines = body.components(separatedBy: "\r\n")
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
        #expect(lines.last!.count <= 76)
        #expect(Data(base64Encoded: lines.joined()).map(Array.init) == MIMEFixture.pdf)
        #expect(MIMEBase64.encode(Array("Man".utf8)) == "TWFu")
        #expect(MIMEBase64.encode(Array("Ma".utf8)) == "TWE=")
        #expect(MIMEBase64.encode(Array("M".utf8)) == "TQ==")
        #expect(MIMEBase64.encode([]) == "")
    }

    @Test func datesAreMoscowTime() {
        #expect(EmailDate.format(MIMEFixture.date) == "Sun, 29 Nov 2026 09:15:00 +0300")
        #expect(EmailDate.format(Date(timeIntervalSince1970: 1_772_744_829)) == "Fri, 6 Mar 2026 00:07:09 +0300")
        // Moscow kept UTC+4 from 2011 to 2014: the time zone database, not a fixed offset.
        #expect(EmailDate.format(Date(timeIntervalSince1970: 1_356_998_400)) == "Tue, 1 Jan 2013 04:00:00 +0400")
    }

    @Test func parametersAreQuotedOrRFC2231Encoded() {
        #expect(MIMEParameter.pieces("filename", "receipt.pdf") == ["filename=\"receipt.pdf\""])
        #expect(MIMEParameter.pieces("filename", "a \"b\".pdf") == ["filename*=utf-8''a%20%22b%22.pdf"])
        #expect(MIMEParameter.pieces("filename", "Чек.pdf") == ["filename*=utf-8''%D0%A7%D0%B5%D0%BA.pdf"])
        let long = MIMEParameter.pieces("filename", String(repeating: "Ч", count: 30))
        #expect(long.count == 4)
        #expect(long.allSatisfy { $0.count <= 74 })
        #expect(long[0].hasPrefix("filename*0*=utf-8''%D0%A7") && long[1].hasPrefix("filename*1*=%D0%A7"))
    }
}

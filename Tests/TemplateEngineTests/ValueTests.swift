import Foundation
import Testing
import TestPeers
@testable import TemplateEngine

@Suite struct ValueTests {
    @Test func jsonKeepsKeyOrderAndTypes() throws {
        let value = try Value(json: #"{"b": 1, "a": [true, null, 1.5, "x\u00e9"], "c": {"z": -2}}"#)
        guard case .object(let o) = value else { Issue.record("not an object"); return }
        #expect(o.keys == ["b", "a", "c"])
        #expect(o["a"] == [true, nil, 1.5, "xé"])
        #expect(value.jsonString == #"{"b":1,"a":[true,null,1.5,"xé"],"c":{"z":-2}}"#)
    }

    @Test func jsonStringsEscapeWhatTheyMust() throws {
        // A quote followed by a combining accent is one character: the escape must not take it apart.
        let tricky = "a\"\u{301}b\\c\r\nd\u{1}é\t\u{1F600}"
        let written = Value.string(tricky).jsonString
        #expect(written == #""a\"\#u{301}b\\c\r\nd\u0001é\t\#u{1F600}""#)
        #expect(try Value(json: written) == .string(tricky))
    }

    /// JSON strings of every kind (plain, escaped, \u escapes with surrogate pairs, raw UTF-8)
    /// read as Foundation's JSONSerialization reads them, and written back to the same string.
    @Test func jsonStringsReadAsFoundationReadsThem() throws {
        let pieces = ["a", "Заказ", "é", "😀", #"\n"#, #"\""#, #"\\"#, #"\/"#, #"\t"#, #"\u0041"#, #"\u041e"#, #"\ud83d\ude00"#,
                      #"\u00e9"#, " ", "\u{7F}", "x"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let body = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let document = "[\"\(body)\"]"
            let expected = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String]
            guard case .array(let items) = try Value(json: document), case .string(let read)? = items.first else {
                Issue.record("\(document) was not read as a string")
                continue
            }
            #expect(read == expected?.first, "\(document)")
            #expect(try Value(json: Value.string(read).jsonString) == .string(read))
        }
    }

    @Test(arguments: [
        ("{\"a\": }", 1, 7),
        ("[1,\n 2,,]", 2, 4),
        ("{\"a\": \"x", 1, 7),
        ("tru", 1, 1),
        ("[1] 2", 1, 5),
    ])
    func jsonErrorsHavePositions(_ text: String, _ line: Int, _ column: Int) {
        #expect(throws: JSONError.self) { try Value(json: text) }
        do {
            _ = try Value(json: text)
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
        }
    }

    /// The UTF-8 check the parser and templates share accepts exactly what the standard library's
    /// does, and stops where its valid prefix ends: random
    /// bytes around every boundary (overlong forms, surrogates, past U+10FFFF, cut sequences).
    @Test func utf8CheckAgreesWithTheStandardLibrary() throws {
        var random = SplitMix64(state: 0xC0FFEE)
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC,
                                    0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF, 0xD0, 0xB0, 0x82]
        var valid = 0
        for _ in 0..<50_000 {
            let bytes = (0..<random.below(7)).map { _ in interesting[random.below(interesting.count)] }
            let prefix = validUTF8Prefix(bytes)
            let ours = prefix == bytes.count
            #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
            #expect(String(validating: bytes[..<prefix], as: UTF8.self) != nil, "\(bytes)")
            if ours { valid += 1 }
        }
        #expect(valid > 1_000)
        #expect(throws: JSONError.self) { try Value(jsonBytes: Array("[\"a".utf8) + [0xED, 0xA0, 0x80] + Array("\"]".utf8)) }
        #expect(try Value(jsonBytes: Array("[\"Анна\"]".utf8)) == .array([.string("Анна")]))
    }

    @Test func deepJSONIsRefused() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONError.self) { try Value(json: deep) }
    }

    @Test(arguments: [(5.0, "5.0"), (0.1, "0.1"), (1e20, "1.0e+20"), (1.5e-5, "1.5e-05"), (-2.25, "-2.25"), (123456.789, "123456.789")])
    func floatsPrintLikeRuby(_ value: Double, _ text: String) {
        #expect(formatFloat(value) == text)
    }
}

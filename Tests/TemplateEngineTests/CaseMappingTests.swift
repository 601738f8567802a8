import Testing
@testable import TemplateEngine

/// The byte-walking case mapping for ASCII and basic Cyrillic must give exactly what the standard
/// library gives, which the filters use for all other text.
@Suite struct CaseMappingTests {
    static let scalars: [Unicode.Scalar] = (Array(0x01...0x7F) + Array(0x400...0x45F)).map { Unicode.Scalar(UInt32($0))! }

    @Test func everyScalarMatchesTheStandardLibrary() throws {
        for scalar in Self.scalars {
            let s = String(Character(scalar))
            #expect(mapCyrillicAndASCII(s, .upper) == s.uppercased(), "\(scalar.value)")
            #expect(mapCyrillicAndASCII(s, .lower) == s.lowercased(), "\(scalar.value)")
            let title = String(scalar.properties.titlecaseMapping)
            #expect(mapCyrillicAndASCII(s, .capitalize) == title, "\(scalar.value)")
            // Every scalar after the first is lowered.
            let pair = s + s
            #expect(mapCyrillicAndASCII(pair, .capitalize) == title + s.lowercased(), "\(scalar.value)")
        }
    }

    @Test func mixedTextMatchesTheStandardLibrary() {
        for s in ["анна", "оплачено", "ёЖик Ёлка", "Hello, МИР! 123", "ѐѓєџ ЀЃЄЏ", "", "aZ-яЯ_ё"] {
            #expect(mapCyrillicAndASCII(s, .upper) == s.uppercased())
            #expect(mapCyrillicAndASCII(s, .lower) == s.lowercased())
        }
        #expect(mapCyrillicAndASCII("анна", .capitalize) == "Анна")
        #expect(mapCyrillicAndASCII("ИВАНОВА", .capitalize) == "Иванова")
    }

    @Test func otherTextIsLeftToTheStandardLibrary() {
        for s in ["straße", "Ѡѡ", "«ёлка»", "café", "ǆ", "ﬁ", "😀", "\u{0301}а"] {
            #expect(mapCyrillicAndASCII(s, .upper) == nil, "\(s)")
        }
        #expect(mapCyrillicAndASCII("а\u{0301}", .upper) == nil)
    }
}

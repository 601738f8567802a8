import Testing
import TestPeers
@testable import TemplateEngine

private func render(_ source: String, _ data: Value = [:], options: RenderOptions = RenderOptions()) throws -> String {
    try Template(source: source).render(data, options: options)
}

@Suite struct ExtensionFilterTests {
    @Test(arguments: [
        (0, "0,00\u{A0}₽"), (5, "0,05\u{A0}₽"), (123450, "1\u{A0}234,50\u{A0}₽"), (100, "1,00\u{A0}₽"),
        (123456789012, "1\u{A0}234\u{A0}567\u{A0}890,12\u{A0}₽"), (-4500, "-45,00\u{A0}₽"), (99999, "999,99\u{A0}₽"),
    ])
    func money(_ kopecks: Int, _ text: String) throws {
        #expect(try render("{{ a | money }}", ["a": .int(kopecks)]) == text)
    }

    @Test func moneyRefusesStringsAndFloats() {
        #expect(throws: TemplateError.self) { try render("{{ a | money }}", ["a": "12.50"]) }
        #expect(throws: TemplateError.self) { try render("{{ a | money }}", ["a": 12.5]) }
        #expect((try? render("{{ missing | money }}")) == "")
    }

    @Test(arguments: [
        (0, "дней"), (1, "день"), (2, "дня"), (4, "дня"), (5, "дней"), (11, "дней"), (12, "дней"), (14, "дней"),
        (21, "день"), (22, "дня"), (25, "дней"), (101, "день"), (111, "дней"), (112, "дней"), (122, "дня"), (-1, "день"),
    ])
    func russianPlural(_ n: Int, _ form: String) throws {
        #expect(try render(#"{{ n | plural: "день", "дня", "дней" }}"#, ["n": .int(n)]) == form)
    }

    @Test func pluralNeedsThreeForms() {
        #expect(throws: TemplateError.self) { try Template(source: #"{{ 1 | plural: "день", "дня" }}"#) }
    }

    @Test(arguments: [
        ("+79991234567", "+7 (999) 123-45-67"), ("89991234567", "+7 (999) 123-45-67"), ("9991234567", "+7 (999) 123-45-67"),
        ("+7 999 123-45-67", "+7 (999) 123-45-67"), ("+44 20 7946 0958", "+44 20 7946 0958"), ("звоните", "звоните"),
    ])
    func phone(_ input: String, _ output: String) throws {
        #expect(try render("{{ p | phone }}", ["p": .string(input)]) == output)
    }

    /// ASCII numbers are read by bytes; the result is the one the rules read by characters give.
    @Test func phoneByBytesAgreesWithPhoneByCharacters() {
        var random = SplitMix64(state: 79991234567)
        let pieces = ["7", "8", "9", "0", "1", "5", " ", "+", "-", "(", ")", "x", "#", "999", "1234567", "+7", "8 (", ") "]
        var formatted = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<random.below(10) { text += pieces[random.below(pieces.count)] }
            let byBytes = formatRussianPhone(text)
            #expect(byBytes == formatRussianPhoneByCharacters(text), "\(text)")
            if byBytes != nil { formatted += 1 }
        }
        #expect(formatted > 100)
    }

    @Test func escapingFiltersNeverDoubleEscapeInHTML() throws {
        let html = RenderOptions(escaping: .html)
        let data: Value = ["a": "<b>&amp;\nx"]
        #expect(try render("{{ a | escape }}", data, options: html) == "&lt;b&gt;&amp;amp;\nx")
        #expect(try render("{{ a | escape_once }}", data, options: html) == "&lt;b&gt;&amp;\nx")
        #expect(try render("{{ a | newline_to_br }}", data, options: html) == "&lt;b&gt;&amp;amp;<br />\nx")
        #expect(try render("{{ a | newline_to_br }}", data) == "<b>&amp;<br />\nx")
    }

    @Test func capturedAndEscapedVariablesAreNotEscapedTwice() throws {
        let html = RenderOptions(escaping: .html)
        #expect(try render(#"{% capture c %}<i>{{ "<b>" }}</i>{% endcapture %}{{ c }}"#, options: html) == "<i>&lt;b&gt;</i>")
        #expect(try render(#"{% assign e = "<b>" | escape %}{{ e }}"#, options: html) == "&lt;b&gt;")
        #expect(try render(#"{% assign e = "<b>" | escape %}{% assign e = "<i>" %}{{ e }}"#, options: html) == "&lt;i&gt;")
        #expect(try render(#"{% assign p = "<b>" %}{{ p }}"#, options: html) == "&lt;b&gt;")
        #expect(try render(#"{% capture c %}<i>{% endcapture %}{{ c }}"#) == "<i>")
    }

    @Test func rawOptsOutOfEscaping() throws {
        let html = RenderOptions(escaping: .html)
        #expect(try render("{{ a }}|{{ a | raw }}", ["a": "<b>"], options: html) == "&lt;b&gt;|<b>")
    }
}

import Testing
@testable import TemplateEngine

private func compileError(_ source: String) -> TemplateError? {
    do {
        _ = try Template(source: source, name: "mail.liquid")
        return nil
    } catch {
        return error
    }
}

@Suite struct ErrorTests {
    @Test(arguments: [
        ("a\n{% if x %}\nb", 2, 1, "'if' tag was never closed; expected '{% endif %}'"),
        ("{% for x in y %}{% if x %}{% endfor %}", 1, 27, "unexpected 'endfor'; the innermost block that needs to be closed is 'if'"),
        ("line one\n  {{ a | nosuch }}", 2, 10, "unknown filter 'nosuch'"),
        ("{{ a | upcase: 1 }}", 1, 8, "filter 'upcase' takes 0 arguments, not 1"),
        ("{{ a b }}", 1, 6, "unexpected 'b'"),
        ("{% nosuchtag %}", 1, 1, "unknown tag 'nosuchtag'"),
        ("x {{ a", 1, 3, "output '{{' was never closed with '}}'"),
        ("{% assign = 1 %}", 1, 11, "expected a variable name, found '='"),
        ("{% endif %}", 1, 1, "unexpected 'endif' outside of a block that takes it"),
        ("Привет {{ 'x' | upcse }}", 1, 17, "unknown filter 'upcse' (did you mean 'upcase'?)"),
    ])
    func syntaxErrorsPointAtTheProblem(_ source: String, _ line: Int, _ column: Int, _ message: String) throws {
        let error = try #require(compileError(source))
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.message == message)
    }

    @Test func descriptionShowsTheLineAndACaret() throws {
        let error = try #require(compileError("Здравствуйте!\n  {{ order. }}"))
        #expect(error.description == """
            mail.liquid:2:12: error: expected a property name after '.', found end of tag
              {{ order. }}
                       ^
            """)
    }

    /// A surrogate encoded in UTF-8 is refused at its first byte, and what comes before is kept.
    @Test func invalidUTF8IsRefusedAtItsFirstByte() {
        let bytes = Array("Привет".utf8) + [0xED, 0xA0, 0x80] + Array("!".utf8)
        let error = #expect(throws: TemplateError.self) { try Template(bytes: bytes) }
        #expect(error?.message == "the template is not valid UTF-8 (byte 13)")
        let stray = #expect(throws: TemplateError.self) { try Template(bytes: [0x7B, 0x7B, 0xFF, 0x7D, 0x7D]) }
        #expect(stray?.message == "the template is not valid UTF-8 (byte 3)")
    }

    @Test func renderErrorsNameThePartial() throws {
        let library = InMemoryTemplateLibrary(["footer": "ok\n{% if 1 > 'a' %}{% endif %}"])
        let template = try Template(source: "{% include 'footer' %}", name: "main", library: library)
        #expect(throws: TemplateError.self) { try template.render([:]) }
        do {
            _ = try template.render([:])
        } catch {
            #expect(error.templateName == "footer")
            #expect(error.line == 2)
            #expect(error.kind == .render)
        }
    }

    @Test func missingPartialIsACompileError() throws {
        let error = try #require(compileError("{% render 'nope' %}"))
        #expect(error.message == "partial 'nope' does not exist")
        #expect(error.kind == .compile)
    }

}

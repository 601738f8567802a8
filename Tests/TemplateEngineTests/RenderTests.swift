import Testing
@testable import TemplateEngine

private func render(_ source: String, _ data: Value = [:], options: RenderOptions = RenderOptions(),
                    partials: [String: String] = [:]) throws -> String {
    try Template(source: source, name: "t", library: InMemoryTemplateLibrary(partials)).render(data, options: options)
}

@Suite struct RenderTests {
    @Test(arguments: [
        ("Hello {{ name }}!", "Hello Anna!"),
        ("{{ order.items[1].name }}", "b"),
        ("{{ order.items[-1].name }}", "c"),
        ("{{ order.items.size }} {{ order.items.first.name }} {{ order.items.last.name }}", "3 a c"),
        ("{{ missing }}{{ missing.deep[0] }}", ""),
        ("{% for i in order.items %}{{ forloop.index }}{{ i.name }}{% unless forloop.last %},{% endunless %}{% endfor %}", "1a,2b,3c"),
        ("{% for i in (1..3) reversed %}{{ i }}{% endfor %}", "321"),
        ("{% for i in (1..10) limit: 2 offset: 3 %}{{ i }}{% endfor %}", "45"),
        ("{% for i in empty_list %}x{% else %}none{% endfor %}", "none"),
        ("{% if n > 1 and name == 'Anna' %}yes{% elsif n == 1 %}one{% else %}no{% endif %}", "yes"),
        ("{% unless n == 2 %}x{% else %}two{% endunless %}", "two"),
        ("{% case n %}{% when 1 %}one{% when 2, 3 %}few{% else %}many{% endcase %}", "few"),
        ("{% assign x = name %}{% capture y %}<{{ x }}>{% endcapture %}{{ y }}", "<Anna>"),
        ("{% increment c %}{% increment c %}{% decrement d %}", "01-1"),
        ("{% cycle 'a', 'b' %}{% cycle 'a', 'b' %}{% cycle 'a', 'b' %}", "aba"),
        ("{%- if true -%}  x  {%- endif -%}", "x"),
        ("{% raw %}{{ not rendered }}{% endraw %}", "{{ not rendered }}"),
        ("{% comment %}{% if %}{% endcomment %}ok", "ok"),
        ("{% liquid\nassign a = 2\necho a\n%}", "2"),
        ("{{ 1.0 }} {{ 0.5 }} {{ -3 }}", "1.0 0.5 -3"),
        ("{% for i in (1..5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", "12"),
        ("{% for i in (1..4) %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% endfor %}", "134"),
        ("{% if name contains 'nn' %}y{% endif %}{% if order.items contains 'x' %}n{% endif %}", "y"),
        ("{% if empty_list == empty %}e{% endif %}{% if blank_text == blank %}b{% endif %}", "eb"),
    ])
    func renders(_ source: String, _ expected: String) throws {
        let data: Value = [
            "name": "Anna", "n": 2, "empty_list": [], "blank_text": "  ",
            "order": ["items": [["name": "a"], ["name": "b"], ["name": "c"]]],
        ]
        #expect(try render(source, data) == expected)
    }

    @Test func htmlEscapingAppliesToValuesNotText() throws {
        let html = RenderOptions(escaping: .html)
        #expect(try render("<b>{{ x }}</b>", ["x": "<a href=\"x\">&'"], options: html) == "<b>&lt;a href=&quot;x&quot;&gt;&amp;&#39;</b>")
        #expect(try render("<b>{{ x }}</b>", ["x": "<i>"]) == "<b><i></b>")
    }

    @Test func assignmentsInLoopsAreSeenByLaterIterations() throws {
        #expect(try render("{% for i in (1..3) %}{{ last }}{% assign last = i %}{% endfor %}") == "12")
    }

    @Test func renderIsolatesAndIncludeShares() throws {
        let partials = ["p": "{{ v }}{% assign w = 'set' %}"]
        #expect(try render("{% assign v = 1 %}{% render 'p' %}[{{ w }}]", partials: partials) == "[]")
        #expect(try render("{% assign v = 1 %}{% include 'p' %}[{{ w }}]", partials: partials) == "1[set]")
        #expect(try render("{% render 'p', v: 'arg' %}", partials: partials) == "arg")
        #expect(try render("{% assign n = 'p' %}{% assign v = 2 %}{% include n %}{{ w }}", partials: partials) == "2set")
    }

    @Test func compiledTemplateRendersConcurrently() async throws {
        let template = try Template(source: "{% for i in (1..50) %}{{ i }}{% endfor %}{{ who }}")
        let expected = (1...50).map(String.init).joined()
        try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<32 {
                group.addTask { try template.render(["who": .int(n)]) }
            }
            var seen = Set<String>()
            for try await output in group {
                #expect(output.hasPrefix(expected))
                seen.insert(output)
            }
            #expect(seen.count == 32)
        }
    }
}

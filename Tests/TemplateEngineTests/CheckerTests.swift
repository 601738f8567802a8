import Testing
@testable import TemplateEngine

private let schema = try! Schema(json: """
    {"type": "object", "required": ["order", "payer"], "properties": {
      "order": {"type": "object", "required": ["number", "amount", "items"], "properties": {
        "number": {"type": "string"},
        "amount": {"type": "integer", "format": "money"},
        "note": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {
          "name": {"type": "string"}, "sku": {"type": "string"}}}}}},
      "payer": {"type": "object", "properties": {"name": {"type": "string"}}}}}
    """)

private func check(_ source: String, partials: [String: String] = [:]) -> CheckReport {
    Template.check(source: source, name: "t.liquid", schema: schema, library: InMemoryTemplateLibrary(partials))
}

private func lines(_ source: String, partials: [String: String] = [:]) -> [String] {
    check(source, partials: partials).diagnostics.map { "\($0.line):\($0.column) \($0.severity.rawValue) \($0.code): \($0.message)" }
}

@Suite struct CheckerTests {
    @Test func cleanTemplateHasNoDiagnosticsAndListsItsVariables() {
        let report = check("{{ order.number }}: {{ order.amount | money }}{% for i in order.items %}{{ i.name }}{% endfor %}")
        #expect(report.diagnostics == [])
        #expect(report.variables == ["order.amount", "order.items", "order.items[].name", "order.number"])
    }

    @Test func unknownVariablesAndPropertiesSuggestTheNearestName() {
        #expect(lines("{{ ordr.number }}") == ["1:4 error unknown-variable: unknown variable 'ordr' (did you mean 'order'?)"])
        #expect(lines("\n  {{ order.numbr }}") == ["2:12 error unknown-property: 'order' has no property 'numbr' (did you mean 'number'?)"])
        #expect(lines("{% for i in order.items %}{{ i.nme }}{% endfor %}")
                == ["1:32 error unknown-property: 'order.items[]' has no property 'nme' (did you mean 'name'?)"])
    }

    @Test func localsAndLoopVariablesAreKnown() {
        #expect(lines("{% assign n = order.number %}{% capture c %}x{% endcapture %}{{ n }}{{ c }}{% for x in (1..3) %}{{ x }}{{ forloop.index }}{% endfor %}") == [])
    }

    @Test func filterProblems() {
        #expect(lines("{{ order.number | money }}")
                == ["1:19 error type-mismatch: filter 'money' expects an amount in integer kopecks, but 'order.number' is a string"])
        #expect(lines("{{ order.number | upcse }}") == ["1:19 error unknown-filter: unknown filter 'upcse' (did you mean 'upcase'?)"])
        #expect(lines("{{ order.amount | plural: 'a' }}") == ["1:19 error filter-arguments: filter 'plural' takes 3 arguments, not 1"])
    }

    @Test func loopingOverANonListIsAnError() {
        #expect(lines("{% for x in order.amount %}{% endfor %}")
                == ["1:13 error type-mismatch: cannot loop over 'order.amount', which is an integer, not a list"])
    }

    @Test func optionalValuesNeedAGuardOrADefault() {
        #expect(lines("{{ payer.name }}")
                == ["1:4 warning optional-unguarded: 'payer.name' may be missing; write it inside {% if payer.name %} or give it a default: {{ payer.name | default: \"…\" }}"])
        #expect(lines("{% if payer.name %}{{ payer.name | capitalize }}{% endif %}") == [])
        #expect(lines("{{ payer.name | default: 'клиент' }}") == [])
        #expect(lines("{% unless order.note %}-{% else %}{{ order.note }}{% endunless %}") == [])
        #expect(lines("{% if order.note != blank and payer.name %}{{ order.note }}{{ payer.name }}{% endif %}") == [])
        #expect(lines("{% for i in order.items %}{% if i.sku %}{{ i.sku }}{% endif %}{% endfor %}") == [])
        #expect(lines("{% for i in order.items %}{{ i.sku }}{% endfor %}").count == 1)
    }

    @Test func guardsOnAParentDoNotCoverItsOptionalChildren() {
        #expect(lines("{% if payer %}{{ payer.name }}{% endif %}").count == 1)
        #expect(lines("{% if payer.name %}{{ payer }}{% endif %}") == [])
        #expect(lines("{% assign n = payer.name %}{{ n }}").first?.contains("'n' may be missing") == true)
        #expect(lines("{% assign n = payer.name %}{% if n %}{{ n }}{% endif %}") == [])
    }

    @Test func arithmeticKeepsIntegersIntegers() {
        #expect(lines("{{ order.amount | divided_by: 100 | money }}") == [])
        #expect(lines("{{ order.amount | times: 2 | plus: 1 | money }}") == [])
        #expect(lines("{{ order.amount | times: 1.5 | money }}").first?.contains("type-mismatch") == true)
    }

    @Test func partialsAreCheckedAndMissingOnesReported() {
        #expect(lines("{% render 'nope' %}") == ["1:11 error missing-partial: partial 'nope' does not exist"])
        let report = check("{% render 'line', item: order.items.first %}", partials: ["line": "{{ item.name }}{{ item.nope }}"])
        #expect(report.diagnostics.map(\.description) == ["line:1:24: error: 'item' has no property 'nope'"])
        #expect(report.variables.contains("order.items[].name"))
        #expect(lines("{% include 'p' %}", partials: ["p": "{{ order.number }}"]) == [])
    }

    @Test func syntaxErrorsBecomeOneDiagnostic() {
        #expect(lines("{% if order.number %}") == ["1:1 error syntax: 'if' tag was never closed; expected '{% endif %}'"])
    }
}

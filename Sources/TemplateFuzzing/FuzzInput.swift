import TemplateEngine

/// One fuzz input through every stage a partner's template meets: parsing, checking against a
/// schema, compiling and rendering. The input is a template, optionally followed by a NUL byte and
/// JSON data. Any outcome but a crash, a hang or runaway memory is fine: errors are expected.
public func fuzzTemplate(_ input: UnsafeRawBufferPointer) {
    let bytes = Array(input)
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let templateBytes = Array(bytes[..<split])
    let dataBytes = split < bytes.count ? Array(bytes[(split + 1)...]) : []
    var limits = TemplateLimits()
    limits.maxLoopIterations = 2_000
    limits.maxOutputBytes = 64 * 1024
    limits.maxStringBytes = 64 * 1024
    limits.renderDeadlineMilliseconds = 200
    let data = (try? Value(jsonBytes: dataBytes)) ?? fuzzSampleData
    if let source = String(validating: templateBytes, as: UTF8.self) {
        _ = Template.check(source: source, name: "fuzz", schema: fuzzSchema, library: fuzzLibrary, limits: limits)
    }
    guard let template = try? Template(bytes: templateBytes, name: "fuzz", library: fuzzLibrary, limits: limits) else { return }
    _ = try? template.render(data, options: RenderOptions(limits: limits))
    _ = try? template.render(data, options: RenderOptions(escaping: .html, locale: "ru", limits: limits))
}

let fuzzLibrary = InMemoryTemplateLibrary([
    "p": "{{ order.number }}{% include 'p' %}",
    "q": "{% for i in order.items %}{{ i.name | upcase }}{% endfor %}",
    "layout": "<h1>{% block title %}t{% endblock %}</h1>{% block body %}{% endblock %}",
])

let fuzzSchema = (try? Schema(json: """
    {"type": "object", "required": ["order"], "properties": {
      "order": {"type": "object", "required": ["number", "items"], "properties": {
        "number": {"type": "string"}, "amount": {"type": "integer", "format": "money"},
        "items": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "qty": {"type": "integer"}}}}}},
      "payer": {"type": "object", "properties": {"name": {"type": "string"}}}}}
    """)) ?? Schema(kind: .any)

let fuzzSampleData: Value = [
    "order": ["number": "R-1", "amount": 12345, "items": [["name": "a", "qty": 1], ["name": "<b>", "qty": 3]]],
    "payer": ["name": "Анна"],
]

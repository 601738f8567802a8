// Our engine, through its public API only. This is the one file that imports TemplateEngine, so
// that its type names (`Template`, `Value`, ...) never meet Stencil's or the fixture's.
import TemplateEngine

/// The `kassa` and `kassa-escaped` engines: one template parsed once, rendered from one `Value`.
struct KassaEngine {
    let template: Template
    let data: Value

    init(source: String, json: String) throws {
        data = try Value(json: json)
        template = try Template(source: source, name: "notification")
    }

    func render() throws -> String { try template.render(data) }

    func renderEscaped() throws -> String { try template.render(data, options: RenderOptions(escaping: .html)) }

    /// Parse + compile of the source, as a caller pays it once per template.
    static func parse(_ source: String) throws -> Any { try Template(source: source, name: "notification") }
}

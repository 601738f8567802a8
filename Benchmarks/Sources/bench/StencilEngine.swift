// stencilproject/Stencil 0.15.1: no escaping at all; data as `[String: Any]` from JSONSerialization.
// `Template(templateString:)` only lexes; `render` runs the token parser again on every call, so a
// Stencil render includes part of its parse cost.
import Stencil

struct StencilEngine {
    let template: Template
    let data: [String: Any]

    init(source: String, data: [String: Any]) {
        template = Template(templateString: source, environment: Environment(), name: "notification")
        self.data = data
    }

    func render() throws -> String { try template.render(data) }

    /// Lexing plus token parsing into nodes: everything before rendering nodes.
    static func parse(_ source: String) throws -> Any {
        let environment = Environment()
        let t = Template(templateString: source, environment: environment, name: "notification")
        return try TokenParser(tokens: t.tokens, environment: environment).parse()
    }

    /// Lexing only: what `Template(templateString:)` does once.
    static func lex(_ source: String) -> Any {
        Template(templateString: source, environment: Environment(), name: "notification")
    }
}

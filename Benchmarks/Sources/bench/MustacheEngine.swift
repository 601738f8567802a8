// hummingbird-project/swift-mustache 2.1.1: HTML-escapes by default; data as `[String: Any]` from
// JSONSerialization (its fast path: dictionary lookups, no Mirror).
import Mustache

struct MustacheEngine {
    let template: MustacheTemplate
    let data: [String: Any]

    init(source: String, data: [String: Any]) throws {
        template = try MustacheTemplate(string: source)
        self.data = data
    }

    func render() -> String { template.render(data) }

    static func parse(_ source: String) throws -> Any { try MustacheTemplate(string: source) }
}

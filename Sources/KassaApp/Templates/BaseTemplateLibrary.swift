import Channels
import Foundation
import TemplateEngine

/// The default templates of `BaseTemplates/`: loaded and checked when the service starts, always
/// approved, and the fallback for every event and channel that a partner has no approved template for.
struct BaseTemplateLibrary: Sendable {
    struct Entry: Sendable {
        let event: String
        let channel: ChannelKind
        let compiled: TemplateFolder.Channel
        /// The parts' sources as written (`subject`, `html`, `text`; or `body`), partials not inlined.
        let content: [String: String]

        var json: Value {
            ["event": .string(event), "channel": .string(channel.rawValue),
             "content": .object(ValueObject(content.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]
        }
    }

    /// Why the library cannot serve: every finding, each naming its file, line and column.
    struct LoadError: Error, CustomStringConvertible {
        let findings: [String]
        var description: String { "the base templates have errors:\n" + findings.joined(separator: "\n") }
    }

    let entries: [Entry]

    /// Loads every event of the catalogue on every channel from `directory`; each must pass the
    /// checker without errors and compose with its event's sample data.
    init(directory: URL) throws {
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw LoadError(findings: ["\(directory.path): no base template folder here"])
        }
        let library = DirectoryTemplateLibrary(directory: directory.appendingPathComponent("_partials"))
        var entries: [Entry] = []
        var findings: [String] = []
        for event in EventCatalog.all {
            let folder = directory.appendingPathComponent(event.name)
            for kind in ChannelKind.allCases {
                var check = TemplateCheck(schema: event.schema, library: library)
                let parts: [(String, URL)]
                if kind == .email {
                    let email = folder.appendingPathComponent("email")
                    try check.checkEmail(folder: email)
                    parts = ["subject", "html", "text"].map { ($0, email.appendingPathComponent("\($0).liquid")) }
                } else {
                    let file = folder.appendingPathComponent("\(kind.rawValue).liquid")
                    try check.checkMessage(file: file, channel: kind)
                    parts = [("body", file)]
                }
                if !check.hasErrors { check.preview(sample: event.sample, maxParts: Int.max) }
                findings += check.diagnostics.filter { $0.severity == .error }.map(\.description)
                guard !check.hasErrors, let compiled = check.channel else { continue }
                var content: [String: String] = [:]
                for (part, url) in parts {
                    if let text = try? String(contentsOf: url, encoding: .utf8) { content[part] = text }
                }
                entries.append(Entry(event: event.name, channel: kind, compiled: compiled, content: content))
            }
        }
        guard findings.isEmpty else { throw LoadError(findings: findings) }
        self.entries = entries
    }

    func entry(event: String, channel: ChannelKind) -> Entry? {
        entries.first { $0.event == event && $0.channel == channel }
    }
}

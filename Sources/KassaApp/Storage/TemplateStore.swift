import Channels
import Foundation
import TemplateEngine

/// A partner's template: its event, channel and name, and its numbered versions.
struct TemplateRecord: Sendable, Equatable {
    struct Version: Sendable, Equatable {
        let number: Int
        let state: TemplateModeration.VersionState
        /// The parts: `subject`, `html`, `text` for e-mail; `body` for the other channels.
        let content: [String: String]
    }

    let id: String
    let partnerID: String
    let event: String
    let channel: ChannelKind
    let name: String
    let createdAt: String
    let versions: [Version]

    var json: Value {
        ["id": .string(id), "event": .string(event), "channel": .string(channel.rawValue), "name": .string(name),
         "created_at": .string(createdAt),
         "versions": .array(versions.map { v in
             ["number": .int(v.number), "state": .string(v.state.rawValue),
              "content": .object(ValueObject(v.content.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))]
         })]
    }
}

extension SQLiteStore {
    /// Creates a template with its first draft; the caller has checked the content.
    func createTemplate(partnerID: String, event: String, channel: ChannelKind, name: String,
                        content: [String: String]) throws -> TemplateRecord {
        let id = try Self.newID("tpl")
        let now = StoredTime.text(clock.now())
        try database.transaction { tx in
            try tx.query("INSERT INTO templates (id, partner_id, event, channel, name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         [.text(id), .text(partnerID), .text(event), .text(channel.rawValue), .text(name), .text(now)])
            try tx.query("INSERT INTO template_versions (template_id, number, state, content, created_at) VALUES (?, 1, 'draft', ?, ?)",
                         [.text(id), .text(Value.object(ValueObject(content.map { ($0.key, .string($0.value)) })).jsonString), .text(now)])
        }
        guard let record = try template(id: id, partnerID: partnerID) else { throw StoreError.notFound("template '\(id)'") }
        return record
    }

    /// The partner's templates, oldest first. Another partner's templates are never returned.
    func templates(partnerID: String) throws -> [TemplateRecord] {
        try database.query("SELECT id FROM templates WHERE partner_id = ? ORDER BY created_at, rowid", [.text(partnerID)])
            .compactMap { $0["id"].text }
            .compactMap { try template(id: $0, partnerID: partnerID) }
    }

    /// One template of this partner, or nil (also when it belongs to someone else).
    func template(id: String, partnerID: String) throws -> TemplateRecord? {
        guard let row = try database.query("SELECT id, partner_id, event, channel, name, created_at FROM templates WHERE id = ? AND partner_id = ?",
                                           [.text(id), .text(partnerID)]).first,
              let channel = row["channel"].text.flatMap(ChannelKind.init(rawValue:))
        else { return nil }
        let versions = try database.query("SELECT number, state, content FROM template_versions WHERE template_id = ? ORDER BY number",
                                          [.text(id)]).map { v -> TemplateRecord.Version in
            var content: [String: String] = [:]
            if let text = v["content"].text, case .object(let o)? = try? Value(json: text) {
                for (key, value) in o.pairs { content[key] = value.stringValue }
            }
            return TemplateRecord.Version(number: Int(v["number"].integer ?? 0),
                                          state: v["state"].text.flatMap(TemplateModeration.VersionState.init(rawValue:)) ?? .draft,
                                          content: content)
        }
        return TemplateRecord(id: id, partnerID: partnerID, event: row["event"].text ?? "", channel: channel,
                              name: row["name"].text ?? "", createdAt: row["created_at"].text ?? "", versions: versions)
    }
}

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
    let registration: TemplateModeration.Registration

    /// The moderation state machine of this template.
    var moderation: TemplateModeration {
        TemplateModeration(channel: channel, versions: versions.map { TemplateModeration.Version(number: $0.number, state: $0.state) },
                           registration: registration)
    }

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
            try tx.query("INSERT INTO templates (id, partner_id, event, channel, name, created_at, registration) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [.text(id), .text(partnerID), .text(event), .text(channel.rawValue), .text(name), .text(now),
                          .text(TemplateModeration(channel: channel).registration.rawValue)])
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
        guard let row = try database.query("SELECT id, partner_id, event, channel, name, created_at, registration FROM templates WHERE id = ? AND partner_id = ?",
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
                              name: row["name"].text ?? "", createdAt: row["created_at"].text ?? "", versions: versions,
                              registration: row["registration"].text.flatMap(TemplateModeration.Registration.init(rawValue:)) ?? .notNeeded)
    }

    /// Carries out what a moderation transition decided, for template `record`, in one transaction.
    func apply(_ actions: [TemplateModeration.Action], to record: TemplateRecord, machine: TemplateModeration,
               content: [String: String]?, actor: String) throws {
        let now = StoredTime.text(clock.now())
        try database.transaction { tx in
            for action in actions {
                switch action {
                case .storeDraft(let number):
                    let json = Value.object(ValueObject((content ?? [:]).map { ($0.key, .string($0.value)) })).jsonString
                    if record.versions.contains(where: { $0.number == number }) {
                        try tx.query("UPDATE template_versions SET content = ? WHERE template_id = ? AND number = ? AND state = 'draft'",
                                     [.text(json), .text(record.id), .integer(Int64(number))])
                    } else {
                        try tx.query("INSERT INTO template_versions (template_id, number, state, content, created_at) VALUES (?, ?, 'draft', ?, ?)",
                                     [.text(record.id), .integer(Int64(number)), .text(json), .text(now)])
                    }
                case .audit(let message):
                    try tx.query("INSERT INTO audit_log (at, actor, template_id, message) VALUES (?, ?, ?, ?)",
                                 [.text(now), .text(actor), .text(record.id), .text(message)])
                case .notifyRejection(let number, let rejection):
                    try tx.query("UPDATE template_versions SET reject_code = ?, reject_reason = ? WHERE template_id = ? AND number = ?",
                                 [.text(rejection.code), .text(rejection.reason), .text(record.id), .integer(Int64(number))])
                case .enqueueForReview, .startServing, .requestRegistration:
                    // The queue is the submitted versions; serving is the newest approved one; the
                    // notifications come with the dispatcher. The states below are what they read.
                    break
                }
            }
            for version in machine.versions {
                try tx.query("UPDATE template_versions SET state = ? WHERE template_id = ? AND number = ?",
                             [.text(version.state.rawValue), .text(record.id), .integer(Int64(version.number))])
            }
            try tx.query("UPDATE templates SET registration = ? WHERE id = ?", [.text(machine.registration.rawValue), .text(record.id)])
        }
    }

    /// Submitted versions waiting for a moderator, oldest first, across all partners (moderators only).
    func moderationQueue() throws -> [(record: TemplateRecord, number: Int)] {
        let sql = "SELECT t.id AS id, t.partner_id AS partner_id, v.number AS number FROM template_versions v "
            + "JOIN templates t ON t.id = v.template_id WHERE v.state = 'submitted' ORDER BY v.created_at, t.rowid"
        return try database.query(sql).compactMap { row in
            guard let id = row["id"].text, let partner = row["partner_id"].text, let number = row["number"].integer,
                  let record = try template(id: id, partnerID: partner)
            else { return nil }
            return (record, Int(number))
        }
    }

    /// A template by id whoever owns it (moderators only).
    func templateForModeration(id: String) throws -> TemplateRecord? {
        guard let partner = try database.query("SELECT partner_id FROM templates WHERE id = ?", [.text(id)]).first?["partner_id"].text else {
            return nil
        }
        return try template(id: id, partnerID: partner)
    }

    /// The audit log of a template, oldest first.
    func audit(templateID: String) throws -> [String] {
        try database.query("SELECT actor, message FROM audit_log WHERE template_id = ? ORDER BY id", [.text(templateID)])
            .map { "\($0["actor"].text ?? ""): \($0["message"].text ?? "")" }
    }
}

import Channels
import Foundation
import TemplateEngine

extension SQLiteStore: TemplateStore {
    func createTemplate(partnerID: String, event: String, channel: ChannelKind, name: String,
                        content: [String: String]) throws -> TemplateRecord {
        let id = try Self.newID("tpl", at: clock.now())
        let now = StoredTime.text(clock.now())
        defer { templateLists.forget(partnerID) }
        try database.transaction { tx in
            let taken = try tx.query("SELECT 1 AS taken FROM templates WHERE partner_id = ? AND event = ? AND channel = ? AND name = ?",
                                     [.text(partnerID), .text(event), .text(channel.rawValue), .text(name)])
            guard taken.isEmpty else { throw StoreError.duplicate("a \(channel.displayName) template named '\(name)' for \(event)") }
            try tx.query("INSERT INTO templates (id, partner_id, event, channel, name, created_at, registration) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [.text(id), .text(partnerID), .text(event), .text(channel.rawValue), .text(name), .text(now),
                          .text(TemplateModeration(channel: channel).registration.rawValue)])
            try tx.query("INSERT INTO template_versions (template_id, number, state, content, created_at) VALUES (?, 1, 'draft', ?, ?)",
                         [.text(id), .text(Self.contentJSON(content)), .text(now)])
            try tx.query("INSERT INTO audit_log (at, actor, template_id, message) VALUES (?, ?, ?, ?)",
                         [.text(now), .text(partnerID), .text(id), .text("template created with draft 1")])
        }
        guard let record = try template(id: id, partnerID: partnerID) else { throw StoreError.notFound("template '\(id)'") }
        return record
    }

    func templates(partnerID: String) throws -> [TemplateRecord] {
        try templateLists.value(for: partnerID, now: clock.now()) {
            try database.query("SELECT id FROM templates WHERE partner_id = ? ORDER BY created_at, rowid", [.text(partnerID)])
                .compactMap { $0["id"].text }
                .compactMap { try template(id: $0, partnerID: partnerID) }
        }
    }

    func template(id: String, partnerID: String) throws -> TemplateRecord? {
        let sql = "SELECT t.id AS id, t.event AS event, t.channel AS channel, t.name AS name, t.created_at AS created_at, "
            + "t.registration AS registration, t.provider_template_id AS provider_template_id, d.template_id AS default_id FROM templates t "
            + "LEFT JOIN template_defaults d ON d.partner_id = t.partner_id AND d.event = t.event AND d.channel = t.channel "
            + "WHERE t.id = ? AND t.partner_id = ?"
        guard let row = try database.query(sql, [.text(id), .text(partnerID)]).first,
              let channel = row["channel"].text.flatMap(ChannelKind.init(rawValue:))
        else { return nil }
        let versions = try database.query("SELECT number, state, content, reject_code, reject_reason FROM template_versions WHERE template_id = ? ORDER BY number",
                                          [.text(id)]).map { v -> TemplateRecord.Version in
            var content: [String: String] = [:]
            if let text = v["content"].text, case .object(let o)? = try? Value(json: text) {
                for (key, value) in o.pairs { content[key] = value.stringValue }
            }
            let rejection = v["reject_code"].text.map { TemplateModeration.Rejection(code: $0, reason: v["reject_reason"].text ?? "") }
            return TemplateRecord.Version(number: Int(v["number"].integer ?? 0),
                                          state: v["state"].text.flatMap(TemplateModeration.VersionState.init(rawValue:)) ?? .draft,
                                          content: content, rejection: rejection)
        }
        return TemplateRecord(id: id, partnerID: partnerID, event: row["event"].text ?? "", channel: channel,
                              name: row["name"].text ?? "", createdAt: row["created_at"].text ?? "", versions: versions,
                              registration: row["registration"].text.flatMap(TemplateModeration.Registration.init(rawValue:)) ?? .notNeeded,
                              isDefault: row["default_id"].text == id, providerTemplateID: row["provider_template_id"].text)
    }

    func apply(_ actions: [TemplateModeration.Action], to record: TemplateRecord, machine: TemplateModeration,
               content: [String: String]?, actor: String) throws {
        let now = StoredTime.text(clock.now())
        defer { templateLists.forget(record.partnerID) }
        try database.transaction { tx in
            for action in actions {
                switch action {
                case .storeDraft(let number):
                    let json = Self.contentJSON(content ?? [:])
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

    func setDefault(partnerID: String, event: String, channel: ChannelKind, templateID: String?, actor: String) throws {
        let now = StoredTime.text(clock.now())
        defer { templateLists.forget(partnerID) }
        try database.transaction { tx in
            let previous = try tx.query("SELECT template_id FROM template_defaults WHERE partner_id = ? AND event = ? AND channel = ?",
                                        [.text(partnerID), .text(event), .text(channel.rawValue)]).first?["template_id"].text
            guard previous != templateID else { return }
            try tx.query("DELETE FROM template_defaults WHERE partner_id = ? AND event = ? AND channel = ?",
                         [.text(partnerID), .text(event), .text(channel.rawValue)])
            if let previous {
                try tx.query("INSERT INTO audit_log (at, actor, template_id, message) VALUES (?, ?, ?, ?)",
                             [.text(now), .text(actor), .text(previous), .text("no longer the default")])
            }
            if let templateID {
                try tx.query("INSERT INTO template_defaults (partner_id, event, channel, template_id) VALUES (?, ?, ?, ?)",
                             [.text(partnerID), .text(event), .text(channel.rawValue), .text(templateID)])
                try tx.query("INSERT INTO audit_log (at, actor, template_id, message) VALUES (?, ?, ?, ?)",
                             [.text(now), .text(actor), .text(templateID), .text("made the default for \(event) by \(channel.rawValue)")])
            }
        }
    }

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

    func templateForModeration(id: String) throws -> TemplateRecord? {
        guard let partner = try database.query("SELECT partner_id FROM templates WHERE id = ?", [.text(id)]).first?["partner_id"].text else {
            return nil
        }
        return try template(id: id, partnerID: partner)
    }

    func audit(templateID: String) throws -> [AuditEntry] {
        try database.query("SELECT at, actor, message FROM audit_log WHERE template_id = ? ORDER BY id", [.text(templateID)])
            .map { AuditEntry(at: $0["at"].text ?? "", actor: $0["actor"].text ?? "", message: $0["message"].text ?? "") }
    }

    private static func contentJSON(_ content: [String: String]) -> String {
        Value.object(ValueObject(content.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })).jsonString
    }

    func setProviderTemplateID(_ value: String?, templateID: String, actor: String) throws {
        let now = StoredTime.text(clock.now())
        // The template's partner is not at hand; such changes are rare.
        defer { templateLists.forgetAll() }
        try database.transaction { tx in
            try tx.query("UPDATE templates SET provider_template_id = ? WHERE id = ?", [value.map { .text($0) } ?? .null, .text(templateID)])
            try tx.query("INSERT INTO audit_log (at, actor, template_id, message) VALUES (?, ?, ?, ?)",
                         [.text(now), .text(actor), .text(templateID), .text("provider template id set to \(value ?? "none")")])
        }
    }
}

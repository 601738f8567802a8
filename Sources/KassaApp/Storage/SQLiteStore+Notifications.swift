import Synchronization
import Channels
import Foundation
import TemplateEngine

extension SQLiteStore: NotificationStore {
    func linkHosts(partnerID: String) throws -> [String] {
        try linkHostLists.value(for: partnerID, now: clock.now()) {
            try database.query("SELECT host FROM partner_hosts WHERE partner_id = ? ORDER BY host", [.text(partnerID)]).compactMap { $0["host"].text }
        }
    }

    func addLinkHost(_ host: String, partnerID: String) throws {
        defer { linkHostLists.forget(partnerID) }
        try database.query("INSERT OR IGNORE INTO partner_hosts (partner_id, host, created_at) VALUES (?, ?, ?)",
                           [.text(partnerID), .text(host), .text(StoredTime.text(clock.now()))])
    }

    func removeLinkHost(_ host: String, partnerID: String) throws -> Bool {
        defer { linkHostLists.forget(partnerID) }
        return try database.transaction { tx in
            let found = try !tx.query("SELECT 1 FROM partner_hosts WHERE partner_id = ? AND host = ?", [.text(partnerID), .text(host)]).isEmpty
            try tx.query("DELETE FROM partner_hosts WHERE partner_id = ? AND host = ?", [.text(partnerID), .text(host)])
            return found
        }
    }

    func acceptedEvent(id: String, partnerID: String) throws -> (hash: [UInt8], answer: String)? {
        guard let row = try database.query("SELECT request_hash, answer FROM events WHERE partner_id = ? AND id = ?",
                                           [.text(partnerID), .text(id)]).first
        else { return nil }
        return (row["request_hash"].blob ?? [], row["answer"].text ?? "")
    }

    func accept(_ event: EventSubmission, hash: [UInt8], body: String, answer: String,
                notifications: [PlannedNotification], idempotency: IdempotentRequest?, now: Date) async throws -> (answer: String, repeated: Bool, webhooksQueued: Bool) {
        let at = StoredTime.text(now)
        // Kept before the commit, so that the dispatcher finds them however soon it claims.
        recentMessages.keep(notifications)
        let result: (answer: String, repeated: Bool, webhooksQueued: Bool)
        do {
            result = try await database.write { tx in
                func storeUnderKey(_ answer: String) throws {
                    guard let idempotency else { return }
                    try Self.storeIdempotentAnswer(idempotency, status: 202, contentType: "application/json", body: Array(answer.utf8), now: now, in: tx)
                }
                // A repeated id inserts nothing, and only then is the earlier event read.
                let inserted = try tx.query("""
                    INSERT INTO events (partner_id, id, type, order_id, sandbox, request_hash, body, answer, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (partner_id, id) DO NOTHING RETURNING 1 AS inserted
                    """, [.text(event.partnerID), .text(event.id), .text(event.type.name), .text(event.orderID), .integer(event.sandbox ? 1 : 0),
                          .blob(hash), .text(body), .text(answer), .text(at)])
                if inserted.isEmpty, let row = try tx.query("SELECT request_hash, answer FROM events WHERE partner_id = ? AND id = ?",
                                                            [.text(event.partnerID), .text(event.id)]).first {
                    guard row["request_hash"].blob == hash else { throw StoreError.duplicate("event '\(event.id)'") }
                    let earlier = row["answer"].text ?? ""
                    try storeUnderKey(earlier)
                    return (earlier, true, false)
                }
                try storeUnderKey(answer)
                var webhooksQueued = false
                for n in notifications {
                    try tx.query("INSERT INTO notifications (id, partner_id, event_id, event_type, order_id, sandbox, status, channel, cascade, next_action, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 [.text(n.id), .text(event.partnerID), .text(event.id), .text(event.type.name), .text(event.orderID),
                                  .integer(event.sandbox ? 1 : 0), .text(Self.status(of: n.firstAction)), .text(n.cascade.channel?.rawValue ?? ""),
                                  .text(try Self.cascades.text(of: n.cascade)), .text(try Self.actions.text(of: n.firstAction)), .text(at), .text(at)])
                    for m in n.messages {
                        try tx.query("INSERT INTO notification_messages (notification_id, channel, recipient, template, subject, html, text, provider_template_id, provider_template_values, sender_name, reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                     [.text(n.id), .text(m.channel.rawValue), .text(m.recipient), .text(m.template), Self.optional(m.subject),
                                      Self.optional(m.html), .text(m.text), Self.optional(m.providerTemplateID),
                                      m.providerTemplateValues.isEmpty ? .null : .text(Value.array(m.providerTemplateValues.map { .string($0) }).jsonString),
                                      Self.optional(m.senderName),
                                      Self.optional(m.replyTo)])
                    }
                    try tx.query("INSERT INTO outbox (notification_id, due_at) VALUES (?, ?)", [.text(n.id), .text(at)])
                    if try Self.enqueueWebhooks(for: NotificationStatusChange(n, of: event, status: Self.status(of: n.firstAction)), at: now, in: tx) {
                        webhooksQueued = true
                    }
                }
                return (answer, false, webhooksQueued)
            }
        } catch {
            recentMessages.forget(notifications)
            throw error
        }
        if result.repeated { recentMessages.forget(notifications) }
        return result
    }

    func claimDue(now: Date, leaseUntil: Date, limit: Int, owner: String) async throws -> [String] {
        let at = StoredTime.text(now)
        return try await database.write { tx in try tx.query("""
            UPDATE outbox SET lease_until = ?, lease_owner = ? WHERE notification_id IN (
                SELECT notification_id FROM outbox WHERE due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                ORDER BY due_at LIMIT ?)
            RETURNING notification_id
            """, [.text(StoredTime.text(leaseUntil)), .text(owner), .text(at), .text(at), .integer(Int64(limit))]).compactMap { $0["notification_id"].text } }
    }

    func releaseLeases(owner: String) throws -> Int {
        try database.query("UPDATE outbox SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = ? AND lease_until IS NOT NULL RETURNING notification_id",
                           [.text(owner)]).count
    }

    func dispatchRecord(id: String) throws -> DispatchRecord? {
        try dispatchRecords(ids: [id]).first
    }

    /// The records and their messages in two statements, whatever the number of ids (passed as one
    /// JSON array, so that the statement's text stays the same).
    func dispatchRecords(ids: [String]) throws -> [DispatchRecord] {
        guard !ids.isEmpty else { return [] }
        let list = Self.jsonList(ids)
        // Those this process has just accepted are at hand; only the others' are read.
        var messages = recentMessages.take(ids)
        let missing = messages.count == ids.count ? [] : ids.filter { messages[$0] == nil }
        return try database.read { tx in
            if !missing.isEmpty {
                messages.merge(try Self.messages(ofJSONList: Self.jsonList(missing), in: tx)) { kept, _ in kept }
            }
            let rows = try tx.query("SELECT id, partner_id, event_type, sandbox, cascade, next_action, created_at FROM notifications WHERE id IN (SELECT value FROM json_each(?))",
                                    [list])
            var records: [String: DispatchRecord] = [:]
            for row in rows {
                guard let id = row["id"].text, let cascadeText = row["cascade"].text, let actionText = row["next_action"].text else { continue }
                records[id] = DispatchRecord(id: id, partnerID: row["partner_id"].text ?? "", eventType: row["event_type"].text ?? "",
                                             sandbox: row["sandbox"].integer == 1,
                                             createdAt: StoredTime.date(row["created_at"].text ?? "") ?? Date(),
                                             cascade: try Self.cascades.value(of: cascadeText), nextAction: try Self.actions.value(of: actionText),
                                             messages: messages[id] ?? [])
            }
            // In the order asked for.
            return ids.compactMap { records[$0] }
        }
    }

    /// Ids as one JSON array, for `IN (SELECT value FROM json_each(?))`: one statement text for any count.
    private static func jsonList(_ ids: [String]) -> SQLValue {
        .text(Value.array(ids.map { .string($0) }).jsonString)
    }

    /// The messages of the notifications in `list` (a JSON array of ids), each one's in its order.
    /// Sorted by rowid here rather than by `ORDER BY rowid`, for which SQLite copied every row,
    /// rendered HTML and all, into a temporary B-tree.
    private static func messages(ofJSONList list: SQLValue, in tx: SQLiteDatabase.Transaction) throws -> [String: [RenderedMessage]] {
        var messages: [String: [(rowid: Int64, message: RenderedMessage)]] = [:]
        for m in try tx.query("SELECT rowid, notification_id, channel, recipient, template, subject, html, text, provider_template_id, provider_template_values, sender_name, reply_to FROM notification_messages WHERE notification_id IN (SELECT value FROM json_each(?))",
                              [list]) {
            guard let id = m["notification_id"].text, let channel = m["channel"].text.flatMap(ChannelKind.init(rawValue:)) else { continue }
            let message = RenderedMessage(channel: channel, recipient: m["recipient"].text ?? "", template: m["template"].text ?? "",
                                          subject: m["subject"].text, html: m["html"].text, text: m["text"].text ?? "",
                                          providerTemplateID: m["provider_template_id"].text,
                                          providerTemplateValues: strings(m["provider_template_values"].text),
                                          senderName: m["sender_name"].text, replyTo: m["reply_to"].text)
            messages[id, default: []].append((m["rowid"].integer ?? 0, message))
        }
        return messages.mapValues { $0.sorted { $0.rowid < $1.rowid }.map(\.message) }
    }

    func startAttempts(_ requests: [AttemptRequest]) async throws -> [AttemptStart] {
        guard !requests.isEmpty else { return [] }
        return try await database.write { tx in
            try requests.map { request in
                // On the writing connection, whose pages are at hand, rather than in a read of its own.
                let suppressed = try request.suppression.flatMap { try Self.suppression($0, read: tx.query) }
                let full = suppressed == nil ? try Self.count(request.counters, in: tx) : nil
                let rows = try tx.query("INSERT INTO notification_attempts (notification_id, channel, number, started_at, outcome) VALUES (?, ?, ?, ?, 'sending') RETURNING id",
                                        [.text(request.notificationID), .text(request.channel.rawValue), .integer(Int64(request.number)),
                                         .text(StoredTime.text(request.at))])
                return AttemptStart(id: rows.first?["id"].integer ?? 0, suppressed: suppressed, full: full)
            }
        }
    }

    @discardableResult
    func finishSteps(_ steps: [FinishedStep]) async throws -> Bool {
        guard !steps.isEmpty else { return false }
        // Written before the write, so that the one writer thread does not spend its time on them.
        let texts = try steps.map { (cascade: try Self.cascades.text(of: $0.outcome.cascade), action: try Self.actions.text(of: $0.outcome.nextAction)) }
        return try await database.write { tx in
            var webhooksQueued = false
            for (step, text) in zip(steps, texts) {
                let (notificationID, outcome) = (step.notificationID, step.outcome)
                let at = StoredTime.text(step.at)
                if let attempt = outcome.attemptID {
                    try tx.query("UPDATE notification_attempts SET finished_at = ?, outcome = ?, provider_message_id = ?, provider_code = ?, detail = ? WHERE id = ?",
                                 [.text(at), .text(outcome.attemptOutcome ?? "failed"), Self.optional(outcome.providerMessageID),
                                  Self.optional(outcome.providerCode), Self.optional(outcome.detail), .integer(attempt)])
                }
                let status = Self.status(of: outcome.nextAction), channel = outcome.cascade.channel?.rawValue
                // A status that changes is written with what its webhook needs, in one statement; one
                // that does not, by the second.
                let changed = try tx.query("""
                    UPDATE notifications SET status = ?, channel = ?, cascade = ?, next_action = ?, updated_at = ? WHERE id = ? AND status IS NOT ?
                    RETURNING partner_id, event_id, event_type, order_id, sandbox
                    """, [.text(status), .text(channel ?? ""), .text(text.cascade), .text(text.action), .text(at), .text(notificationID), .text(status)])
                if let row = changed.first {
                    if try Self.enqueueWebhooks(for: NotificationStatusChange(notificationID, stored: row, status: status, channel: channel), at: step.at, in: tx) {
                        webhooksQueued = true
                    }
                } else {
                    try tx.query("UPDATE notifications SET channel = ?, cascade = ?, next_action = ?, updated_at = ? WHERE id = ?",
                                 [.text(channel ?? ""), .text(text.cascade), .text(text.action), .text(at), .text(notificationID)])
                }
                switch outcome.due {
                case .at(let due):
                    try tx.query("UPDATE outbox SET due_at = ?, lease_until = NULL, lease_owner = NULL WHERE notification_id = ?", [.text(StoredTime.text(due)), .text(notificationID)])
                case .finished:
                    try tx.query("DELETE FROM outbox WHERE notification_id = ?", [.text(notificationID)])
                case .unchanged:
                    break
                }
            }
            return webhooksQueued
        }
    }

    func recordReport(_ report: DeliveryReport, channel: ChannelKind, now: Date) throws {
        try database.query("UPDATE notification_attempts SET outcome = ?, provider_code = coalesce(?, provider_code), detail = coalesce(?, detail) WHERE channel = ? AND provider_message_id = ?",
                           [.text(report.status.rawValue), Self.optional(report.providerCode), Self.optional(report.reason), .text(channel.rawValue),
                            .text(report.providerMessageID)])
    }

    func notificationID(channel: ChannelKind, providerMessageID: String) throws -> String? {
        try database.query("SELECT notification_id FROM notification_attempts WHERE channel = ? AND provider_message_id = ? ORDER BY id DESC LIMIT 1",
                           [.text(channel.rawValue), .text(providerMessageID)]).first?["notification_id"].text
    }

    func outboxDepth() throws -> Int {
        Int(try database.query("SELECT count(*) AS n FROM outbox").first?["n"].integer ?? 0)
    }

    func notifications(partnerID: String, orderID: String) throws -> [NotificationView] {
        try database.query("SELECT id FROM notifications WHERE partner_id = ? AND order_id = ? ORDER BY created_at, rowid",
                           [.text(partnerID), .text(orderID)]).compactMap { $0["id"].text }.compactMap { try notification(id: $0, partnerID: partnerID) }
    }

    /// The notification with its messages and attempts, read in one snapshot.
    func notification(id: String, partnerID: String) throws -> NotificationView? {
        try database.read { tx in
            guard let row = try tx.query("SELECT * FROM notifications WHERE id = ? AND partner_id = ?", [.text(id), .text(partnerID)]).first else {
                return nil
            }
            let attempts = try tx.query("SELECT * FROM notification_attempts WHERE notification_id = ? ORDER BY id", [.text(id)]).compactMap { a -> NotificationView.Attempt? in
                guard let channel = a["channel"].text.flatMap(ChannelKind.init(rawValue:)) else { return nil }
                return NotificationView.Attempt(channel: channel, number: Int(a["number"].integer ?? 0), startedAt: a["started_at"].text ?? "",
                                                finishedAt: a["finished_at"].text, outcome: a["outcome"].text ?? "",
                                                providerMessageID: a["provider_message_id"].text, providerCode: a["provider_code"].text,
                                                detail: a["detail"].text)
            }
            return NotificationView(id: id, eventID: row["event_id"].text ?? "", eventType: row["event_type"].text ?? "",
                                    orderID: row["order_id"].text ?? "", sandbox: row["sandbox"].integer == 1, status: row["status"].text ?? "",
                                    channel: row["channel"].text.flatMap(ChannelKind.init(rawValue:)), messages: try Self.messages(ofJSONList: Self.jsonList([id]), in: tx)[id] ?? [],
                                    attempts: attempts, createdAt: row["created_at"].text ?? "", updatedAt: row["updated_at"].text ?? "")
        }
    }

    /// The notification's status as the partner reads it, from what the cascade does next.
    static func status(of action: CascadeAction) -> String {
        switch action {
        case .send: "queued"
        case .retry: "retrying"
        case .awaitConfirmation: "awaiting_delivery"
        case .done(_, let status): status.rawValue
        case .giveUp: "failed"
        case .nothing: "queued"
        }
    }

    private static func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }

    /// A stored JSON array of strings; empty when there is none.
    private static func strings(_ json: String?) -> [String] {
        guard let json, case .array(let items)? = try? Value(json: json) else { return [] }
        return items.compactMap(\.stringValue)
    }

    /// The stored forms of cascade states and actions: every new notification starts in one of a
    /// few states, which are written with the event and read back by the dispatcher.
    static let cascades = StoredForms<CascadeState>(write: \.jsonText)
    static let actions = StoredForms<CascadeAction>()

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// A value's JSON, remembered for the few values most recently used, so that the common ones (the
/// state every new notification starts in, its first action) go through Foundation's encoder and
/// decoder once rather than at every step.
final class StoredForms<T: Codable & Equatable & Sendable>: Sendable {
    /// The least recently used first.
    private let recent = Mutex<[(value: T, text: String)]>([])
    private let limit = 16
    /// A faster writer of the same JSON than Foundation's encoder, where the type has one; nil
    /// from it leaves the value to the encoder.
    private let write: @Sendable (T) -> String?

    init(write: @escaping @Sendable (T) -> String? = { _ in nil }) {
        self.write = write
    }

    func text(of value: T) throws -> String {
        if let hit = lookUp({ $0.value == value }) { return hit.text }
        let text = try write(value) ?? SQLiteStore.encode(value)
        remember((value, text))
        return text
    }

    func value(of text: String) throws -> T {
        if let hit = lookUp({ $0.text == text }) { return hit.value }
        let value = try SQLiteStore.decode(T.self, text)
        remember((value, text))
        return value
    }

    private func lookUp(_ matches: ((value: T, text: String)) -> Bool) -> (value: T, text: String)? {
        recent.withLock { entries in
            guard let index = entries.lastIndex(where: matches) else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)
            return entry
        }
    }

    private func remember(_ entry: (value: T, text: String)) {
        recent.withLock { entries in
            if entries.count >= limit { entries.removeFirst() }
            entries.append(entry)
        }
    }
}

import Foundation
import TemplateEngine

/// A notification whose status just changed, as its webhook reports it.
struct NotificationStatusChange: Sendable {
    let notificationID: String
    let partnerID: String
    let eventID: String
    let eventType: String
    let orderID: String
    let sandbox: Bool
    let status: String
    let channel: String?

    /// A notification just planned for `event`.
    init(_ notification: PlannedNotification, of event: EventSubmission, status: String) {
        notificationID = notification.id
        partnerID = event.partnerID
        eventID = event.id
        eventType = event.type.name
        orderID = event.orderID
        sandbox = event.sandbox
        self.status = status
        channel = notification.cascade.channel?.rawValue
    }

    /// A stored notification (its `notifications` row as it was) now in `status`.
    init(_ notificationID: String, stored row: SQLRow, status: String, channel: String?) {
        self.notificationID = notificationID
        partnerID = row["partner_id"].text ?? ""
        eventID = row["event_id"].text ?? ""
        eventType = row["event_type"].text ?? ""
        orderID = row["order_id"].text ?? ""
        sandbox = row["sandbox"].integer == 1
        self.status = status
        self.channel = channel
    }

    /// The message body, exactly as it is sent and signed.
    func body(at now: Date) -> String {
        var data = ValueObject([("notification_id", .string(notificationID)), ("event_id", .string(eventID)),
                                ("event_type", .string(eventType)), ("order_id", .string(orderID)), ("status", .string(status))])
        data["channel"] = channel.map { .string($0) } ?? .nil
        data["sandbox"] = .bool(sandbox)
        return Value.object(ValueObject([("type", .string(Self.type)), ("timestamp", .string(StoredTime.text(now))),
                                         ("data", .object(data))])).jsonString
    }

    static let type = "notification.status_changed"
}

extension SQLiteStore: WebhookStore {
    /// Queues the change for every enabled endpoint of its partner, inside the caller's transaction,
    /// so that the message exists exactly when the change does.
    /// Queues the change for each of the partner's enabled endpoints; true when there was one.
    @discardableResult
    static func enqueueWebhooks(for change: NotificationStatusChange, at now: Date, in tx: SQLiteDatabase.Transaction) throws -> Bool {
        let endpoints = try tx.query("SELECT id FROM webhook_endpoints WHERE partner_id = ? AND enabled = 1 ORDER BY created_at, id",
                                     [.text(change.partnerID)]).compactMap { $0["id"].text }
        guard !endpoints.isEmpty else { return false }
        let at = StoredTime.text(now), body = change.body(at: now), state = try encode(WebhookDeliveryState(now: now))
        for endpoint in endpoints {
            try tx.query("INSERT INTO webhook_messages (id, partner_id, endpoint_id, type, body, state, next_attempt_at, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                         [.text(try newID("msg", at: now)), .text(change.partnerID), .text(endpoint), .text(NotificationStatusChange.type),
                          .text(body), .text(state), .text(at), .text(at)])
        }
        return true
    }

    func createWebhookEndpoint(partnerID: String, url: String, sealedSecret: String) throws -> WebhookEndpointRecord {
        let id = try Self.newID("whe", at: clock.now())
        try database.query("INSERT INTO webhook_endpoints (id, partner_id, url, secrets, enabled, created_at) VALUES (?, ?, ?, ?, 1, ?)",
                           [.text(id), .text(partnerID), .text(url), .text(try Self.encode([sealedSecret])), .text(StoredTime.text(clock.now()))])
        guard let record = try webhookEndpoint(id: id, partnerID: partnerID) else { throw StoreError.notFound("webhook endpoint '\(id)'") }
        return record
    }

    func webhookEndpoints(partnerID: String) throws -> [WebhookEndpointRecord] {
        try database.query("SELECT * FROM webhook_endpoints WHERE partner_id = ? ORDER BY created_at, id", [.text(partnerID)])
            .map(Self.endpoint)
    }

    func webhookEndpoint(id: String, partnerID: String) throws -> WebhookEndpointRecord? {
        try database.query("SELECT * FROM webhook_endpoints WHERE id = ? AND partner_id = ?", [.text(id), .text(partnerID)]).first
            .map(Self.endpoint)
    }

    func deleteWebhookEndpoint(id: String, partnerID: String) throws -> Bool {
        try database.transaction { tx in
            guard try !tx.query("SELECT 1 FROM webhook_endpoints WHERE id = ? AND partner_id = ?", [.text(id), .text(partnerID)]).isEmpty else {
                return false
            }
            try tx.query("DELETE FROM webhook_messages WHERE endpoint_id = ? AND partner_id = ?", [.text(id), .text(partnerID)])
            try tx.query("DELETE FROM webhook_endpoints WHERE id = ? AND partner_id = ?", [.text(id), .text(partnerID)])
            return true
        }
    }

    func rotateWebhookSecret(endpointID: String, partnerID: String, sealedSecret: String, dropPrevious: Bool) throws -> WebhookEndpointRecord? {
        let rotated = try database.transaction { tx -> Bool in
            guard let row = try tx.query("SELECT secrets FROM webhook_endpoints WHERE id = ? AND partner_id = ?",
                                         [.text(endpointID), .text(partnerID)]).first
            else { return false }
            let current = try Self.decode([String].self, row["secrets"].text ?? "[]").first
            let secrets = [sealedSecret] + (dropPrevious ? [] : current.map { [$0] } ?? [])
            try tx.query("UPDATE webhook_endpoints SET secrets = ? WHERE id = ? AND partner_id = ?",
                         [.text(try Self.encode(secrets)), .text(endpointID), .text(partnerID)])
            return true
        }
        return rotated ? try webhookEndpoint(id: endpointID, partnerID: partnerID) : nil
    }

    func enableWebhookEndpoint(id: String, partnerID: String) throws -> WebhookEndpointRecord? {
        try database.query("UPDATE webhook_endpoints SET enabled = 1, disabled_reason = NULL, throttled_until = NULL WHERE id = ? AND partner_id = ?",
                           [.text(id), .text(partnerID)])
        return try webhookEndpoint(id: id, partnerID: partnerID)
    }

    func webhookMessages(partnerID: String, endpointID: String?, status: WebhookMessageStatus?, limit: Int) throws -> [WebhookMessageRecord] {
        var sql = "SELECT id, endpoint_id, type, body, state, created_at FROM webhook_messages WHERE partner_id = ?"
        var parameters: [SQLValue] = [.text(partnerID)]
        if let endpointID {
            sql += " AND endpoint_id = ?"
            parameters.append(.text(endpointID))
        }
        if let status {
            sql += " AND status = ?"
            parameters.append(.text(status.rawValue))
        }
        // rowid breaks ties between messages written in the same millisecond, in the order they were written.
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
        parameters.append(.integer(Int64(limit)))
        return try database.query(sql, parameters).map(Self.message)
    }

    func webhookMessage(id: String, partnerID: String) throws -> WebhookMessageRecord? {
        try database.query("SELECT id, endpoint_id, type, body, state, created_at FROM webhook_messages WHERE id = ? AND partner_id = ?",
                           [.text(id), .text(partnerID)]).first.map(Self.message)
    }

    func redeliverWebhookMessage(id: String, partnerID: String, now: Date) throws -> WebhookMessageRecord? {
        let found = try database.transaction { tx -> Bool in
            guard let row = try tx.query("SELECT state FROM webhook_messages WHERE id = ? AND partner_id = ?", [.text(id), .text(partnerID)]).first
            else { return false }
            var state = try Self.decode(WebhookDeliveryState.self, row["state"].text ?? "")
            _ = state.redeliver(now: now)
            try Self.write(state, messageID: id, in: tx)
            return true
        }
        return found ? try webhookMessage(id: id, partnerID: partnerID) : nil
    }

    func claimDueWebhooks(now: Date, leaseUntil: Date, limit: Int) throws -> [WebhookDelivery] {
        let at = StoredTime.text(now)
        return try database.transaction { tx in
            let claimed = try tx.query("""
                UPDATE webhook_messages SET next_attempt_at = ? WHERE id IN (
                    SELECT m.id FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
                    WHERE m.status = 'pending' AND m.next_attempt_at <= ? AND e.enabled = 1
                        AND (e.throttled_until IS NULL OR e.throttled_until <= ?)
                    ORDER BY m.next_attempt_at LIMIT ?)
                RETURNING id, endpoint_id, body
                """, [.text(StoredTime.text(leaseUntil)), .text(at), .text(at), .integer(Int64(limit))])
            var endpoints: [String: (url: String, secrets: [String])] = [:]
            return try claimed.compactMap { row in
                guard let id = row["id"].text, let endpointID = row["endpoint_id"].text else { return nil }
                if endpoints[endpointID] == nil, let e = try tx.query("SELECT url, secrets FROM webhook_endpoints WHERE id = ?", [.text(endpointID)]).first {
                    endpoints[endpointID] = (e["url"].text ?? "", try Self.decode([String].self, e["secrets"].text ?? "[]"))
                }
                guard let endpoint = endpoints[endpointID] else { return nil }
                return WebhookDelivery(messageID: id, endpointID: endpointID, url: endpoint.url, sealedSecrets: endpoint.secrets,
                                       body: row["body"].text ?? "")
            }
        }
    }

    func finishWebhookAttempt(messageID: String, _ decide: (inout WebhookDeliveryState) -> WebhookDeliveryAction) throws -> WebhookDeliveryAction? {
        try database.transaction { tx in
            guard let row = try tx.query("SELECT endpoint_id, state FROM webhook_messages WHERE id = ?", [.text(messageID)]).first,
                  let endpointID = row["endpoint_id"].text
            else { return nil }
            var state = try Self.decode(WebhookDeliveryState.self, row["state"].text ?? "")
            let action = decide(&state)
            try Self.write(state, messageID: messageID, in: tx)
            switch action {
            case .disableEndpoint(let reason):
                try tx.query("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ?", [.text(reason), .text(endpointID)])
            case .throttle(let until):
                // The hold never shortens: two answers in one batch keep the later time.
                try tx.query("UPDATE webhook_endpoints SET throttled_until = max(coalesce(throttled_until, ''), ?) WHERE id = ?",
                             [.text(StoredTime.text(until)), .text(endpointID)])
            case .succeeded, .retry, .exhausted, .nothing:
                break
            }
            return action
        }
    }

    /// Stores a message's state with the status and next attempt that follow from it.
    private static func write(_ state: WebhookDeliveryState, messageID: String, in tx: SQLiteDatabase.Transaction) throws {
        try tx.query("UPDATE webhook_messages SET state = ?, status = ?, next_attempt_at = ? WHERE id = ?",
                     [.text(try encode(state)), .text(WebhookMessageStatus(state.phase).rawValue),
                      state.nextAttemptAt.map { .text(StoredTime.text($0)) } ?? .null, .text(messageID)])
    }

    private static func endpoint(_ row: SQLRow) -> WebhookEndpointRecord {
        WebhookEndpointRecord(id: row["id"].text ?? "", partnerID: row["partner_id"].text ?? "", url: row["url"].text ?? "",
                              sealedSecrets: (try? decode([String].self, row["secrets"].text ?? "[]")) ?? [],
                              enabled: row["enabled"].integer == 1, disabledReason: row["disabled_reason"].text,
                              throttledUntil: row["throttled_until"].text, createdAt: row["created_at"].text ?? "")
    }

    private static func message(_ row: SQLRow) throws -> WebhookMessageRecord {
        WebhookMessageRecord(id: row["id"].text ?? "", endpointID: row["endpoint_id"].text ?? "", type: row["type"].text ?? "",
                             body: row["body"].text ?? "", state: try decode(WebhookDeliveryState.self, row["state"].text ?? ""),
                             createdAt: row["created_at"].text ?? "")
    }
}

import Foundation

/// What a store says when a request claims an `Idempotency-Key`.
enum IdempotencyClaim: Sendable, Equatable {
    /// The key is new (or expired): run the request, then store its answer.
    case proceed
    /// The same request ran before: answer what it answered.
    case replay(status: Int, contentType: String, body: [UInt8])
    /// The same key is still running.
    case inFlight
    /// The key was used with another request.
    case mismatch
}

/// Where idempotency keys and their stored answers are kept, per token owner.
protocol IdempotencyStore: Sendable {
    /// Claims `key` for a request with `requestHash`; a key older than `retention` is forgotten.
    func claimIdempotencyKey(owner: String, key: String, requestHash: [UInt8], retention: TimeInterval) async throws -> IdempotencyClaim
    /// Stores the answer of a claimed key for replays.
    func finishIdempotencyKey(owner: String, key: String, status: Int, contentType: String, body: [UInt8]) async throws
}

/// Everything the service keeps: what the HTTP API is built on, whatever the database.
typealias KassaStore = AccountStore & TemplateStore & IdempotencyStore & NotificationStore & WebhookStore & SuppressionStore

extension SQLiteStore: IdempotencyStore {
    func claimIdempotencyKey(owner: String, key: String, requestHash: [UInt8], retention: TimeInterval) async throws -> IdempotencyClaim {
        let now = clock.now()
        return try await database.write { tx in
            let rows = try tx.query("SELECT request_hash, state, status, content_type, body, created_at FROM idempotency_keys WHERE owner_id = ? AND key = ?",
                                    [.text(owner), .text(key)])
            if let row = rows.first {
                let created = row["created_at"].text.flatMap { try? Date($0, strategy: .iso8601) } ?? .distantPast
                if now.timeIntervalSince(created) < retention {
                    guard let stored = row["request_hash"].blob, Crypto.constantTimeEqual(stored, requestHash) else { return .mismatch }
                    if row["state"].text == "in_flight" { return .inFlight }
                    return .replay(status: Int(row["status"].integer ?? 500), contentType: row["content_type"].text ?? "application/json",
                                   body: row["body"].blob ?? [])
                }
                try tx.query("DELETE FROM idempotency_keys WHERE owner_id = ? AND key = ?", [.text(owner), .text(key)])
            }
            try tx.query("INSERT INTO idempotency_keys (owner_id, key, request_hash, state, created_at) VALUES (?, ?, ?, 'in_flight', ?)",
                         [.text(owner), .text(key), .blob(requestHash), .text(StoredTime.text(now))])
            return .proceed
        }
    }

    func finishIdempotencyKey(owner: String, key: String, status: Int, contentType: String, body: [UInt8]) async throws {
        try await database.write { tx in try tx.query("UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ? WHERE owner_id = ? AND key = ?",
                           [.integer(Int64(status)), .text(contentType), .blob(body), .text(owner), .text(key)]) }
    }
}

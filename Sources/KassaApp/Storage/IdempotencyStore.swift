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

/// An Idempotency-Key as a request brought it: whose it is, the key, the hash of the request, and
/// how long its answer is kept.
struct IdempotentRequest: Sendable, Equatable {
    let owner: String
    let key: String
    let requestHash: [UInt8]
    var retention: TimeInterval = 24 * 3600
}

/// Thrown from inside a write that stores an answer under a key another request has stored an
/// answer under first (or is running with): the write is undone and the caller answers `claim`.
struct IdempotencyKeyTaken: Error, Sendable {
    let claim: IdempotencyClaim
}

/// Where idempotency keys and their stored answers are kept, per token owner.
protocol IdempotencyStore: Sendable {
    /// Claims the key for its request (`.proceed`), marking it in flight; a key older than its
    /// retention is forgotten.
    func claimIdempotencyKey(_ request: IdempotentRequest) async throws -> IdempotencyClaim
    /// Stores the answer of a claimed key for replays.
    func finishIdempotencyKey(_ request: IdempotentRequest, status: Int, contentType: String, body: [UInt8]) async throws
    /// Stores an answer under a key that was not claimed: `.proceed` once stored, else what the key
    /// already held.
    func storeIdempotentAnswer(_ request: IdempotentRequest, status: Int, contentType: String, body: [UInt8]) async throws -> IdempotencyClaim
    /// Deletes keys made before `cutoff` (expired: they answer nothing any more) among the `limit`
    /// oldest rows; returns how many went.
    func pruneIdempotencyKeys(before cutoff: Date, limit: Int) async throws -> Int
}

/// Everything the service keeps: what the HTTP API is built on, whatever the database.
typealias KassaStore = AccountStore & TemplateStore & IdempotencyStore & NotificationStore & WebhookStore & SuppressionStore

extension SQLiteStore: IdempotencyStore {
    /// What a stored row means for `request` at `now`; nil when there is none or it has expired.
    private static func held(by request: IdempotentRequest, now: Date, in run: (String, [SQLValue]) throws -> [SQLRow]) throws -> IdempotencyClaim? {
        guard let row = try run("SELECT request_hash, state, status, content_type, body, created_at FROM idempotency_keys WHERE owner_id = ? AND key = ?",
                                [.text(request.owner), .text(request.key)]).first
        else { return nil }
        let created = row["created_at"].text.flatMap(StoredTime.date) ?? .distantPast
        guard now.timeIntervalSince(created) < request.retention else { return nil }
        guard let stored = row["request_hash"].blob, Crypto.constantTimeEqual(stored, request.requestHash) else { return .mismatch }
        if row["state"].text == "in_flight" { return .inFlight }
        return .replay(status: Int(row["status"].integer ?? 500), contentType: row["content_type"].text ?? "application/json",
                       body: row["body"].blob ?? [])
    }

    func claimIdempotencyKey(_ request: IdempotentRequest) async throws -> IdempotencyClaim {
        let now = clock.now()
        return try await database.write { tx in
            if let held = try Self.held(by: request, now: now, in: tx.query) { return held }
            try tx.query("INSERT OR REPLACE INTO idempotency_keys (owner_id, key, request_hash, state, created_at) VALUES (?, ?, ?, 'in_flight', ?)",
                         [.text(request.owner), .text(request.key), .blob(request.requestHash), .text(StoredTime.text(now))])
            return .proceed
        }
    }

    func finishIdempotencyKey(_ request: IdempotentRequest, status: Int, contentType: String, body: [UInt8]) async throws {
        try await database.write { tx in try tx.query("UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ? WHERE owner_id = ? AND key = ?",
                           [.integer(Int64(status)), .text(contentType), .blob(body), .text(request.owner), .text(request.key)]) }
    }

    /// The rows are in the order they were made (migration 11), so the oldest come first and each
    /// pass reads at most `limit` of them, however many keys are kept. (A key used again after it
    /// expired keeps its place with a new time, and stays until that one has expired too.)
    func pruneIdempotencyKeys(before cutoff: Date, limit: Int) async throws -> Int {
        let cutoff = StoredTime.text(cutoff)
        return try await database.write { tx in
            try tx.query("""
                DELETE FROM idempotency_keys WHERE rowid IN (
                    SELECT rowid FROM (SELECT rowid, created_at FROM idempotency_keys ORDER BY rowid LIMIT ?) WHERE created_at < ?)
                RETURNING 1
                """, [.integer(Int64(limit)), .text(cutoff)]).count
        }
    }

    func storeIdempotentAnswer(_ request: IdempotentRequest, status: Int, contentType: String, body: [UInt8]) async throws -> IdempotencyClaim {
        let now = clock.now()
        return try await database.write { tx in
            do {
                try Self.storeIdempotentAnswer(request, status: status, contentType: contentType, body: body, now: now, in: tx)
                return .proceed
            } catch let taken as IdempotencyKeyTaken {
                return taken.claim
            }
        }
    }

    /// Stores an answer under a key inside a write; throws `IdempotencyKeyTaken` (undoing the
    /// write) when the key already holds one or is in flight.
    static func storeIdempotentAnswer(_ request: IdempotentRequest, status: Int, contentType: String, body: [UInt8], now: Date,
                                      in tx: SQLiteDatabase.Transaction) throws {
        // One statement in the usual case, a new key: a row is written when the key is new or its
        // row has expired, and only when none is does the row get read for what it holds.
        let values: [SQLValue] = [.text(request.owner), .text(request.key), .blob(request.requestHash), .integer(Int64(status)),
                                  .text(contentType), .blob(body), .text(StoredTime.text(now))]
        let stored = try tx.query("""
            INSERT INTO idempotency_keys (owner_id, key, request_hash, state, status, content_type, body, created_at)
            VALUES (?, ?, ?, 'done', ?, ?, ?, ?)
            ON CONFLICT (owner_id, key) DO UPDATE SET request_hash = excluded.request_hash, state = 'done', status = excluded.status,
                content_type = excluded.content_type, body = excluded.body, created_at = excluded.created_at
            WHERE idempotency_keys.created_at <= ?
            RETURNING 1 AS stored
            """, values + [.text(StoredTime.text(now.addingTimeInterval(-request.retention)))])
        guard stored.isEmpty else { return }
        if let held = try held(by: request, now: now, in: tx.query) { throw IdempotencyKeyTaken(claim: held) }
        // Expired to the millisecond in which the two ways of telling differ.
        try tx.query("INSERT OR REPLACE INTO idempotency_keys (owner_id, key, request_hash, state, status, content_type, body, created_at) VALUES (?, ?, ?, 'done', ?, ?, ?, ?)",
                     values)
    }
}

import Foundation
import TemplateEngine

/// `Idempotency-Key` on POST, as the IETF draft and Stripe define it: the same key with the same
/// request replays the stored answer for 24 hours; with a different request it is a 422; while the
/// first is still running, a 409. Keys are scoped to the token's owner.
struct Idempotency: Sendable {
    let store: SQLiteStore
    /// How long an answer is kept.
    var retention: TimeInterval = 24 * 3600

    enum Start: Equatable {
        case proceed
        case replay(status: Int, contentType: String, body: [UInt8])
        case inFlight
        case mismatch
    }

    /// Claims `key` for this request, or says why not.
    func start(owner: String, key: String, requestHash: [UInt8]) throws -> Start {
        let now = store.clock.now()
        return try store.database.transaction { tx in
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

    /// Stores the answer for replays.
    func finish(owner: String, key: String, response: HTTPResponse) throws {
        let contentType = response.headers.first { $0.0.lowercased() == "content-type" }?.1 ?? "application/json"
        try store.database.query("UPDATE idempotency_keys SET state = 'done', status = ?, content_type = ?, body = ? WHERE owner_id = ? AND key = ?",
                                 [.integer(Int64(response.status)), .text(contentType), .blob(response.body), .text(owner), .text(key)])
    }

    /// Wraps a POST handler: without a key it runs as is; with one it runs at most once per key.
    func wrap(_ handler: @escaping Router.Handler) -> Router.Handler {
        { request, parameters in
            guard let key = request.headers["idempotency-key"] else { return try await handler(request, parameters) }
            guard !key.isEmpty, key.utf8.count <= 255 else {
                throw APIError(400, "invalid_idempotency_key", "An Idempotency-Key is 1 to 255 characters")
            }
            let principal = try KassaAPI.authenticate(request, store)
            let hash = Crypto.sha256(Array("\(request.method) \(request.path)\n".utf8) + request.body)
            switch try start(owner: principal.ownerID, key: key, requestHash: hash) {
            case .proceed:
                let response: HTTPResponse
                do {
                    response = try await handler(request, parameters)
                } catch let error as APIError {
                    response = error.response
                }
                try finish(owner: principal.ownerID, key: key, response: response)
                return response
            case .replay(let status, let contentType, let body):
                return HTTPResponse(status: status, headers: [("Content-Type", contentType), ("Idempotent-Replayed", "true")], body: body)
            case .inFlight:
                throw APIError(409, "idempotency_in_flight", "A request with this Idempotency-Key is still being processed")
            case .mismatch:
                throw APIError(422, "idempotency_mismatch", "This Idempotency-Key was used with a different request")
            }
        }
    }
}

import Foundation
import TemplateEngine

/// `Idempotency-Key` on POST, as the IETF draft and Stripe define it: the same key with the same
/// request replays the stored answer for 24 hours; with a different request it is a 422; while the
/// first is still running, a 409. Keys are scoped to the token's owner.
///
/// A route whose handler is itself idempotent (`POST /v1/events`, by event id) stores the answer in
/// its own transaction instead, so the request costs one write, not three, and no read: the handler
/// runs, and a write that finds the key taken is undone and answers what the key holds (a replay,
/// a mismatch). So do two such requests racing with one key.
struct Idempotency: Sendable {
    let store: any KassaStore
    /// How long an answer is kept.
    var retention: TimeInterval = Idempotency.retention
    static let retention: TimeInterval = 24 * 3600

    /// Deletes the keys past `retention`, a batch at a time, until a batch finds fewer than it may
    /// take; returns how many went. The service runs it every ten minutes (`run`).
    static func prune(_ store: any IdempotencyStore, now: Date, retention: TimeInterval = retention, batch: Int = 10_000) async throws -> Int {
        var pruned = 0
        while true {
            let gone = try await store.pruneIdempotencyKeys(before: now.addingTimeInterval(-retention), limit: batch)
            pruned += gone
            if gone < batch || Task.isCancelled { return pruned }
        }
    }

    /// Prunes expired keys every `every` until cancelled, logging what it could not do.
    static func run(_ store: any IdempotencyStore, clock: any WallClock, every: Duration = .seconds(600), log: @escaping @Sendable (String) -> Void) async {
        while !Task.isCancelled {
            do {
                let pruned = try await prune(store, now: clock.now())
                if pruned > 0 {
                    log(ServiceLog.line("info", "expired idempotency keys deleted", ["count": "\(pruned)"]))
                }
            } catch {
                log(ServiceLog.line("error", "expired idempotency keys could not be deleted", ["error": "\(error)"]))
            }
            try? await Task.sleep(for: every)
        }
    }

    /// Wraps a POST route's handler: without a key it runs as is; with one it runs at most once per
    /// key (or, on a route that stores the answer itself, has its effect at most once).
    func wrap(_ route: Router.Route) -> Router.Handler {
        let handler = route.handler
        let storesItself = route.storesIdempotentAnswer
        return { request, parameters in
            var request = request
            guard let key = request.headers["idempotency-key"] else { return try await handler(request, parameters) }
            guard !key.isEmpty, key.utf8.count <= 255 else {
                throw APIError(400, "invalid_idempotency_key", "An Idempotency-Key is 1 to 255 characters")
            }
            let principal = try KassaAPI.authenticate(request, store)
            request.principal = principal
            let keyed = IdempotentRequest(owner: principal.ownerID, key: key,
                                          requestHash: Crypto.sha256(Array("\(request.method) \(request.path)\n".utf8) + request.body),
                                          retention: retention)
            if storesItself {
                request.idempotency = keyed
            } else {
                let claim = try await store.claimIdempotencyKey(keyed)
                guard claim == .proceed else { return try Self.answer(claim) }
            }
            let response: HTTPResponse
            do {
                response = try await handler(request, parameters)
            } catch let taken as IdempotencyKeyTaken {
                return try Self.answer(taken.claim)
            } catch let error as APIError {
                response = error.response
            }
            guard !response.idempotentAnswerStored else { return response }
            let contentType = response.headers.first { $0.0.lowercased() == "content-type" }?.1 ?? "application/json"
            // A secret shown once is not kept for replays: the stored answer is the one without it.
            let body = response.replayBody ?? response.body
            if storesItself {
                // An answer the handler did not store (an error, a repeated event): stored now,
                // unless a request racing with this one stored its own first.
                let stored = try await store.storeIdempotentAnswer(keyed, status: response.status, contentType: contentType, body: body)
                guard stored == .proceed else { return try Self.answer(stored) }
            } else {
                try await store.finishIdempotencyKey(keyed, status: response.status, contentType: contentType, body: body)
            }
            return response
        }
    }

    /// The answer to a key that is not the caller's to run.
    private static func answer(_ claim: IdempotencyClaim) throws -> HTTPResponse {
        switch claim {
        case .proceed:
            throw APIError(500, "internal", "An idempotency key was answered without a stored answer")
        case .replay(let status, let contentType, let body):
            return HTTPResponse(status: status, headers: [("Content-Type", contentType), ("Idempotent-Replayed", "true")], body: body)
        case .inFlight:
            throw APIError(409, "idempotency_in_flight", "A request with this Idempotency-Key is still being processed")
        case .mismatch:
            throw APIError(422, "idempotency_mismatch", "This Idempotency-Key was used with a different request")
        }
    }
}

import Foundation
import TemplateEngine

/// `Idempotency-Key` on POST, as the IETF draft and Stripe define it: the same key with the same
/// request replays the stored answer for 24 hours; with a different request it is a 422; while the
/// first is still running, a 409. Keys are scoped to the token's owner.
struct Idempotency: Sendable {
    let store: any KassaStore
    /// How long an answer is kept.
    var retention: TimeInterval = 24 * 3600

    /// Wraps a POST handler: without a key it runs as is; with one it runs at most once per key.
    func wrap(_ handler: @escaping Router.Handler) -> Router.Handler {
        { request, parameters in
            var request = request
            guard let key = request.headers["idempotency-key"] else { return try await handler(request, parameters) }
            guard !key.isEmpty, key.utf8.count <= 255 else {
                throw APIError(400, "invalid_idempotency_key", "An Idempotency-Key is 1 to 255 characters")
            }
            let principal = try KassaAPI.authenticate(request, store)
            request.principal = principal
            let hash = Crypto.sha256(Array("\(request.method) \(request.path)\n".utf8) + request.body)
            switch try await store.claimIdempotencyKey(owner: principal.ownerID, key: key, requestHash: hash, retention: retention) {
            case .proceed:
                let response: HTTPResponse
                do {
                    response = try await handler(request, parameters)
                } catch let error as APIError {
                    response = error.response
                }
                let contentType = response.headers.first { $0.0.lowercased() == "content-type" }?.1 ?? "application/json"
                // A secret shown once is not kept for replays: the stored answer is the one without it.
                try await store.finishIdempotencyKey(owner: principal.ownerID, key: key, status: response.status, contentType: contentType,
                                               body: response.replayBody ?? response.body)
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

import Foundation
import TemplateEngine

/// A partner's webhook endpoint as stored: its secrets only sealed, never in the clear.
struct WebhookEndpointRecord: Sendable, Equatable {
    let id: String
    let partnerID: String
    let url: String
    /// The signing secrets sealed under `WebhookSecret.sealingContext`, the current one first.
    let sealedSecrets: [String]
    let enabled: Bool
    /// Why the endpoint was disabled, as a sentence for the partner.
    let disabledReason: String?
    /// Until when the endpoint asked us to hold its messages (429, 503…).
    let throttledUntil: String?
    let createdAt: String

    /// The endpoint as the API shows it: no secret, only how many sign each message.
    var json: Value {
        var o = ValueObject([("id", .string(id)), ("url", .string(url)), ("enabled", .bool(enabled))])
        o["disabled_reason"] = disabledReason.map { .string($0) } ?? .nil
        o["throttled_until"] = throttledUntil.map { .string($0) } ?? .nil
        o["signing_secrets"] = .int(sealedSecrets.count)
        o["created_at"] = .string(createdAt)
        return .object(o)
    }
}

/// Where a webhook message stands, as stored and filtered on.
enum WebhookMessageStatus: String, Sendable, CaseIterable {
    /// An attempt is due, now or later.
    case pending
    /// The endpoint answered 2xx.
    case succeeded
    /// Every attempt of the last round failed.
    case exhausted
    /// The endpoint answered 410 Gone to this message and was disabled.
    case endpointDisabled = "endpoint_disabled"

    init(_ phase: WebhookDeliveryState.Phase) {
        switch phase {
        case .due: self = .pending
        case .succeeded: self = .succeeded
        case .exhausted: self = .exhausted
        case .endpointGone: self = .endpointDisabled
        }
    }
}

/// One message to one endpoint, with every attempt made at it.
struct WebhookMessageRecord: Sendable, Equatable {
    let id: String
    let endpointID: String
    let type: String
    /// The JSON body exactly as it is sent and signed.
    let body: String
    let state: WebhookDeliveryState
    let createdAt: String

    var status: WebhookMessageStatus { WebhookMessageStatus(state.phase) }

    var json: Value {
        var o = ValueObject([("id", .string(id)), ("endpoint_id", .string(endpointID)), ("type", .string(type)),
                             ("status", .string(status.rawValue))])
        o["next_attempt_at"] = state.nextAttemptAt.map { .string(StoredTime.text($0)) } ?? .nil
        o["created_at"] = .string(createdAt)
        o["payload"] = (try? Value(json: body)) ?? .string(body)
        o["attempts"] = .array(state.attempts.map { a in
            var attempt = ValueObject([("round", .int(a.round)), ("number", .int(a.number)), ("at", .string(StoredTime.text(a.at)))])
            attempt["status"] = a.status.map { .int($0) } ?? .nil
            attempt["error"] = a.error.map { .string($0) } ?? .nil
            attempt["duration_ms"] = a.durationMilliseconds.map { .int($0) } ?? .nil
            attempt["response_excerpt"] = a.responseExcerpt.map { .string($0) } ?? .nil
            return .object(attempt)
        })
        return .object(o)
    }
}

/// What the dispatcher needs to make one attempt: the message and where it goes.
struct WebhookDelivery: Sendable, Equatable {
    let messageID: String
    let endpointID: String
    let url: String
    let sealedSecrets: [String]
    let body: String
}

/// Partners' webhook endpoints and the messages queued for them. Every method that takes a
/// `partnerID` sees only that partner's rows; the messages themselves are written by
/// `NotificationStore`, in the transaction of the status change they report.
protocol WebhookStore: Sendable {
    func createWebhookEndpoint(partnerID: String, url: String, sealedSecret: String) throws -> WebhookEndpointRecord
    func webhookEndpoints(partnerID: String) throws -> [WebhookEndpointRecord]
    func webhookEndpoint(id: String, partnerID: String) throws -> WebhookEndpointRecord?
    /// Deletes the endpoint and its messages; false when the partner has no such endpoint.
    func deleteWebhookEndpoint(id: String, partnerID: String) throws -> Bool
    /// Makes `sealedSecret` the current secret; the previous one keeps signing alongside it unless
    /// `dropPrevious`, and any older one is dropped.
    func rotateWebhookSecret(endpointID: String, partnerID: String, sealedSecret: String, dropPrevious: Bool) throws -> WebhookEndpointRecord?
    /// Enables the endpoint again, forgetting why it was disabled and any hold it asked for.
    func enableWebhookEndpoint(id: String, partnerID: String) throws -> WebhookEndpointRecord?

    /// The partner's messages, newest first, at most `limit`.
    func webhookMessages(partnerID: String, endpointID: String?, status: WebhookMessageStatus?, limit: Int) throws -> [WebhookMessageRecord]
    func webhookMessage(id: String, partnerID: String) throws -> WebhookMessageRecord?
    /// Starts a new round of attempts at the message, due at `now`; nil when the partner has no such message.
    func redeliverWebhookMessage(id: String, partnerID: String, now: Date) throws -> WebhookMessageRecord?

    /// Takes up to `limit` due messages of enabled, unheld endpoints, and moves their next attempt to
    /// `leaseUntil`, so that no other dispatcher takes them meanwhile and a crash only delays them.
    func claimDueWebhooks(now: Date, leaseUntil: Date, limit: Int) throws -> [WebhookDelivery]
    /// Applies `decide` to the message's stored state and writes what follows in one transaction:
    /// the state, its status and next attempt, and the endpoint disabled or held when the action says so.
    /// Returns the action, or nil when the message no longer exists.
    func finishWebhookAttempt(messageID: String, _ decide: (inout WebhookDeliveryState) -> WebhookDeliveryAction) throws -> WebhookDeliveryAction?
}

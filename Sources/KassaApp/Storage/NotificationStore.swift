import Channels
import Foundation
import TemplateEngine

/// A notification as the partner sees it: its messages, the cascade's history and every attempt.
struct NotificationView: Sendable {
    struct Attempt: Sendable, Equatable {
        let channel: ChannelKind
        let number: Int
        let startedAt: String
        let finishedAt: String?
        /// `sending` until the provider answered, then `accepted` or `failed`; later reports update it.
        let outcome: String
        let providerMessageID: String?
        let providerCode: String?
        let detail: String?
    }

    let id: String
    let eventID: String
    let eventType: String
    let orderID: String
    let sandbox: Bool
    let status: String
    let channel: ChannelKind?
    let messages: [RenderedMessage]
    let attempts: [Attempt]
    let createdAt: String
    let updatedAt: String

    var json: Value {
        var o = ValueObject([("id", .string(id)), ("event_id", .string(eventID)), ("event_type", .string(eventType)),
                             ("order_id", .string(orderID)), ("sandbox", .bool(sandbox)), ("status", .string(status))])
        o["channel"] = channel.map { .string($0.rawValue) } ?? .nil
        o["messages"] = .array(messages.map { m in
            var message = ValueObject([("channel", .string(m.channel.rawValue)), ("recipient", .string(m.recipient)),
                                       ("template", .string(m.template))])
            if let subject = m.subject { message["subject"] = .string(subject) }
            // The bodies are the partner's own content: shown in full in the sandbox, where reading
            // them is the point; a live message shows its text only.
            if sandbox, let html = m.html { message["html"] = .string(html) }
            message["text"] = .string(m.text)
            return .object(message)
        })
        o["attempts"] = .array(attempts.map { a in
            var attempt = ValueObject([("channel", .string(a.channel.rawValue)), ("number", .int(a.number)),
                                       ("started_at", .string(a.startedAt)), ("outcome", .string(a.outcome))])
            attempt["finished_at"] = a.finishedAt.map { .string($0) } ?? .nil
            attempt["provider_message_id"] = a.providerMessageID.map { .string($0) } ?? .nil
            attempt["provider_code"] = a.providerCode.map { .string($0) } ?? .nil
            attempt["detail"] = a.detail.map { .string($0) } ?? .nil
            return .object(attempt)
        })
        o["created_at"] = .string(createdAt)
        o["updated_at"] = .string(updatedAt)
        return .object(o)
    }
}

/// What the dispatcher needs of one notification it has claimed.
struct DispatchRecord: Sendable {
    let id: String
    let partnerID: String
    /// The event that made the notification, such as `order.reminder`: whether it is transactional
    /// decides quiet hours, unsubscribe links and which suppressions apply.
    let eventType: String
    let sandbox: Bool
    let createdAt: Date
    var cascade: CascadeState
    var nextAction: CascadeAction
    let messages: [RenderedMessage]

    /// Whether the event is transactional; an event type the catalog no longer knows counts as one,
    /// so that it is never held or unsubscribed from by mistake.
    var transactional: Bool { EventCatalog.named(eventType)?.transactional ?? true }
}

/// What one step of the dispatcher changes, written in one transaction.
struct DispatchOutcome: Sendable {
    /// When the outbox should hand the notification back.
    enum Due: Sendable, Equatable {
        case at(Date)
        /// Out of the outbox: the notification is through or given up.
        case finished
        /// As it was (a report that changes nothing the outbox waits for).
        case unchanged
    }

    var cascade: CascadeState
    var nextAction: CascadeAction
    var due: Due = .unchanged
    /// The attempt the step finished, if it sent something.
    var attemptID: Int64?
    var attemptOutcome: String?
    var providerMessageID: String?
    var providerCode: String?
    var detail: String?
}

/// Events, the notifications they made, the outbox, and the link hosts partners registered. Every
/// method that takes a `partnerID` sees only that partner's rows.
protocol NotificationStore: Sendable {
    func linkHosts(partnerID: String) throws -> [String]
    func addLinkHost(_ host: String, partnerID: String) throws
    func removeLinkHost(_ host: String, partnerID: String) throws -> Bool

    /// The stored answer for an event id already accepted, and the hash of its request, if any.
    func acceptedEvent(id: String, partnerID: String) throws -> (hash: [UInt8], answer: String)?
    /// Writes the event, its notifications, their messages and their outbox rows in one transaction;
    /// returns the answer stored for the event id (the earlier one when the id was already taken by
    /// the same request, with `repeated`; a different request with that id is `StoreError.duplicate`),
    /// and whether webhook messages were queued with it. With `idempotency`, the answer is stored under that key
    /// in the same transaction (`IdempotencyKeyTaken` when the key already holds another).
    func accept(_ event: EventSubmission, hash: [UInt8], body: String, answer: String,
                notifications: [PlannedNotification], idempotency: IdempotentRequest?, now: Date) async throws -> (answer: String, repeated: Bool, webhooksQueued: Bool)

    /// Leases up to `limit` notifications whose time has come to `owner` (a node's name), so that no
    /// other dispatcher takes them until `leaseUntil`; a lease left by a crashed node expires and the
    /// row comes back.
    func claimDue(now: Date, leaseUntil: Date, limit: Int, owner: String) async throws -> [String]
    /// Hands back the leases `owner` holds: a node that starts again after a crash takes back what
    /// its previous run had claimed, at once rather than when the leases end.
    func releaseLeases(owner: String) throws -> Int
    func dispatchRecord(id: String) throws -> DispatchRecord?
    /// The records of these notifications, read in one snapshot (those gone are left out).
    func dispatchRecords(ids: [String]) throws -> [DispatchRecord]
    /// Records that attempts start, before their providers are called, in one transaction (none
    /// of them when it fails). For each, in order, the address is looked up on the suppression list
    /// (`AttemptRequest.suppression`), then, unless it is there, the send is counted on the
    /// request's counters: on all of them, or, when one is full, on none (and that one is returned).
    func startAttempts(_ requests: [AttemptRequest]) async throws -> [AttemptStart]
    /// Writes what steps changed, in one transaction (none of it when it fails); true when it queued
    /// webhook messages (a status change that a partner's endpoint listens to).
    @discardableResult
    func finishSteps(_ steps: [FinishedStep]) async throws -> Bool
    /// Records a provider's later report on the attempt that got its message id.
    func recordReport(_ report: DeliveryReport, channel: ChannelKind, now: Date) throws
    /// The notification whose attempt on `channel` got `providerMessageID`.
    func notificationID(channel: ChannelKind, providerMessageID: String) throws -> String?
    /// Rows waiting in the outbox.
    func outboxDepth() throws -> Int

    func notifications(partnerID: String, orderID: String) throws -> [NotificationView]
    func notification(id: String, partnerID: String) throws -> NotificationView?
}

extension NotificationStore {
    /// Records that one attempt starts (see `startAttempts`).
    func startAttempt(notificationID: String, channel: ChannelKind, number: Int, at: Date,
                      unless suppression: SuppressionQuery?, counting counters: [SendCounter]) async throws -> AttemptStart {
        let starts = try await startAttempts([AttemptRequest(notificationID: notificationID, channel: channel, number: number, at: at,
                                                             suppression: suppression, counters: counters)])
        guard let start = starts.first else { throw StoreError.invalid("no attempt was recorded") }
        return start
    }

    /// Writes what one step changed (see `finishSteps`).
    @discardableResult
    func finishStep(notificationID: String, _ outcome: DispatchOutcome, now: Date) async throws -> Bool {
        try await finishSteps([FinishedStep(notificationID: notificationID, outcome: outcome, at: now)])
    }
}

/// An attempt about to start: on which channel, its number, and what may stop it before the provider.
struct AttemptRequest: Sendable {
    let notificationID: String
    let channel: ChannelKind
    let number: Int
    let at: Date
    /// The suppression list's entries that would stop it; nil to look none up.
    let suppression: SuppressionQuery?
    /// The counters it counts on.
    let counters: [SendCounter]
}

/// A step carried out, to be written.
struct FinishedStep: Sendable {
    let notificationID: String
    let outcome: DispatchOutcome
    let at: Date
}

/// What `startAttempts` wrote and found for one attempt.
struct AttemptStart: Sendable, Equatable {
    let id: Int64
    /// The entry that stops the message; nothing was counted.
    var suppressed: SuppressionEntry? = nil
    /// The counter that is full; nothing was counted.
    var full: SendCounter? = nil
}

import Channels
import Foundation
import TemplateEngine

/// Events in, and what became of them: `POST /v1/events` (operators, and partners' sandbox tokens),
/// the notifications of an order, one notification with its attempts, and the link hosts a partner
/// registers for the URLs in its events.
enum EventRoutes {
    static let senders: Set<TokenKind> = [.operator, .partnerSandbox]

    static func add(to router: inout Router, store: any KassaStore, planner: NotificationPlanner, clock: any WallClock,
                    accepted: @escaping @Sendable (_ webhooksQueued: Bool) -> Void) {
        router.add("POST", "/v1/events", storesIdempotentAnswer: true) { request, _ in
            let principal = try KassaAPI.authenticate(request, store, allowing: senders)
            let body = try TemplateRoutes.jsonObject(request)
            let isPartner = principal.kind == .partnerSandbox
            let (event, partnerField) = try EventSubmission.parse(body, partnerID: isPartner ? principal.ownerID : nil, sandbox: isPartner)
            if isPartner, let partnerField, partnerField != principal.ownerID {
                throw APIError(403, "forbidden", "A sandbox token sends events for its own partner only")
            }
            if !isPartner, try !store.partners().contains(where: { $0.id == event.partnerID }) {
                throw APIError(422, "unknown_partner", "No partner '\(event.partnerID)'")
            }
            let canonical = Value.object(body).jsonBytes
            let hash = Crypto.sha256(canonical)
            let receivedAt = clock.now()
            let notifications: [PlannedNotification]
            do {
                let hosts = LinkHosts(hosts: Set(try store.linkHosts(partnerID: event.partnerID)))
                if let violation = hosts.firstViolation(in: event.data, schema: event.type.schema) {
                    throw APIError(422, "link_host_not_registered", "A link in the event's data points to a host the partner has not registered",
                                   detail: violation + "; register hosts with PUT /v1/link-hosts/{host}")
                }
                notifications = try planner.plan(event) { try SQLiteStore.newID("ntf", at: receivedAt) }
            } catch {
                // A repeated event id answers like the first time, even when its templates or link
                // hosts have changed since. (On the way that succeeds, the write finds the repeat.)
                if let earlier = try store.acceptedEvent(id: event.id, partnerID: event.partnerID) {
                    return try repeated(earlier, hash: hash, id: event.id)
                }
                throw error
            }
            let answer: Value = ["id": .string(event.id), "type": .string(event.type.name), "order_id": .string(event.orderID),
                                 "sandbox": .bool(event.sandbox),
                                 "notifications": .array(notifications.map { n in
                                     ["id": .string(n.id), "channels": .array(n.messages.map { .string($0.channel.rawValue) }), "status": "queued"]
                                 })]
            let stored: (answer: String, repeated: Bool, webhooksQueued: Bool)
            do {
                stored = try await store.accept(event, hash: hash, body: String(decoding: canonical, as: UTF8.self), answer: answer.jsonString,
                                          notifications: notifications, idempotency: request.idempotency, now: receivedAt)
            } catch let error as StoreError {
                if case .duplicate = error { throw conflict(event.id) }
                throw error
            }
            if !stored.repeated { accepted(stored.webhooksQueued) }
            return HTTPResponse(status: 202, headers: [("Content-Type", "application/json")], body: Array(stored.answer.utf8),
                                idempotentAnswerStored: request.idempotency != nil)
        }

        router.add("GET", "/v1/orders/:order/notifications") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            let list = try store.notifications(partnerID: partner.ownerID, orderID: parameters["order"] ?? "")
            return .json(["order_id": .string(parameters["order"] ?? ""), "notifications": .array(list.map(\.json))])
        }

        router.add("GET", "/v1/notifications/:id") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            guard let view = try store.notification(id: parameters["id"] ?? "", partnerID: partner.ownerID) else { throw APIError.notFound }
            return .json(view.json)
        }

        router.add("GET", "/v1/link-hosts") { request, _ in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            return .json(["hosts": .array(try store.linkHosts(partnerID: partner.ownerID).map { .string($0) })])
        }

        router.add("PUT", "/v1/link-hosts/:host") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            guard let host = LinkHosts.normalize(parameters["host"] ?? "") else {
                throw APIError(422, "invalid_host", "'\(parameters["host"] ?? "")' is not a host name",
                               detail: "Write the host alone, such as kadastr-online.ru; it covers its subdomains")
            }
            try store.addLinkHost(host, partnerID: partner.ownerID)
            return .json(["hosts": .array(try store.linkHosts(partnerID: partner.ownerID).map { .string($0) })])
        }

        router.add("DELETE", "/v1/link-hosts/:host") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            guard let host = LinkHosts.normalize(parameters["host"] ?? ""), try store.removeLinkHost(host, partnerID: partner.ownerID) else {
                throw APIError.notFound
            }
            return .json(["hosts": .array(try store.linkHosts(partnerID: partner.ownerID).map { .string($0) })])
        }
    }

    private static func repeated(_ earlier: (hash: [UInt8], answer: String), hash: [UInt8], id: String) throws -> HTTPResponse {
        guard Crypto.constantTimeEqual(earlier.hash, hash) else { throw conflict(id) }
        return HTTPResponse(status: 202, headers: [("Content-Type", "application/json")], body: Array(earlier.answer.utf8))
    }

    private static func conflict(_ id: String) -> APIError {
        APIError(409, "event_id_reused", "Event '\(id)' was already accepted with different content",
                 detail: "An event id names one event; send a changed event under a new id")
    }
}

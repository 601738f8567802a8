import Channels
import Foundation
import TemplateEngine

/// The suppression list and partners' daily quotas. A partner reads its own entries and lifts its
/// own unsubscribes; operators add entries (a complaint from a feedback loop, a manual block), read
/// and delete any, and set a partner's quotas, which the partner can read.
enum SuppressionRoutes {
    static let readers: Set<TokenKind> = [.partnerLive, .partnerSandbox, .operator]

    static func add(to router: inout Router, store: any KassaStore, policy: SendingPolicy, clock: any WallClock) {
        router.add("GET", "/v1/suppressions") { request, _ in
            let principal = try KassaAPI.authenticate(request, store, allowing: readers)
            var filter = SuppressionFilter()
            if principal.kind == .operator {
                if let partner = request.query["partner_id"], !partner.isEmpty {
                    if partner == "global" { filter.globalOnly = true } else { filter.partnerID = partner }
                }
            } else {
                filter.partnerID = principal.ownerID
            }
            if let text = request.query["channel"], !text.isEmpty { filter.channel = try channel(text, field: "channel") }
            if let text = request.query["address"], !text.isEmpty {
                let channels = filter.channel.map { [$0] } ?? ChannelKind.allCases
                filter.addresses = Set(channels.compactMap { SuppressionEntry.normalize(text, channel: $0) }).sorted()
                guard !filter.addresses.isEmpty else {
                    throw APIError(422, "invalid_address", "'\(text.prefix(100))' is not an address on \(filter.channel?.rawValue ?? "any channel")")
                }
            }
            if let text = request.query["limit"], !text.isEmpty {
                guard let limit = Int(text), (1...1000).contains(limit) else {
                    throw APIError(422, "invalid_field", "limit is a whole number from 1 to 1000")
                }
                filter.limit = limit
            }
            return .json(["suppressions": .array(try store.suppressions(filter).map(\.json))])
        }

        router.add("POST", "/v1/suppressions") { request, _ in
            let principal = try KassaAPI.authenticate(request, store, allowing: [.operator])
            let body = try TemplateRoutes.jsonObject(request)
            let entry = try newSuppression(body, by: principal, store: store)
            let (stored, created) = try store.addSuppression(entry, now: clock.now())
            return .json(stored.json, status: created ? 201 : 200)
        }

        router.add("DELETE", "/v1/suppressions/:id") { request, parameters in
            let principal = try KassaAPI.authenticate(request, store, allowing: readers)
            let id = parameters["id"] ?? ""
            guard let entry = try store.suppression(id: id), principal.kind == .operator || entry.partnerID == principal.ownerID else {
                throw APIError.notFound
            }
            if principal.kind != .operator, entry.reason != .unsubscribe {
                throw APIError(403, "suppression_locked", "Only an operator can lift a \(entry.reason.rawValue) entry",
                               detail: "A partner can lift its payers' unsubscribes (when a payer asks to get reminders again); complaints and blocks are lifted by our support")
            }
            guard try store.deleteSuppression(id: id) else { throw APIError.notFound }
            return .json(["id": .string(id), "deleted": true])
        }

        router.add("GET", "/v1/partners/:partner/quotas") { request, parameters in
            let principal = try KassaAPI.authenticate(request, store, allowing: readers)
            let partnerID = try visiblePartner(parameters["partner"] ?? "", to: principal, store: store)
            return .json(try quotas(of: partnerID, store: store, policy: policy, now: clock.now()))
        }

        router.add("PUT", "/v1/partners/:partner/quotas") { request, parameters in
            let principal = try KassaAPI.authenticate(request, store, allowing: [.operator])
            let partnerID = try visiblePartner(parameters["partner"] ?? "", to: principal, store: store)
            var changes: [ChannelKind: Int?] = [:]
            for (key, value) in try TemplateRoutes.jsonObject(request).pairs {
                let kind = try channel(key, field: "a channel")
                switch value {
                case .nil: changes[kind] = .some(nil)
                case .int(let n) where (0...100_000_000).contains(n): changes[kind] = n
                default:
                    throw APIError(422, "invalid_field", "\(key) must be a whole number of sends per day from 0 to 100000000, or null for the default")
                }
            }
            try store.setPartnerQuotas(partnerID: partnerID, changes, now: clock.now())
            return .json(try quotas(of: partnerID, store: store, policy: policy, now: clock.now()))
        }
    }

    private static func channel(_ text: String, field: String) throws -> ChannelKind {
        guard let kind = ChannelKind(rawValue: text) else {
            throw APIError(422, "unknown_channel", "'\(text.prefix(50))' is not \(field)", detail: "Channels: email, sms, viber, vk")
        }
        return kind
    }

    /// The entry an operator's request describes; each reason has the scope the list's rules give
    /// it, except a manual block, whose scope the operator may choose.
    private static func newSuppression(_ body: ValueObject, by principal: Principal, store: any KassaStore) throws -> NewSuppression {
        let channel = try channel(body["channel"]?.stringValue ?? "", field: "a channel (the field 'channel')")
        guard let text = body["address"]?.stringValue, let address = SuppressionEntry.normalize(text, channel: channel) else {
            throw APIError(422, "invalid_address", "'address' must be an address on \(channel.rawValue): an e-mail address, a Russian phone number or a VK user id")
        }
        guard let reason = body["reason"]?.stringValue.flatMap(SuppressionReason.init(rawValue:)) else {
            throw APIError(422, "invalid_field", "'reason' is one of \(SuppressionReason.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var partnerID: String?
        if let value = body["partner_id"], value != .nil {
            guard let id = value.stringValue, try store.partners().contains(where: { $0.id == id }) else {
                throw APIError(422, "unknown_partner", "No partner '\(value.stringValue ?? value.jsonString)'")
            }
            partnerID = id
        }
        switch reason {
        case .hardBounce where partnerID != nil:
            throw APIError(422, "invalid_field", "A hard bounce covers every partner: leave out partner_id")
        case .complaint where partnerID == nil, .unsubscribe where partnerID == nil:
            throw APIError(422, "invalid_field", "A \(reason.rawValue) is about one partner's messages: give partner_id")
        default:
            break
        }
        var scope: SuppressionScope?
        if let value = body["scope"], value != .nil {
            guard let given = value.stringValue.flatMap(SuppressionScope.init(rawValue:)) else {
                throw APIError(422, "invalid_field", "'scope' is all or non_transactional")
            }
            guard reason == .manual || given == reason.defaultScope else {
                throw APIError(422, "invalid_field", "A \(reason.rawValue) always has the scope \(reason.defaultScope.rawValue); only a manual block takes another")
            }
            scope = given
        }
        let detail = body["detail"]?.stringValue.map { String($0.prefix(500)) }
        return NewSuppression(partnerID: partnerID, channel: channel, address: address, reason: reason, scope: scope,
                              source: "operator:\(principal.ownerID)", detail: detail)
    }

    /// The partner `id` if the principal may see it: an operator any existing partner, a partner itself.
    private static func visiblePartner(_ id: String, to principal: Principal, store: any KassaStore) throws -> String {
        if principal.kind == .operator {
            guard try store.partners().contains(where: { $0.id == id }) else { throw APIError.notFound }
        } else {
            guard id == principal.ownerID else { throw APIError.notFound }
        }
        return id
    }

    /// Each channel's daily limit, where it comes from, and the live sends counted today (Moscow time).
    private static func quotas(of partnerID: String, store: any KassaStore, policy: SendingPolicy, now: Date) throws -> Value {
        let own = try store.partnerQuotas(partnerID: partnerID)
        let day = SendingPolicy.moscowDay(of: now)
        var channels = ValueObject()
        for kind in ChannelKind.allCases {
            let perDay = own[kind] ?? policy.partnerDaily[kind]
            let used = try store.sends(key: SendingPolicy.partnerCounterKey(partnerID: partnerID, channel: kind, sandbox: false),
                                       period: SendingPolicy.dayPeriod(day.name))
            channels[kind.rawValue] = ["per_day": perDay.map { .int($0) } ?? .nil,
                                       "source": .string(own[kind] != nil ? "partner" : (perDay == nil ? "none" : "default")),
                                       "used_today": .int(used)]
        }
        return ["partner_id": .string(partnerID), "day": .string(day.name), "quotas": .object(channels)]
    }
}

import Channels
import Foundation
import TemplateEngine

/// Why an address is on the suppression list; the reason decides whom the entry covers.
enum SuppressionReason: String, Sendable, CaseIterable {
    /// The provider said the recipient does not exist: nobody's messages go there, on that channel.
    case hardBounce = "hard_bounce"
    /// The recipient complained of the partner's messages (a feedback loop): none of that partner's go.
    case complaint
    /// The recipient unsubscribed from the partner's non-transactional messages (reminders).
    case unsubscribe
    /// An operator blocked the address, for one partner or all, with the scope the operator chose.
    case manual

    /// The scope an entry of this reason has, unless an operator chooses (manual entries only).
    var defaultScope: SuppressionScope { self == .unsubscribe ? .nonTransactional : .all }
}

/// Which of a partner's messages an entry stops.
enum SuppressionScope: String, Sendable, CaseIterable {
    case all
    case nonTransactional = "non_transactional"
}

/// One address the service does not send to on one channel, for one partner or (partner nil) for
/// every partner.
struct SuppressionEntry: Sendable, Equatable {
    let id: String
    /// Nil: every partner.
    let partnerID: String?
    let channel: ChannelKind
    /// Normalised as `SuppressionEntry.normalize` does.
    let address: String
    let reason: SuppressionReason
    let scope: SuppressionScope
    /// Who or what added it: `smtp`, `sms_ru`, `one_click`, `operator:<id>`.
    let source: String
    /// The provider's answer or the operator's note.
    let detail: String?
    let createdAt: String

    /// Whether the entry stops a message of `partnerID`, transactional or not.
    func covers(partnerID: String, transactional: Bool) -> Bool {
        (self.partnerID == nil || self.partnerID == partnerID) && (scope == .all || !transactional)
    }

    /// Why a message was not sent, in Russian and English, as the notification's history shows it.
    var explanation: String {
        let whose = partnerID == nil ? "для всех партнёров" : "для этого партнёра"
        switch reason {
        case .hardBounce:
            return "Адрес в списке подавления: получателя не существует (\(whose)) / suppressed: the recipient does not exist (hard bounce)"
        case .complaint:
            return "Адрес в списке подавления: получатель пожаловался на рассылку / suppressed: the recipient complained"
        case .unsubscribe:
            return "Получатель отписался от необязательных сообщений / suppressed: the recipient unsubscribed from non-transactional messages"
        case .manual:
            return "Адрес заблокирован оператором (\(whose)) / suppressed: blocked by an operator"
        }
    }

    var json: Value {
        var o = ValueObject([("id", .string(id))])
        o["partner_id"] = partnerID.map { .string($0) } ?? .nil
        o["channel"] = .string(channel.rawValue)
        o["address"] = .string(address)
        o["reason"] = .string(reason.rawValue)
        o["scope"] = .string(scope.rawValue)
        o["source"] = .string(source)
        o["detail"] = detail.map { .string($0) } ?? .nil
        o["created_at"] = .string(createdAt)
        return .object(o)
    }

    /// An address as the list keeps it: e-mail checked and lowercased (so that `Anna@Example.ru`
    /// cannot slip past an unsubscribe), phone numbers as contacts keep them (`79991234567`), VK ids
    /// as numbers; nil when it is not an address on that channel.
    static func normalize(_ text: String, channel: ChannelKind) -> String? {
        let text = String(text.trimmingWhitespace)
        switch channel {
        case .email:
            return (try? EmailAddress(text))?.address.lowercased()
        case .sms, .viber:
            return try? RussianPhoneNumber.normalize(text)
        case .vk:
            guard let id = Int(text), id > 0 else { return nil }
            return String(id)
        }
    }
}

/// An entry to add: the store gives it an id and a time.
struct NewSuppression: Sendable, Equatable {
    var partnerID: String?
    var channel: ChannelKind
    var address: String
    var reason: SuppressionReason
    var scope: SuppressionScope
    var source: String
    var detail: String?

    init(partnerID: String?, channel: ChannelKind, address: String, reason: SuppressionReason, scope: SuppressionScope? = nil,
         source: String, detail: String? = nil) {
        self.partnerID = partnerID
        self.channel = channel
        self.address = address
        self.reason = reason
        self.scope = scope ?? reason.defaultScope
        self.source = source
        self.detail = detail
    }
}

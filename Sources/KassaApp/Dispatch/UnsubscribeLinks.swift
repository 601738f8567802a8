import Channels
import Foundation

/// One-click unsubscribe links for non-transactional mail (RFC 8058, RFC 2369): stateless tokens
/// that name the partner, the channel and the address, signed with HMAC-SHA256 under a key derived
/// from the master key for this purpose alone, so that nobody can make one for another address.
///
/// ```swift
/// let links = UnsubscribeLinks(baseURL: "https://kassa.apikassa.ru", box: masterKey)
/// let url = links.url(for: .init(partnerID: "prt_1", channel: .email, address: "anna@example.ru"))
/// // https://kassa.apikassa.ru/u/MQpwcnRfMQplbWFpbAphbm5hQGV4YW1wbGUucnU.3q2-…
/// ```
struct UnsubscribeLinks: Sendable {
    /// Whom a link unsubscribes: an address on a channel, from one partner's non-transactional messages.
    struct Subject: Sendable, Equatable {
        let partnerID: String
        let channel: ChannelKind
        let address: String

        init(partnerID: String, channel: ChannelKind, address: String) {
            self.partnerID = partnerID
            self.channel = channel
            self.address = address
        }

        /// An e-mail recipient, normalised as the suppression list keeps addresses.
        init(email: String, partnerID: String) {
            self.init(partnerID: partnerID, channel: .email, address: SuppressionEntry.normalize(email, channel: .email) ?? email)
        }
    }

    /// What a token turned out to be.
    enum Verification: Sendable, Equatable {
        case valid(Subject)
        /// Not a token at all: cut short, or not base64url.
        case malformed
        /// Well formed, but not signed by us, or for something else.
        case forged
    }

    /// The public URL links start with, without a trailing slash.
    let baseURL: String
    private let key: [UInt8]

    init(baseURL: String, key: [UInt8]) {
        self.baseURL = baseURL
        self.key = key
    }

    /// Links signed under the master key's unsubscribe key.
    init(baseURL: String, box: SecretBox) {
        self.init(baseURL: baseURL, key: box.derivedKey(purpose: "unsubscribe links"))
    }

    /// `v1`, then the subject's fields, one a line; none of them can hold a line break.
    private static func payload(_ subject: Subject) -> [UInt8] {
        Array("1\n\(subject.partnerID)\n\(subject.channel.rawValue)\n\(subject.address)".utf8)
    }

    /// base64url(payload) `.` base64url(HMAC-SHA256(key, payload)).
    func token(for subject: Subject) -> String {
        let payload = Self.payload(subject)
        return Crypto.base64URL(payload) + "." + Crypto.base64URL(Crypto.hmacSHA256(key: key, message: payload))
    }

    func url(for subject: Subject) -> String {
        baseURL + "/u/" + token(for: subject)
    }

    /// The List-Unsubscribe headers for `subject`; nil when the public URL is not https, which
    /// one-click unsubscribe requires (the visible link in the message still works).
    func listUnsubscribe(for subject: Subject) -> ListUnsubscribe? {
        try? ListUnsubscribe(url: url(for: subject))
    }

    /// Checks the signature in constant time before reading anything the token says.
    func verify(_ token: String) -> Verification {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 2048, parts.count == 2,
              let payload = SecretBox.base64URLDecode(String(parts[0])), !payload.isEmpty,
              let tag = SecretBox.base64URLDecode(String(parts[1])), tag.count == Crypto.sha256Length,
              parts.allSatisfy({ $0.utf8.allSatisfy { Self.base64URLAlphabet.contains($0) } })
        else { return .malformed }
        guard Crypto.constantTimeEqual(Crypto.hmacSHA256(key: key, message: payload), tag) else { return .forged }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0] == "1", !fields[1].isEmpty, let channel = ChannelKind(rawValue: String(fields[2])), !fields[3].isEmpty
        else { return .forged }
        return .valid(Subject(partnerID: String(fields[1]), channel: channel, address: String(fields[3])))
    }

    private static let base64URLAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The line a non-transactional e-mail's text ends with.
    static func textLine(_ url: String) -> String {
        "Не хотите получать напоминания? Отписаться: \(url)"
    }

    /// The same line for the HTML part, put before `</body>` (after the attribution) or at the end.
    static func withLine(html: String, url: String) -> String {
        let line = "<p style=\"margin:8px 0 0 0;font-size:11px;color:#999;text-align:center;\">Не хотите получать напоминания? "
            + "<a href=\"\(escapeHTML(url))\" style=\"color:#999;\">Отписаться</a></p>"
        return NotificationComposer.inserting(line, beforeBodyEndOf: html)
    }

    /// Text with `& < > " '` escaped, for HTML.
    static func escapeHTML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

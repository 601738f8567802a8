/// Why a provider did not take a message, classified so that the dispatcher knows what to do:
/// try again later, slow down, or stop (and let the next channel take over).
public struct DeliveryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A temporary failure: the same message may succeed later (after `after`, when the provider said).
        case retryable(after: Duration?)
        /// The provider (or our own limit) asks us to send more slowly.
        case rateLimited(after: Duration?)
        /// It will never succeed as it is: a bad address, a refused account, a configuration error.
        case permanent
    }

    public let kind: Kind
    /// The provider's own code, when it gave one: `550 5.1.1` for SMTP, `207` for SMS.ru, `curl 64`.
    public let providerCode: String?
    /// A plain sentence for people; never a secret.
    public let reason: String
    /// The provider said the recipient does not exist (an SMTP `5.1.1` "no such user", SMS.ru's
    /// 202): a hard bounce, which the service keeps on its suppression list. Set only by an adapter
    /// that knows its provider's answer means exactly that.
    public let recipientUnknown: Bool

    public init(_ kind: Kind, code: String? = nil, reason: String, recipientUnknown: Bool = false) {
        self.kind = kind
        providerCode = code
        self.reason = reason
        self.recipientUnknown = recipientUnknown
    }

    public var isPermanent: Bool { kind == .permanent }

    public var description: String {
        let what: String, wait: Duration?
        switch kind {
        case .retryable(let after): (what, wait) = ("retryable", after)
        case .rateLimited(let after): (what, wait) = ("rate-limited", after)
        case .permanent: (what, wait) = ("permanent", nil)
        }
        return "\(what) failure" + (providerCode.map { " (\($0))" } ?? "") + ": \(reason)" + (wait.map { " (try again in \($0))" } ?? "")
    }
}

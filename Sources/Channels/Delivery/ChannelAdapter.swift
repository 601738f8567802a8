/// A message composed for one recipient on one channel, ready for its adapter.
public struct OutboundMessage: Sendable {
    public enum Content: Sendable {
        /// A whole e-mail: addresses, parts, Message-ID.
        case email(EmailMessage)
        /// A text message (SMS, Viber, VK) to a phone number or a VK user id.
        case text(recipient: String, body: String)
    }

    /// Our id of the notification: what a provider's idempotency key is derived from, so that a
    /// retry after a crash is recognisable as a duplicate.
    public let notificationID: String
    public let content: Content
    /// The id under which the provider registered the template (Viber); nil where none is needed.
    public let providerTemplateID: String?
    /// The values of the registered template's placeholders, in order, as a provider that sends by
    /// template id takes them (Viber through edna); empty where none are needed.
    public let providerTemplateValues: [String]

    public init(notificationID: String, content: Content, providerTemplateID: String? = nil, providerTemplateValues: [String] = []) {
        self.notificationID = notificationID
        self.content = content
        self.providerTemplateID = providerTemplateID
        self.providerTemplateValues = providerTemplateValues
    }
}

/// One channel's provider behind one interface: a composed message in; the provider's message id,
/// or a classified failure, out.
public protocol ChannelAdapter: Sendable {
    var channel: ChannelKind { get }
    func send(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt
}

import Foundation

/// Transactional Viber Business Messages through edna Pulse: each message goes out as the
/// template edna registered and Viber approved, named by `OutboundMessage.providerTemplateID`,
/// with the values of its placeholders. Russian, Belarusian and Ukrainian transactional traffic
/// must use approved templates or is billed as promotional (Infobip's Viber API page; 8x8's
/// template notes), so a message without a template id is refused before any request.
///
/// ```swift
/// let adapter = ViberAdapter(configuration: ViberConfiguration(apiKey: ProviderSecret(key), sender: "SHOP_VIBER"))
/// let message = OutboundMessage(notificationID: "n-42", content: .text(recipient: "+7 999 123-45-67", body: "Заказ 42 оплачен"),
///                               providerTemplateID: "1043", providerTemplateValues: ["42"])
/// let receipt = try await adapter.send(message)
/// ```
public final class ViberAdapter: ChannelAdapter {
    public let channel = ChannelKind.viber
    /// The longest text a Viber business message may carry (SRVC_BAD_DATA above 1000 characters:
    /// Alibaba Cloud's and tyntec's Viber error lists).
    public static let maxTextLength = 1000

    private let configuration: ViberConfiguration
    private let rateLimit: TokenBucket?
    private let client: HTTPClient

    /// edna documents no rate for this method; `rateLimit` is the account's own, when it has one.
    public init(configuration: ViberConfiguration, rateLimit: TokenBucket? = nil) {
        self.configuration = configuration
        self.rateLimit = rateLimit
        client = HTTPClient(timeout: configuration.timeout, connectTimeout: min(configuration.timeout, .seconds(5)))
    }

    public func send(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt {
        do throws(DeliveryFailure) {
            let request = try Self.request(for: message, configuration: configuration)
            if let wait = rateLimit?.take() {
                throw DeliveryFailure(.rateLimited(after: wait), code: "local", reason: "the account's Viber sending rate is used up")
            }
            return try EdnaAnswer.receipt(from: try await client.send(request))
        } catch {
            throw DeliveryFailure(error.kind, code: error.providerCode, reason: configuration.apiKey.redacting(error.reason))
        }
    }

    /// The template send for `message`, or the reason it cannot be sent as it is. Our notification
    /// id goes as edna's `messageId`, so that a resend is the same message to edna, which cancels
    /// duplicates within 20 minutes (edna's sending page).
    static func request(for message: OutboundMessage, configuration: ViberConfiguration) throws(DeliveryFailure) -> HTTPRequest {
        guard case .text(let recipient, let body) = message.content else {
            throw DeliveryFailure(.permanent, reason: "the Viber channel was given a message for another channel")
        }
        guard let templateID = message.providerTemplateID else {
            throw DeliveryFailure(.permanent, code: "template",
                                  reason: "a transactional Viber message must name the template edna registered for it, and this one names none")
        }
        guard let template = Int64(templateID), template > 0 else {
            throw DeliveryFailure(.permanent, code: "template", reason: "'\(templateID.prefix(40))' is not an edna template id (a positive number)")
        }
        guard let phone = ViberPhoneNumber.normalized(recipient) else {
            throw DeliveryFailure(.permanent, code: "recipient", reason: "'\(recipient.prefix(40))' is not a phone number")
        }
        let length = body.unicodeScalars.count
        guard length > 0 else {
            throw DeliveryFailure(.permanent, code: "text", reason: "the Viber message is empty")
        }
        guard length <= maxTextLength else {
            throw DeliveryFailure(.permanent, code: "text", reason: "the Viber message is \(length) characters long; Viber takes at most \(maxTextLength)")
        }
        guard !configuration.apiKey.isEmpty, !configuration.sender.isEmpty else {
            throw DeliveryFailure(.permanent, code: "config", reason: "no edna API key or sender is configured")
        }
        let payload = TemplateSend(messageId: message.notificationID, sender: configuration.sender, phone: phone, templateId: template,
                                   textVariables: message.providerTemplateValues.isEmpty ? nil : message.providerTemplateValues)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let bytes = try? encoder.encode(payload) else {
            throw DeliveryFailure(.permanent, code: "json", reason: "the Viber message could not be written as JSON")
        }
        return HTTPRequest.json(configuration.url(of: "api/v1/out-messages/viber/template"), Array(bytes),
                                headers: [("X-API-KEY", configuration.apiKey.value)])
    }

    /// Reads one of edna's status webhooks into a report, after checking the key it carries in
    /// `X-API-KEY` (pass that header's value, nil when absent) against `callbackKey`.
    public func report(fromCallback body: [UInt8], key: String?) throws(CallbackError) -> DeliveryReport {
        try EdnaStatusReport.report(from: body, key: key, expected: configuration.callbackKey)
    }

    /// The body of `POST api/v1/out-messages/viber/template`.
    private struct TemplateSend: Encodable {
        let messageId: String
        let sender: String
        let phone: String
        let templateId: Int64
        let textVariables: [String]?
    }
}

/// Messages from a VK community to its users through `messages.send`: the user id and text are
/// checked before anything is sent, a `random_id` derived from our notification id makes a resend
/// recognisable to VK, the token travels only in the `Authorization` header, and the community's
/// 20 requests a second are kept to locally.
///
/// ```swift
/// let adapter = VKAdapter(configuration: VKConfiguration(token: ProviderSecret(token), groupID: 218_000_000))
/// let receipt = try await adapter.send(OutboundMessage(notificationID: "n-42", content: .text(recipient: "1234567", body: "Заказ №42 оплачен")))
/// ```
public final class VKAdapter: ChannelAdapter {
    public let channel = ChannelKind.vk
    /// The longest text `messages.send` takes (`message` maxLength 9000 in vk-api-schema 5.199), in
    /// Unicode code points as JSON Schema counts them.
    public static let maxTextLength = 9000

    private let configuration: VKConfiguration
    private let rateLimit: TokenBucket
    private let client: HTTPClient

    /// `rateLimit` defaults to VK's 20 requests a second for a community token; a test passes one
    /// with its own clock.
    public init(configuration: VKConfiguration, rateLimit: TokenBucket = TokenBucket(perSecond: 20, burst: 20)) {
        self.configuration = configuration
        self.rateLimit = rateLimit
        client = HTTPClient(timeout: configuration.timeout, connectTimeout: min(configuration.timeout, .seconds(5)))
    }

    public func send(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt {
        do throws(DeliveryFailure) {
            return try await deliver(message)
        } catch {
            // VK's error texts never carry the token, but nothing that echoes a request may show it.
            throw DeliveryFailure(error.kind, code: error.providerCode, reason: configuration.token.redacting(error.reason))
        }
    }

    private func deliver(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt {
        let fields = try Self.fields(for: message, configuration: configuration)
        if let wait = rateLimit.take() {
            throw DeliveryFailure(.rateLimited(after: wait), code: "local", reason: "the community's 20 requests a second to VK are used up")
        }
        let request = HTTPRequest.form(configuration.url(of: "messages.send"), fields,
                                       headers: [("Authorization", "Bearer " + configuration.token.value)])
        return try VKAnswer.receipt(from: try await client.send(request))
    }

    /// The form fields of `messages.send` for `message`, or the reason it cannot be sent as it is.
    static func fields(for message: OutboundMessage, configuration: VKConfiguration) throws(DeliveryFailure) -> [(String, String)] {
        guard case .text(let recipient, let body) = message.content else {
            throw DeliveryFailure(.permanent, reason: "the VK channel was given a message for another channel")
        }
        guard !configuration.token.isEmpty else {
            throw DeliveryFailure(.permanent, code: "config", reason: "no VK community token is configured")
        }
        let userID = try userID(recipient)
        let length = body.unicodeScalars.count
        guard length > 0 else {
            throw DeliveryFailure(.permanent, code: "text", reason: "the VK message is empty")
        }
        guard length <= maxTextLength else {
            throw DeliveryFailure(.permanent, code: "text", reason: "the VK message is \(length) characters long; VK takes at most \(maxTextLength)")
        }
        return [
            ("user_id", String(userID)),
            ("random_id", String(VKRandomID.of(notificationID: message.notificationID))),
            ("message", body),
            ("intent", configuration.intent.rawValue),
            ("group_id", String(configuration.groupID)),
            ("v", VKConfiguration.apiVersion),
        ]
    }

    /// A VK user id as `messages.send` takes it: a positive integer, written in plain digits.
    static func userID(_ recipient: String) throws(DeliveryFailure) -> Int64 {
        guard !recipient.isEmpty, recipient.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let id = Int64(recipient), id > 0 else {
            throw DeliveryFailure(.permanent, code: "recipient", reason: "'\(recipient.prefix(40))' is not a VK user id (a positive integer)")
        }
        return id
    }

    /// Reads one Callback API event (VK's POST to our server) after checking that it is for this
    /// community and, when a secret is configured, that it carries it.
    public func callbackEvent(from body: [UInt8]) throws(CallbackError) -> VKCallbackEvent {
        try VKCallbackEvent(parsing: body, configuration: configuration)
    }
}

/// How to reach Viber Business Messages through edna Pulse (edna.ru), the aggregator this adapter
/// speaks to. edna serves Russia (`app.edna.ru`), sends a Viber message by the id under which the
/// template was registered and approved, documents its statuses and error codes, and reports
/// statuses by webhook. Its specification:
///
/// - sending by template id, `POST /api/v1/out-messages/viber/template` with `X-API-KEY`:
///   https://docs-pulse.edna.io/docs/api/messages/sending-id
/// - the status webhook: https://docs-pulse.edna.io/docs/api/callback/get-status
/// - statuses and processing errors: https://docs.edna.io/kb/available-status-codes/
/// - error codes of the send call: https://docs-pulse.edna.io/docs/api/messages/errorcodes
/// - webhook authentication: https://docs-pulse.edna.io/docs/integrations/api/webhook-settings
///
/// ```swift
/// let viber = ViberConfiguration(apiKey: ProviderSecret(key), sender: "SHOP_VIBER")
/// let adapter = ViberAdapter(configuration: viber)
/// ```
public struct ViberConfiguration: Sendable {
    /// edna's API for Russia; `https://app.edna.io/` is the international one.
    public static let defaultBaseURL = "https://app.edna.ru/"

    /// The account's API key, sent in `X-API-KEY`.
    public var apiKey: ProviderSecret
    /// The channel's signature name in edna (`sender`, the `subject` of the channel list).
    public var sender: String
    /// Where edna's API is; a test points it at a fake.
    public var baseURL: String
    /// How long a message may go without a delivered status before it counts as expired; edna's
    /// own rule is 24 hours ("expired" in the status list). edna's template method takes no
    /// lifetime of its own (the channel's is set in the edna account), so this is what the
    /// cascade's timer waits for before trying SMS.
    public var ttl: Duration
    /// How long one call may take, connection included.
    public var timeout: Duration
    /// The webhook key edna generates when "Authenticate webhooks from edna Pulse" is on, which
    /// its status webhooks carry in the `X-API-KEY` header. edna does not sign webhooks: this
    /// shared key, compared in constant time, is all the proof there is. Nil accepts any webhook,
    /// which only a network that lets nobody else reach the endpoint makes safe.
    public var callbackKey: ProviderSecret?

    public init(apiKey: ProviderSecret, sender: String, baseURL: String = ViberConfiguration.defaultBaseURL, ttl: Duration = .seconds(86_400),
                timeout: Duration = .seconds(10), callbackKey: ProviderSecret? = nil) {
        self.apiKey = apiKey
        self.sender = sender
        self.baseURL = baseURL
        self.ttl = ttl
        self.timeout = timeout
        self.callbackKey = callbackKey
    }

    /// The URL of the API path `path` (without a leading slash).
    func url(of path: String) -> String {
        (baseURL.hasSuffix("/") ? baseURL : baseURL + "/") + path
    }
}

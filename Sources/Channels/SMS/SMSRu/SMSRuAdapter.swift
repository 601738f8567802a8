/// SMS through SMS.ru's HTTP API: the number normalised and the text's parts counted before anything
/// is sent, one `sms/send` form post per message, SMS.ru's codes classified; `status(of:)` polls
/// `sms/status` for the same messages.
///
/// SMS.ru has no idempotency key, so a send that timed out, lost its connection or got a 5xx or an
/// unreadable answer is retryable although SMS.ru may have taken the message: a retry can then send
/// it twice. We accept that risk rather than lose a notification; the outbox row, not SMS.ru, is what
/// makes a send happen at most once per attempt.
///
/// ```swift
/// let adapter = SMSRuAdapter(try SMSRuConfiguration(apiID: key, from: "Apikassa"))
/// let receipt = try await adapter.send(OutboundMessage(notificationID: "n1",
///                                                      content: .text(recipient: "+7 999 000-00-00", body: "Заказ №7 готов")))
/// let reports = try await adapter.status(of: [receipt.providerMessageID])
/// ```
public struct SMSRuAdapter: ChannelAdapter {
    public let channel = ChannelKind.sms
    public let configuration: SMSRuConfiguration
    private let client: HTTPClient
    private let rateLimit: TokenBucket?

    /// The most message ids SMS.ru takes in one `sms/status` request (SMS.ru `sms/status` documentation).
    static let statusBatch = 100

    /// An adapter for one SMS.ru account, within `rateLimit` when given.
    public init(_ configuration: SMSRuConfiguration, rateLimit: TokenBucket? = nil) {
        self.configuration = configuration
        self.rateLimit = rateLimit
        client = HTTPClient(timeout: configuration.timeout, connectTimeout: min(.seconds(5), configuration.timeout))
    }

    public func send(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt {
        guard case .text(let recipient, let body) = message.content else {
            throw DeliveryFailure(.permanent, reason: "the SMS channel was given a message for another channel")
        }
        let phone = try RussianPhoneNumber.normalize(recipient)
        try checkLength(body)
        if let wait = rateLimit?.take() {
            throw DeliveryFailure(.rateLimited(after: wait), code: "local", reason: "the account's sending rate is used up")
        }
        var fields = [("api_id", configuration.apiID.value), ("to", phone), ("msg", body)]
        if let from = configuration.from { fields.append(("from", from)) }
        if let ttl = configuration.ttl { fields.append(("ttl", String(ttl))) }
        if configuration.test { fields.append(("test", "1")) }
        fields.append(("json", "1"))
        let answer = try await post("sms/send", fields)
        // The entry is keyed by the number as SMS.ru read it; with one recipient it is the only one.
        guard let entry = answer.entries[phone] ?? (answer.entries.count == 1 ? answer.entries.first?.value : nil) else {
            throw DeliveryFailure(.retryable(after: nil), code: "smsru answer",
                                  reason: "SMS.ru's answer says nothing about the recipient and may or may not mean it took the message")
        }
        guard entry.ok else { throw SMSRuCodes.failure(entry.code, providerText: entry.text) }
        guard let smsID = entry.smsID else {
            throw DeliveryFailure(.retryable(after: nil), code: "smsru answer",
                                  reason: "SMS.ru accepted the message but gave no sms_id")
        }
        return SendReceipt(providerMessageID: smsID, status: .accepted)
    }

    /// Where each message is, asked in requests of at most 100 ids.
    ///
    /// A message gets a report when SMS.ru gives it a delivery code from its table; an id missing
    /// from the answer, or with an error or a code this adapter does not know, gets none, since that
    /// says nothing certain about the message: ask again later. Reports carry no time, as
    /// `sms/status` gives none.
    public func status(of ids: [String]) async throws(DeliveryFailure) -> [DeliveryReport] {
        var seen = Set<String>()
        var unique: [String] = []
        for id in ids.map({ $0.trimmingCharacters(in: .whitespaces) }) where !id.isEmpty {
            guard !id.contains(",") else {
                throw DeliveryFailure(.permanent, code: "sms_id", reason: "the message id '\(id.prefix(40))' holds a comma")
            }
            if seen.insert(id).inserted { unique.append(id) }
        }
        var reports: [DeliveryReport] = []
        for start in stride(from: 0, to: unique.count, by: Self.statusBatch) {
            let batch = unique[start..<min(start + Self.statusBatch, unique.count)]
            let answer = try await post("sms/status", [("api_id", configuration.apiID.value), ("sms_id", batch.joined(separator: ",")),
                                                       ("json", "1")])
            for id in batch {
                guard let entry = answer.entries[id], let delivery = SMSRuCodes.delivery(entry.code) else { continue }
                reports.append(DeliveryReport(providerMessageID: id, status: delivery.status, providerCode: String(entry.code),
                                              reason: delivery.reason))
            }
        }
        return reports
    }

    /// Refuses empty text and text of more parts than the configuration allows, before any request.
    private func checkLength(_ body: String) throws(DeliveryFailure) {
        let info = SMSInfo(text: body)
        guard info.parts > 0 else {
            throw DeliveryFailure(.permanent, code: "empty", reason: "the message has no text")
        }
        guard info.parts <= configuration.maxParts else {
            throw DeliveryFailure(.permanent, code: "parts",
                                  reason: "the text is \(info.parts) SMS parts (\(info.units) \(info.encoding.rawValue) units), "
                                      + "more than the limit of \(configuration.maxParts)")
        }
    }

    /// Posts `fields` to the API method and reads the answer; every reason is redacted.
    private func post(_ method: String, _ fields: [(String, String)]) async throws(DeliveryFailure) -> SMSRuAnswer {
        let response: HTTPResponse
        do {
            response = try await client.send(.form(configuration.baseURL + "/" + method, fields))
        } catch {
            throw DeliveryFailure(error.kind, code: error.providerCode, reason: configuration.redacting(error.reason))
        }
        return try SMSRuAnswer(response, redact: configuration.redacting)
    }
}

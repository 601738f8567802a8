import Foundation

/// The three Standard Webhooks headers of one delivery attempt.
struct WebhookHeaders: Sendable, Equatable {
    static let idName = "webhook-id"
    static let timestampName = "webhook-timestamp"
    static let signatureName = "webhook-signature"

    /// The message id, the same on every attempt, which receivers use as an idempotency key.
    let id: String
    /// The attempt's time in Unix seconds, which receivers check against replays.
    let timestamp: Int
    /// One `v1,<base64>` signature per secret, separated by spaces.
    let signature: String

    /// The headers as name–value pairs, the shape `HTTPRequest` takes.
    var fields: [(name: String, value: String)] {
        [(Self.idName, id), (Self.timestampName, String(timestamp)), (Self.signatureName, signature)]
    }
}

/// Signs webhooks as the Standard Webhooks specification says (HMAC-SHA256 over `id.timestamp.body`,
/// base64, `v1,` prefix), and verifies them as a receiver would, for our tests and partners' reference.
///
/// ```swift
/// let headers = WebhookSignature.sign(id: "msg_1", timestamp: 1_614_265_330, body: body, secrets: [current, previous])
/// try WebhookSignature.verify(headers: received, body: body, secrets: [current], now: Date())
/// ```
enum WebhookSignature {
    /// How far a timestamp may be from the receiver's clock, either way, as in the reference libraries.
    static let defaultTolerance: Duration = .seconds(5 * 60)

    /// Returns the headers for one attempt, with one signature per secret so that a receiver holding
    /// either the new or the old secret during a rotation accepts it.
    static func sign(id: String, timestamp: Int, body: [UInt8], secrets: [WebhookSecret]) -> WebhookHeaders {
        precondition(!secrets.isEmpty, "a webhook is signed with at least one secret")
        precondition(!id.isEmpty && !id.contains(".") && !id.contains(where: \.isNewline),
                     "a webhook id is ours, not empty, and holds no full stop or line break")
        let content = signedContent(id: id, timestamp: timestamp, body: body)
        let signatures = secrets.map { "v1," + Data(Crypto.hmacSHA256(key: $0.key, message: content)).base64EncodedString() }
        return WebhookHeaders(id: id, timestamp: timestamp, signature: signatures.joined(separator: " "))
    }

    /// Checks received headers and body against the endpoint's secrets: the timestamp must be within
    /// `tolerance` of `now`, and one `v1` signature must match one secret (compared in constant time).
    static func verify(headers: [String: String], body: [UInt8], secrets: [WebhookSecret], now: Date,
                       tolerance: Duration = defaultTolerance) throws(WebhookVerificationError) {
        func header(_ name: String) throws(WebhookVerificationError) -> String {
            guard let value = headers.first(where: { $0.key.lowercased() == name })?.value, !value.isEmpty else {
                throw WebhookVerificationError(.missingHeader(name), "The \(name) header is missing.")
            }
            return value
        }
        let id = try header(WebhookHeaders.idName)
        let timestampText = try header(WebhookHeaders.timestampName)
        let signatures = try header(WebhookHeaders.signatureName)
        guard timestampText.utf8.count <= 18, timestampText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let timestamp = Int(timestampText) else {
            throw WebhookVerificationError(.invalidTimestamp, "The webhook-timestamp header is not a whole number of Unix seconds.")
        }
        let skew = now.timeIntervalSince1970 - Double(timestamp)
        let allowed = Double(tolerance.components.seconds)
        if skew > allowed {
            throw WebhookVerificationError(.tooOld, "The webhook-timestamp is \(Int(skew)) s in the past, more than the \(Int(allowed)) s allowed; the message may be a replay.")
        }
        if -skew > allowed {
            throw WebhookVerificationError(.tooNew, "The webhook-timestamp is \(Int(-skew)) s in the future, more than the \(Int(allowed)) s allowed.")
        }
        let content = signedContent(id: id, timestamp: timestamp, body: body)
        let expected = secrets.map { Array(Data(Crypto.hmacSHA256(key: $0.key, message: content)).base64EncodedString().utf8) }
        for candidate in signatures.split(separator: " ") {
            let parts = candidate.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1" else { continue }
            let given = Array(parts[1].utf8)
            // Every secret is compared, so the time taken does not tell which one matched.
            var matched = false
            for signature in expected where Crypto.constantTimeEqual(signature, given) { matched = true }
            if matched { return }
        }
        throw WebhookVerificationError(.noMatchingSignature, "No v1 signature in webhook-signature matches the secret.")
    }

    /// The bytes that are signed: the id, a full stop, the timestamp, a full stop, the body as sent.
    static func signedContent(id: String, timestamp: Int, body: [UInt8]) -> [UInt8] {
        Array(id.utf8) + [UInt8(ascii: ".")] + Array(String(timestamp).utf8) + [UInt8(ascii: ".")] + body
    }
}

/// Why a received webhook was not accepted as ours.
struct WebhookVerificationError: Error, Equatable, CustomStringConvertible {
    enum Reason: Equatable, Sendable {
        /// A required header is absent or empty.
        case missingHeader(String)
        /// The timestamp header is not a whole number of seconds.
        case invalidTimestamp
        /// The timestamp is further in the past than the tolerance allows.
        case tooOld
        /// The timestamp is further in the future than the tolerance allows.
        case tooNew
        /// No `v1` signature matches any of the secrets.
        case noMatchingSignature
    }

    let reason: Reason
    let description: String

    init(_ reason: Reason, _ description: String) {
        self.reason = reason
        self.description = description
    }
}

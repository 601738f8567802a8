import Foundation

/// What edna answered to a template send, read into a receipt or a classified failure.
///
/// Accepted: HTTP 200 with the id edna gave the message, `{"outMessageId": 987654321, …}` as the
/// `api/v1/out-messages` methods answer (the response section of the Viber page was not readable;
/// the same family's MAX method documents this shape). Refused: an HTTP error whose body names
/// edna's error code (`not-viber-user`, `user-blocked`, `not-template-match`,
/// `error-insufficient-balance`…, https://docs.edna.io/kb/available-status-codes/ and
/// https://docs-pulse.edna.io/docs/api/messages/errorcodes); 401 is a bad API key.
enum EdnaAnswer {
    static func receipt(from response: HTTPResponse) throws(DeliveryFailure) -> SendReceipt {
        switch response.status {
        case 200...299:
            guard let id = messageID(in: response.body) else {
                // edna may have taken it; a resend carries the same messageId, which edna will not send twice.
                throw DeliveryFailure(.retryable(after: nil), code: "edna answer", reason: "edna's answer had no message id")
            }
            return SendReceipt(providerMessageID: id, status: .accepted)
        case 401, 403:
            throw DeliveryFailure(.permanent, code: "edna \(response.status)",
                                  reason: "edna refused the API key: it is wrong or revoked (a configuration error)")
        case 429:
            throw DeliveryFailure(.rateLimited(after: response.retryAfter), code: "edna 429", reason: "edna asks us to send more slowly")
        case 500...599:
            if let known = knownError(in: response.body), case .permanent = known.kind { throw known }
            throw DeliveryFailure(.retryable(after: response.retryAfter), code: "edna \(response.status)", reason: "edna's server failed (HTTP \(response.status))")
        default:
            if let known = knownError(in: response.body) { throw known }
            let detail = detail(in: response.body).map { ": \($0)" } ?? ""
            throw DeliveryFailure(.permanent, code: "edna \(response.status)", reason: "edna refused the message (HTTP \(response.status))\(detail)")
        }
    }

    /// edna's error codes that a send or a status may carry, and what each means for the message.
    static let errors: [(code: String, kind: DeliveryFailure.Kind, reason: String)] = [
        ("not-viber-user", .permanent, "the recipient does not use Viber"),
        ("user-blocked", .permanent, "the recipient has blocked Viber messages from this sender"),
        ("no-suitable-device", .permanent, "the recipient's Viber cannot receive business messages on any device"),
        ("not-template-match", .permanent, "the message does not match an approved Viber template of this sender"),
        ("matched-template-not-found", .permanent, "the message does not match an approved Viber template of this sender"),
        ("template-not-found", .permanent, "edna has no approved Viber template with this id for this sender"),
        ("error-insufficient-balance", .permanent, "the edna account has no money left (a configuration error)"),
        ("error-subject-unknown", .permanent, "edna does not let this account send as the configured sender (a configuration error)"),
        ("error-subject-format", .permanent, "edna refused the configured sender's name (a configuration error)"),
        ("error-address-format", .permanent, "edna refused the phone number"),
        ("error-address-not-specified", .permanent, "edna got no phone number"),
        ("is-not-unique", .permanent, "edna already has a message with this id: it is not sent twice"),
        ("error-system", .retryable(after: nil), "edna had an internal error"),
    ]

    /// The failure for an error code edna names anywhere in `body`, if it names one it documents.
    static func knownError(in body: [UInt8]) -> DeliveryFailure? {
        let text = String(decoding: body, as: UTF8.self).lowercased()
        guard let match = errors.first(where: { text.contains($0.code) }) else { return nil }
        return DeliveryFailure(match.kind, code: match.code, reason: match.reason)
    }

    /// The plain meaning of an error code a status webhook carries, when edna documents it.
    static func reason(forCode code: String) -> String? {
        errors.first { code.lowercased().contains($0.code) }?.reason
    }

    private static func messageID(in body: [UInt8]) -> String? {
        guard let answer = try? JSONDecoder().decode(Accepted.self, from: Data(body)) else { return nil }
        return [answer.outMessageId, answer.messageId].compactMap { $0?.text }.first { !$0.isEmpty }
    }

    private struct Accepted: Decodable {
        let outMessageId: FlexibleID?
        let messageId: FlexibleID?
    }

    /// A human-readable part of an error body (`detail`, `title`, `message`), shortened.
    private static func detail(in body: [UInt8]) -> String? {
        guard let object = try? JSONDecoder().decode([String: FlexibleID].self, from: Data(body)) else { return nil }
        for key in ["detail", "title", "message", "error"] {
            if let text = object[key]?.text, !text.isEmpty { return String(text.prefix(200)) }
        }
        return nil
    }
}

/// An id or a short value that edna writes as a JSON number in one place and a string in another;
/// anything else reads as empty.
struct FlexibleID: Decodable, Sendable {
    let text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            text = String(number)
        } else if let string = try? container.decode(String.self) {
            text = string
        } else {
            // null, a fraction, an object: nothing an id or a message could be.
            text = ""
        }
    }
}

import Foundation

/// One of edna's status webhooks read into a `DeliveryReport`: `{"requestId", "messageId",
/// "subject", "status", "statusAt", "error", …}` (https://docs-pulse.edna.io/docs/api/callback/get-status).
/// The report's provider message id is edna's `messageId`, the id its send answer returned; the
/// error code, when there is one, becomes the provider code with its plain meaning as the reason.
enum EdnaStatusReport {
    static func report(from body: [UInt8], key: String?, expected: ProviderSecret?) throws(CallbackError) -> DeliveryReport {
        if let expected, !expected.matches(key ?? "") {
            throw CallbackError(.forged)
        }
        let webhook: Webhook
        do {
            webhook = try JSONDecoder().decode(Webhook.self, from: Data(body))
        } catch {
            throw CallbackError(.malformed("it is not an edna status webhook"))
        }
        guard let id = [webhook.messageId, webhook.requestId].compactMap({ $0?.text }).first(where: { !$0.isEmpty }) else {
            throw CallbackError(.malformed("the webhook names no message"))
        }
        guard let status = status(of: webhook.status) else {
            throw CallbackError(.unexpected("edna's status '\(webhook.status.prefix(40))' is not one it documents"))
        }
        let code = webhook.error.flatMap { $0.isEmpty ? nil : $0 }
        let reason = code.map { EdnaAnswer.reason(forCode: $0) ?? "edna reports the error '\($0.prefix(80))'" }
            ?? (status == .expired ? "the message was not delivered within its lifetime" : nil)
        return DeliveryReport(providerMessageID: id, status: status, at: webhook.statusAt.flatMap(date), providerCode: code, reason: reason)
    }

    /// edna's delivery statuses (https://docs.edna.io/kb/available-status-codes/) in our vocabulary.
    static func status(of edna: String) -> DeliveryStatus? {
        switch edna.uppercased() {
        case "ENQUEUED", "DELAYED", "ACCEPTED", "PENDING": .accepted
        case "SENT": .sent
        case "DELIVERED": .delivered
        case "READ", "SEEN": .read
        case "UNDELIVERED", "FAILED", "CANCELLED", "CANCELED": .failed
        case "EXPIRED": .expired
        default: nil
        }
    }

    /// `statusAt` in ISO 8601, with or without fractions of a second.
    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    private struct Webhook: Decodable {
        let requestId: FlexibleID?
        let messageId: FlexibleID?
        let status: String
        let statusAt: String?
        let error: String?
    }
}

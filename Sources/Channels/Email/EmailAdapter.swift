import Dispatch
import Foundation
import Synchronization

/// E-mail through an SMTP server: MIME written by us, DKIM-signed when a key is configured, sent
/// over a small pool of reused connections, within the account's rate limit. The provider message
/// id is the message's own `Message-ID`, which makes a resend after a crash recognisable.
public final class EmailAdapter: ChannelAdapter {
    public let channel = ChannelKind.email
    private let transports: [SMTPTransport]
    private let next = Atomic<Int>(0)
    private let signer: DKIMSigner?
    private let rateLimit: TokenBucket?
    /// The envelope sender (where bounces go); the header From may differ.
    private let envelopeSender: String?

    public init(smtp: SMTPConfiguration, connections: Int = 1, dkim: DKIMSigner? = nil, rateLimit: TokenBucket? = nil,
                envelopeSender: String? = nil) throws(DeliveryFailure) {
        var transports: [SMTPTransport] = []
        for _ in 0..<max(1, connections) { transports.append(try SMTPTransport(smtp)) }
        self.transports = transports
        signer = dkim
        self.rateLimit = rateLimit
        self.envelopeSender = envelopeSender
    }

    public func send(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt {
        guard case .email(let email) = message.content else {
            throw DeliveryFailure(.permanent, reason: "the e-mail channel was given a message for another channel")
        }
        if let wait = rateLimit?.take() {
            throw DeliveryFailure(.rateLimited(after: wait), code: "local", reason: "the account's sending rate is used up")
        }
        let signer = self.signer
        let bytes = try await CPUWorkers.shared.run { () throws(DeliveryFailure) in try Self.wire(email, signer: signer) }
        let transport = transports[next.wrappingAdd(1, ordering: .relaxed).oldValue % transports.count]
        let sender = envelopeSender ?? email.from.address
        let recipients = email.to.map(\.address)
        // SMTP through libcurl blocks; it runs off the cooperative pool so that it never starves it.
        let outcome: Result<Void, DeliveryFailure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(DeliveryFailure) in
                    try transport.send(from: sender, to: recipients, message: bytes)
                })
            }
        }
        try outcome.get()
        return SendReceipt(providerMessageID: email.messageID, status: .accepted)
    }

    /// The message as it goes on the wire: MIME, then the DKIM signature when there is a key.
    public static func wire(_ email: EmailMessage, signer: DKIMSigner?) throws(DeliveryFailure) -> [UInt8] {
        let mime: [UInt8]
        do {
            mime = try MIMEWriter.render(email)
        } catch {
            throw DeliveryFailure(.permanent, code: "mime", reason: error.description)
        }
        guard let signer else { return mime }
        do {
            return try signer.sign(mime, timestamp: email.date)
        } catch {
            throw DeliveryFailure(.permanent, code: "dkim", reason: error.description)
        }
    }
}

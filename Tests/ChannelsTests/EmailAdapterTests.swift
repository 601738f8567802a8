import Foundation
import Synchronization
import Testing
import TestPeers
@testable import Channels

/// The e-mail adapter against aiosmtpd on loopback: the provider id is the Message-ID, the account's
/// rate limit answers before the server is reached, and several messages in flight share the pool.
@Suite(.serialized) struct EmailAdapterTests {
    private func messages(_ peer: PythonPeer) -> [[String: Any]] {
        peer.events.filter { $0["event"] as? String == "message" }
    }

    private func outbound(_ n: Int) throws -> OutboundMessage {
        var email = try MIMEFixture.message(html: MIMEFixture.html)
        email.messageID = try EmailMessage.messageID("n-\(n)", domain: "apikassa.ru")
        return OutboundMessage(notificationID: "n-\(n)", content: .email(email))
    }

    @Test func sendsAndAnswersWithTheMessageID() async throws {
        let peer = try PythonPeer("smtp_server.py", [])
        let port = try await peer.port()
        let adapter = try EmailAdapter(smtp: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", tls: .plain),
                                       envelopeSender: "bounce@apikassa.ru")
        let message = try outbound(1)
        let receipt = try await adapter.send(message)
        guard case .email(let email) = message.content else { return }
        #expect(receipt == SendReceipt(providerMessageID: email.messageID, status: .accepted))
        let arrived = try await peer.wait(for: "the message") { $0["event"] as? String == "message" }
        #expect(arrived["mail_from"] as? String == "bounce@apikassa.ru")
        #expect(arrived["rcpt_tos"] as? [String] == ["buyer@example.com"])
        let data = (arrived["data"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data()
        #expect(String(decoding: data, as: UTF8.self).contains("Message-ID: \(email.messageID)\r\n"))
    }

    @Test func theRateLimitAnswersBeforeTheServerIsReached() async throws {
        let peer = try PythonPeer("smtp_server.py", [])
        let port = try await peer.port()
        let clock = Mutex(Duration.zero)
        let bucket = TokenBucket(perSecond: 2, burst: 2, now: { clock.withLock { $0 } })
        let adapter = try EmailAdapter(smtp: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", tls: .plain), rateLimit: bucket)
        _ = try await adapter.send(try outbound(1))
        _ = try await adapter.send(try outbound(2))
        let failure = await #expect(throws: DeliveryFailure.self) { try await adapter.send(try outbound(3)) }
        #expect(failure?.kind == .rateLimited(after: .milliseconds(500)))
        #expect(failure?.providerCode == "local")
        clock.withLock { $0 += .milliseconds(500) }
        _ = try await adapter.send(try outbound(4))
        _ = try await peer.wait(for: "three messages") { _ in messages(peer).count == 3 }
        try await Task.sleep(for: .milliseconds(200))
        #expect(messages(peer).count == 3)
    }

    @Test func messagesInFlightShareThePoolsConnections() async throws {
        let peer = try PythonPeer("smtp_server.py", [])
        let port = try await peer.port()
        let adapter = try EmailAdapter(smtp: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", tls: .plain), connections: 2)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<8 {
                let message = try outbound(n)
                group.addTask { try await adapter.send(message).providerMessageID }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 8)
        _ = try await peer.wait(for: "eight messages") { _ in messages(peer).count == 8 }
        // Two connections, each opened once and reused.
        #expect(peer.events.filter { $0["event"] as? String == "ehlo" }.count == 2)
    }

    @Test func aMessageForAnotherChannelOrAnInvalidOneIsPermanent() async throws {
        let adapter = try EmailAdapter(smtp: try SMTPConfiguration(url: "smtp://127.0.0.1:1", tls: .plain))
        let text = await #expect(throws: DeliveryFailure.self) {
            try await adapter.send(OutboundMessage(notificationID: "n", content: .text(recipient: "79990000000", body: "x")))
        }
        #expect(text?.isPermanent == true)
        var email = try MIMEFixture.message()
        email.subject = "Заказ\r\nBcc: all@example.com"
        let invalid = await #expect(throws: DeliveryFailure.self) { try await adapter.send(OutboundMessage(notificationID: "n", content: .email(email))) }
        #expect(invalid?.isPermanent == true)
        #expect(invalid?.providerCode == "mime")
    }
}

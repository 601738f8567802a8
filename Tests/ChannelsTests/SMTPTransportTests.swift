import Foundation
import Testing
import TestPeers
@testable import Channels

/// The SMTP transport against aiosmtpd on loopback: plain, STARTTLS with AUTH, TLS from the start,
/// a server without STARTTLS (refused before any credential), the server's refusals classified,
/// connection reuse, and a server that never answers.
@Suite(.serialized) struct SMTPTransportTests {
    static let message = Array("From: kassa@apikassa.ru\r\nTo: payer@example.ru\r\nSubject: test\r\n\r\nline one\r\n.\r\n.dot\r\nend\r\n".utf8)

    private func messages(_ peer: PythonPeer) -> [[String: Any]] {
        peer.events.filter { $0["event"] as? String == "message" }
    }

    private func data(_ event: [String: Any]) -> [UInt8] {
        (event["data"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? []
    }

    @Test func sendsOnePlainMessageIntactAndReusesTheConnection() async throws {
        let peer = try PythonPeer("smtp_server.py", [])
        let port = try await peer.port()
        let transport = try SMTPTransport(try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", tls: SMTPConfiguration.TLS.plain))
        for i in 0..<3 {
            try transport.send(from: "kassa@apikassa.ru", to: ["payer\(i)@example.ru"], message: Self.message)
        }
        _ = try await peer.wait(for: "three messages") { _ in messages(peer).count == 3 }
        let first = try #require(messages(peer).first)
        #expect(first["mail_from"] as? String == "kassa@apikassa.ru")
        #expect(first["rcpt_tos"] as? [String] == ["payer0@example.ru"])
        // Lines that start with a dot arrive as they were (dot-stuffing both ways).
        #expect(data(first) == Self.message)
        // One connection, one EHLO, for all three.
        #expect(peer.events.filter { $0["event"] as? String == "ehlo" }.count == 1)
        #expect(peer.events.first { $0["event"] as? String == "ehlo" }?["hostname"] as? String == "apikassa.ru")
    }

    @Test func startTLSWithAuthentication() async throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let peer = try PythonPeer("smtp_server.py", ["--cert", certificate.cert, "--key", certificate.key, "--auth", "kassa:s3cret"])
        let port = try await peer.port()
        let transport = try SMTPTransport(try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", username: "kassa", password: "s3cret",
                                                                caFile: certificate.cert))
        try transport.send(from: "kassa@apikassa.ru", to: ["payer@example.ru"], message: Self.message)
        let message = try await peer.wait(for: "the message") { $0["event"] as? String == "message" }
        #expect(data(message) == Self.message)
        #expect(peer.events.contains { $0["event"] as? String == "auth" && $0["ok"] as? Bool == true })

        let wrong = try SMTPTransport(try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", username: "kassa", password: "wrong",
                                                            caFile: certificate.cert))
        let failure = try #require(throwing(try wrong.send(from: "kassa@apikassa.ru", to: ["payer@example.ru"], message: Self.message)))
        #expect(failure.kind == .permanent)
        #expect(failure.reason == "the server refused our SMTP credentials")
        #expect(!failure.description.contains("wrong"))
    }

    @Test func tlsFromTheFirstByte() async throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let peer = try PythonPeer("smtp_server.py", ["--cert", certificate.cert, "--key", certificate.key, "--implicit-tls"])
        let port = try await peer.port()
        let transport = try SMTPTransport(try SMTPConfiguration(url: "smtps://127.0.0.1:\(port)", caFile: certificate.cert))
        try transport.send(from: "kassa@apikassa.ru", to: ["payer@example.ru"], message: Self.message)
        let message = try await peer.wait(for: "the message") { $0["event"] as? String == "message" }
        #expect(data(message) == Self.message)
    }

    @Test func aServerWithoutSTARTTLSIsRefusedBeforeAnyCredential() async throws {
        let peer = try PythonPeer("smtp_server.py", ["--auth", "kassa:s3cret", "--auth-without-tls"])
        let port = try await peer.port()
        let transport = try SMTPTransport(try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", username: "kassa", password: "s3cret"))
        let failure = try #require(throwing(try transport.send(from: "kassa@apikassa.ru", to: ["payer@example.ru"], message: Self.message)))
        #expect(failure.kind == .permanent)
        #expect(failure.providerCode == "curl 64")
        _ = try await peer.wait(for: "the EHLO") { $0["event"] as? String == "ehlo" }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!peer.events.contains { $0["event"] as? String == "auth" })
        #expect(messages(peer).isEmpty)
    }

    @Test(arguments: [
        ("RCPT:550 5.1.1 No such user here", DeliveryFailure.Kind.permanent, "550 5.1.1", "No such user here"),
        ("MAIL:553 5.7.1 Sender address rejected", .permanent, "553 5.7.1", "Sender address rejected"),
        ("DATA:451 4.3.0 Please try again later", .retryable(after: nil), "451 4.3.0", "Please try again later"),
        ("RCPT:450 4.2.1 The user is receiving mail at a rate that prevents additional messages", .rateLimited(after: nil), "450 4.2.1",
         "The user is receiving mail at a rate that prevents additional messages"),
        ("DATA:554 Transaction failed", .permanent, "554", "Transaction failed"),
    ])
    func theServersRefusalsAreClassified(_ refusal: String, _ kind: DeliveryFailure.Kind, _ code: String, _ reason: String) async throws {
        let peer = try PythonPeer("smtp_server.py", ["--refuse", refusal])
        let port = try await peer.port()
        let transport = try SMTPTransport(try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", tls: SMTPConfiguration.TLS.plain))
        let failure = try #require(throwing(try transport.send(from: "kassa@apikassa.ru", to: ["payer@example.ru"], message: Self.message)))
        #expect(failure.kind == kind)
        #expect(failure.providerCode == code)
        #expect(failure.reason == reason)
        // Through a real server too, only RCPT's "no such user" says the recipient does not exist.
        #expect(failure.recipientUnknown == refusal.hasPrefix("RCPT:550 5.1.1"))
    }

    @Test func noServerOrASilentOneIsRetryable() async throws {
        let closed = try SMTPTransport(try SMTPConfiguration(url: "smtp://127.0.0.1:1", tls: SMTPConfiguration.TLS.plain))
        let refused = try #require(throwing(try closed.send(from: "a@apikassa.ru", to: ["b@example.ru"], message: Self.message)))
        #expect(refused.kind == .retryable(after: nil))
        #expect(refused.providerCode == "curl 7")

        let peer = try PythonPeer("smtp_server.py", ["--silent"])
        let port = try await peer.port()
        var configuration = try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", tls: SMTPConfiguration.TLS.plain)
        configuration.timeout = .seconds(1)
        let hung = try SMTPTransport(configuration)
        let timedOut = try #require(throwing(try hung.send(from: "a@apikassa.ru", to: ["b@example.ru"], message: Self.message)))
        #expect(timedOut.kind == .retryable(after: nil))
        #expect(timedOut.providerCode == "curl 28")
    }

    @Test func configurationMistakesAreNamed() {
        #expect(throws: SMTPConfigurationError("the SMTP URL must start with smtp:// or smtps://, not 'http://x'")) {
            try SMTPConfiguration(url: "http://x")
        }
        #expect(throws: SMTPConfigurationError("the SMTP URL must not carry credentials; give them separately")) {
            try SMTPConfiguration(url: "smtp://user:pass@host")
        }
        #expect(throws: SMTPConfigurationError("the SMTP URL's port must be a number from 1 to 65535")) {
            try SMTPConfiguration(url: "smtp://host:0")
        }
        #expect(throws: SMTPConfigurationError("TLS from the start needs an smtps:// URL")) {
            try SMTPConfiguration(url: "smtp://host", tls: .smtps)
        }
        #expect((try? SMTPConfiguration(url: "smtps://smtp.example.ru"))?.port == 465)
        #expect((try? SMTPConfiguration(url: "smtp://smtp.example.ru"))?.tls == .starttls)
    }

    @Test func repliesParseWithEnhancedCodesAndMultipleLines() {
        let lines: [Substring] = ["250-smtp.example.ru", "250 OK", "550-5.7.1 Message rejected", "550 5.7.1 See https://example.ru/why"]
        let reply = SMTPReply.lastFailure(in: lines)
        #expect(reply == SMTPReply(code: 550, enhanced: "5.7.1", text: "Message rejected See https://example.ru/why"))
        #expect(SMTPReply.lastFailure(in: ["250 OK", "221 Bye"]) == nil)
        #expect(SMTPReply(line: "421 4.7.0 Too many connections")?.failure.kind == .rateLimited(after: nil))
    }

    /// Only answers that say the mailbox or its domain does not exist are hard bounces; a policy or
    /// spam refusal, a full mailbox or a temporary failure is not, whatever its words.
    @Test(arguments: [
        ("550 5.1.1 The email account that you tried to reach does not exist", true),
        ("550 5.1.1 <anna@example.ru>: Recipient address rejected", true),
        ("553 5.1.2 Domain has no mail exchangers", true),
        ("550 5.1.10 Null MX", true),
        ("550 5.7.1 No such user!", true),
        ("550 Message was not accepted -- invalid mailbox. Local mailbox anna@mail.ru is unavailable: user not found", true),
        ("551 User unknown; please try <anna@example.org>", true),
        ("550 5.7.1 Message rejected as spam", false),
        ("552 5.2.2 Mailbox full", false),
        ("554 5.7.1 Relay access denied", false),
        ("550 5.4.1 Recipient address rejected: Access denied", false),
        ("450 4.1.1 No such user (greylisted?)", false),
        ("554 5.1.1 Some server's odd code", false),
    ])
    func aHardBounceIsOnlyANoSuchRecipientAnswer(line: String, unknown: Bool) throws {
        let failure = try #require(SMTPReply.lastFailure(in: [Substring(line)])).failure
        #expect(failure.recipientUnknown == unknown, "\(line)")
    }
}

/// The failure `body` threw, or nil when it did not.
func throwing(_ body: @autoclosure () throws(DeliveryFailure) -> Void) -> DeliveryFailure? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

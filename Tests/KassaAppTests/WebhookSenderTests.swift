import Channels
import Foundation
import Testing
import TestPeers
@testable import KassaApp

/// The sender against a loopback HTTP server: what arrives is signed so that both our verifier and an
/// independent one in Python accept it, and each kind of answer becomes the right next step.
@Suite struct WebhookSenderTests {
    let message = WebhookMessage(id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
                                 body: Array(#"{"type":"payment.succeeded","data":{"order":"№7","amount":"100.00"}}"#.utf8))
    let sender = WebhookSender(urlGuard: WebhookURLGuard(allowLoopback: true), timeout: .seconds(5))

    /// Runs `verify_webhook.py` on a received request; true when it prints "ok".
    func pythonAccepts(_ request: FakeProvider.Request, secret: WebhookSecret, now: Date) throws -> Bool {
        let input = try JSONSerialization.data(withJSONObject: ["headers": request.headers, "body": request.body])
        let script = PythonPeer.peers.appendingPathComponent("verify_webhook.py").path
        let result = try ExternalTool.runStatus(PythonPeer.python, [script, secret.revealedText, String(Int(now.timeIntervalSince1970))],
                                                input: Array(input))
        return result.status == 0 && result.stdout == "ok\n"
    }

    @Test func aSignedPostArrivesAndBothVerifiersAcceptIt() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        try await fake.script(["path": "/hooks/kassa", "status": 200, "body": "thanks"])
        let current = try WebhookSecret.generate(), previous = try WebhookSecret.generate()
        let now = Date()
        let outcome = await sender.send(message, to: WebhookEndpoint(url: fake.baseURL + "/hooks/kassa", secrets: [current, previous]), now: now)
        guard case .response(let response) = outcome.reply else {
            Issue.record("expected an answer, got \(outcome)")
            return
        }
        #expect(response.status == 200 && response.text == "thanks")
        #expect(outcome.duration != nil)

        let request = try #require(fake.requests.first)
        #expect(fake.requests.count == 1)
        #expect(request.method == "POST" && request.path == "/hooks/kassa")
        #expect(Array(request.body.utf8) == message.body)
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["webhook-id"] == message.id)
        #expect(request.headers["webhook-timestamp"] == String(Int(now.timeIntervalSince1970)))
        #expect(request.headers["webhook-signature"]?.split(separator: " ").count == 2)
        for secret in [current, previous] {
            try WebhookSignature.verify(headers: request.headers, body: Array(request.body.utf8), secrets: [secret], now: now)
            #expect(try pythonAccepts(request, secret: secret, now: now))
        }
        #expect(try !pythonAccepts(request, secret: WebhookSecret.generate(), now: now))
        #expect(try !pythonAccepts(request, secret: current, now: now.addingTimeInterval(600)))
    }

    @Test func theStateMachineActsOnWhatTheEndpointAnswers() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        let endpoint = WebhookEndpoint(url: fake.baseURL + "/hook", secrets: [try WebhookSecret.generate()])
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        var delivery = WebhookDeliveryState(now: now)

        // A redirect is not followed: one request, and the 301 is a failure to retry.
        try await fake.script(["status": 301, "headers": ["Location": fake.baseURL + "/elsewhere"]])
        #expect(delivery.attemptFinished(await sender.send(message, to: endpoint, now: now), now: now, random: 0)
                == .retry(at: now.addingTimeInterval(5)))
        #expect(fake.requests.map(\.path) == ["/hook"])

        try await fake.script(["status": 503, "body": "maintenance", "headers": ["Retry-After": "600"]])
        #expect(delivery.attemptFinished(await sender.send(message, to: endpoint, now: now), now: now, random: 0)
                == .throttle(until: now.addingTimeInterval(600)))

        try await fake.script(["status": 410, "body": "gone"])
        guard case .disableEndpoint = delivery.attemptFinished(await sender.send(message, to: endpoint, now: now), now: now, random: 0) else {
            Issue.record("410 disables the endpoint")
            return
        }
        #expect(delivery.attempts.map(\.status) == [301, 503, 410])
        #expect(delivery.attempts.map(\.responseExcerpt) == [nil, "maintenance", "gone"])
        #expect(delivery.attempts.allSatisfy { $0.durationMilliseconds != nil })
        // Every attempt carries the same id; the signature is made afresh each time.
        #expect(Set(fake.requests.compactMap { $0.headers["webhook-id"] }) == [message.id])
    }

    @Test func aRefusedURLIsAFailureAndNothingIsSent() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        let endpoint = WebhookEndpoint(url: fake.baseURL + "/hook", secrets: [try WebhookSecret.generate()])
        let outcome = await WebhookSender().send(message, to: endpoint, now: Date())
        guard case .failure(let failure) = outcome.reply else {
            Issue.record("a loopback URL is refused without allowLoopback, got \(outcome)")
            return
        }
        #expect(failure.providerCode == "webhook url")
        #expect(failure.reason.contains("https"))
        #expect(fake.requests.isEmpty)
    }

    @Test func aConnectionThatCannotBeMadeIsATransportFailure() async throws {
        let target = WebhookTarget(url: "http://127.0.0.1:9/hook", host: "127.0.0.1", port: 9, addresses: ["127.0.0.1"])
        let outcome = await sender.send(message, to: target, secrets: [try WebhookSecret.generate()], now: Date())
        guard case .failure(let failure) = outcome.reply else {
            Issue.record("nothing listens on port 9, got \(outcome)")
            return
        }
        #expect(failure.kind == .retryable(after: nil))
        var delivery = WebhookDeliveryState(now: Date(timeIntervalSince1970: 0))
        #expect(delivery.attemptFinished(outcome, now: Date(timeIntervalSince1970: 0), random: 0) == .retry(at: Date(timeIntervalSince1970: 5)))
        #expect(delivery.attempts[0].error?.contains("curl") == true)
    }
}

import Foundation
import Testing
import TemplateEngine
import TestPeers
@testable import KassaApp

/// Partner webhooks end to end, in-process: endpoints registered through the router, events posted
/// with a sandbox token, the outbox and the webhook dispatcher run by hand under a clock moved by
/// hand, and a loopback receiver that checks what arrives against the Standard Webhooks signature.
@Suite struct WebhookDeliveryTests {
    struct Fixture {
        let dir: URL
        let clock: ManualWallClock
        let store: SQLiteStore
        let box: SecretBox
        let router: Router
        let outbox: OutboxDispatcher
        let webhooks: WebhookDispatcher
        let live: String
        let sandbox: String
        let otherPartner: String
        let partnerID: String

        func call(_ method: String, _ uri: String, token: String? = nil, body: String? = nil,
                  headers: [(String, String)] = []) async -> HTTPResponse {
            return await router.respond(to: HTTPRequest(method: method, uri: uri, headers: [("Authorization", "Bearer " + (token ?? live))] + headers,
                                                        body: Array((body ?? "").utf8)))
        }

        /// Registers an endpoint at `url`; returns its id and the secret shown once.
        func createEndpoint(_ url: String) async throws -> (id: String, secret: WebhookSecret) {
            let response = await call("POST", "/v1/webhooks/endpoints", body: #"{"url": "\#(url)"}"#)
            #expect(response.status == 201, "\(String(decoding: response.body, as: UTF8.self))")
            let o = try object(response)
            let id = try #require(o["id"]?.stringValue)
            let text = try #require(o["secret"]?.stringValue)
            return (id, try WebhookSecret(parsing: text))
        }

        /// Posts order.paid's sample with a sandbox token, for an e-mail address the sandbox accepts.
        func postEvent(_ id: String) async throws {
            let event = try #require(EventCatalog.named("order.paid"))
            let body = #"{"id": "\#(id)", "type": "order.paid", "order_id": "KO-7", "data": \#(event.sample.jsonString), "contacts": {"email": "anna@example.ru"}}"#
            let response = await call("POST", "/v1/events", token: sandbox, body: body)
            #expect(response.status == 202, "\(String(decoding: response.body, as: UTF8.self))")
        }

        func messages(_ query: String = "") async throws -> [ValueObject] {
            let response = await call("GET", "/v1/webhooks/messages" + query)
            #expect(response.status == 200)
            guard case .array(let list)? = try object(response)["messages"] else { return [] }
            return list.compactMap { if case .object(let o) = $0 { o } else { nil } }
        }

        func endpoints(token: String? = nil) async throws -> [ValueObject] {
            let response = await call("GET", "/v1/webhooks/endpoints", token: token)
            #expect(response.status == 200)
            guard case .array(let list)? = try object(response)["endpoints"] else { return [] }
            return list.compactMap { if case .object(let o) = $0 { o } else { nil } }
        }
    }

    static func object(_ response: HTTPResponse) throws -> ValueObject {
        guard case .object(let o) = try Value(jsonBytes: response.body) else { throw APIError.notFound }
        return o
    }

    func fixture(allowLoopback: Bool = true, batch: Int = 32) throws -> Fixture {
        let dir = try temporaryDirectory()
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_932_900))
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        let (partner, live, sandbox) = try store.createPartner(name: "P")
        for host in LinkHosts.hosts(inSamplesOf: EventCatalog.all) { try store.addLinkHost(host, partnerID: partner.id) }
        let (_, other, _) = try store.createPartner(name: "Q")
        let box = try SecretBox(key: try Crypto.randomBytes(32))
        let urlGuard = WebhookURLGuard(allowLoopback: allowLoopback)
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library(), clock: clock,
                                     webhooks: WebhookSettings(box: box, urlGuard: urlGuard))
        let webhooks = WebhookDispatcher(store: store, box: box, sender: WebhookSender(urlGuard: urlGuard, timeout: .seconds(5)),
                                         clock: clock, batch: batch, random: { 0 })
        return Fixture(dir: dir, clock: clock, store: store, box: box, router: router,
                       outbox: OutboxDispatcher(store: store, live: ChannelSet(), clock: clock), webhooks: webhooks,
                       live: live.secret, sandbox: sandbox.secret, otherPartner: other.secret, partnerID: partner.id)
    }

    /// The requests the receiver got, once it has reported `count` of them.
    func received(_ fake: FakeProvider, count: Int) async throws -> [FakeProvider.Request] {
        _ = try await fake.peer.wait(for: "\(count) requests") { _ in fake.requests.count >= count }
        return fake.requests
    }

    /// Scripts `count` answers with `status`.
    func answer(_ fake: FakeProvider, _ status: Int, body: String = "", times count: Int = 1) async throws {
        for _ in 0..<count { try await fake.script(["status": status, "body": body]) }
    }

    @Test func everyStatusChangeArrivesSignedWithTheSecretShownOnce() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        let (endpointID, secret) = try await f.createEndpoint(fake.baseURL + "/hooks/kassa")
        #expect(endpointID.hasPrefix("whe_"))

        // The list never shows a secret, only how many sign.
        let listing = await f.call("GET", "/v1/webhooks/endpoints")
        #expect(!String(decoding: listing.body, as: UTF8.self).contains("whsec_"))
        let endpoint = try #require(try await f.endpoints().first)
        #expect(endpoint["id"]?.stringValue == endpointID && endpoint["enabled"] == true && endpoint["signing_secrets"] == 1)
        #expect(endpoint["secret"] == nil)
        // At rest the secret is sealed.
        let stored = try f.store.database.query("SELECT secrets FROM webhook_endpoints").first?["secrets"].text ?? ""
        #expect(!stored.contains(secret.revealedText) && stored.contains("v1:"))

        try await f.postEvent("ev-1")
        #expect(await f.outbox.runOnce() == 1)
        try await answer(fake, 200, times: 2)
        #expect(await f.webhooks.runOnce() == 2)
        let requests = try await received(fake, count: 2)
        #expect(requests.count == 2)

        var statuses: [String] = []
        for request in requests {
            #expect(request.method == "POST" && request.path == "/hooks/kassa")
            try WebhookSignature.verify(headers: request.headers, body: Array(request.body.utf8), secrets: [secret], now: f.clock.now())
            #expect(request.headers["webhook-id"]?.hasPrefix("msg_") == true)
            #expect(request.headers["webhook-timestamp"] == String(Int(f.clock.now().timeIntervalSince1970)))
            guard case .object(let body) = try Value(json: request.body), case .object(let data)? = body["data"] else {
                Issue.record("not a JSON object: \(request.body)")
                continue
            }
            #expect(body["type"] == "notification.status_changed")
            #expect(body["timestamp"]?.stringValue == StoredTime.text(f.clock.now()))
            #expect(data["event_id"] == "ev-1" && data["event_type"] == "order.paid" && data["order_id"] == "KO-7")
            #expect(data["sandbox"] == true && data["channel"] == "email")
            #expect(data["notification_id"]?.stringValue?.hasPrefix("ntf_") == true)
            statuses.append(data["status"]?.stringValue ?? "")
        }
        // Sent at once, in either order: the queued notification, then the sandbox provider's acceptance.
        #expect(statuses.sorted() == ["accepted", "queued"])
        // Another secret does not verify.
        #expect(throws: WebhookVerificationError.self) {
            try WebhookSignature.verify(headers: requests[0].headers, body: Array(requests[0].body.utf8), secrets: [try WebhookSecret.generate()],
                                        now: f.clock.now())
        }

        let messages = try await f.messages()
        #expect(messages.map { $0["status"] } == ["succeeded", "succeeded"])
        #expect(messages.allSatisfy { $0["endpoint_id"]?.stringValue == endpointID && $0["next_attempt_at"] == Value.nil })
        guard case .array(let attempts)? = messages[0]["attempts"], case .object(let attempt)? = attempts.first else {
            Issue.record("a succeeded message shows its attempt")
            return
        }
        #expect(attempts.count == 1 && attempt["status"] == 200 && attempt["error"] == Value.nil && attempt["round"] == 1)
        if case .int(let milliseconds)? = attempt["duration_ms"] { #expect(milliseconds >= 0) } else { Issue.record("no duration") }
        // Nothing more is due.
        #expect(await f.webhooks.runOnce() == 0)
    }

    @Test func aFailureIsRetriedAfterFiveSecondsAndBothAttemptsAreListed() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        _ = try await f.createEndpoint(fake.baseURL + "/hook")
        // The outbox is not run: one message, for the queued notification.
        try await f.postEvent("ev-2")
        try await answer(fake, 500, body: "boom")
        #expect(await f.webhooks.runOnce() == 1)
        var message = try #require(try await f.messages().first)
        #expect(message["status"] == "pending")
        #expect(message["next_attempt_at"]?.stringValue == StoredTime.text(f.clock.now().addingTimeInterval(5)))

        // Not due before its time.
        #expect(await f.webhooks.runOnce() == 0)
        f.clock.advance(by: 4)
        #expect(await f.webhooks.runOnce() == 0)
        f.clock.advance(by: 1)
        try await answer(fake, 204)
        #expect(await f.webhooks.runOnce() == 1)

        message = try #require(try await f.messages().first)
        #expect(message["status"] == "succeeded")
        guard case .array(let attempts)? = message["attempts"] else {
            Issue.record("no attempts listed")
            return
        }
        let shown = attempts.compactMap { if case .object(let o) = $0 { o } else { nil } }
        #expect(shown.map { $0["status"] } == [500, 204])
        #expect(shown.map { $0["number"] } == [1, 2])
        #expect(shown.first?["response_excerpt"] == "boom")
        #expect(shown.last?["at"]?.stringValue == StoredTime.text(f.clock.now()))
        let requests = try await received(fake, count: 2)
        #expect(Set(requests.compactMap { $0.headers["webhook-id"] }) == [message["id"]?.stringValue ?? ""])
        #expect(try await f.messages("?status=pending").isEmpty)
        #expect(try await f.messages("?status=succeeded").count == 1)
    }

    @Test func aGoneEndpointIsDisabledUntilEnabledAndItsMessagesWait() async throws {
        let f = try fixture(batch: 1)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        let (endpointID, _) = try await f.createEndpoint(fake.baseURL + "/hook")
        try await f.postEvent("ev-3")
        #expect(await f.outbox.runOnce() == 1)
        #expect(try await f.messages("?status=pending").count == 2)

        try await answer(fake, 410, body: "gone")
        #expect(await f.webhooks.runOnce() == 1)
        var endpoint = try #require(try await f.endpoints().first)
        #expect(endpoint["enabled"] == false)
        #expect(endpoint["disabled_reason"]?.stringValue?.contains("410") == true)
        let gone = try #require(try await f.messages("?status=endpoint_disabled").first)
        #expect(try await f.messages("?status=pending").count == 1)

        // Nothing more is sent to it, and a status change queues nothing for it.
        #expect(await f.webhooks.runOnce() == 0)
        try await f.postEvent("ev-4")
        #expect(try await f.messages().count == 2)
        #expect(try await received(fake, count: 1).count == 1)
        // A disabled endpoint's message is not redelivered.
        let refused = await f.call("POST", "/v1/webhooks/messages/\(gone["id"]?.stringValue ?? "")/redeliver")
        #expect(refused.status == 409)
        #expect(try Self.object(refused)["code"] == "endpoint_disabled")

        let enabled = await f.call("POST", "/v1/webhooks/endpoints/\(endpointID)/enable")
        #expect(enabled.status == 200)
        endpoint = try #require(try await f.endpoints().first)
        #expect(endpoint["enabled"] == true && endpoint["disabled_reason"] == Value.nil)
        // The message that waited goes now.
        try await answer(fake, 200)
        #expect(await f.webhooks.runOnce() == 1)
        #expect(await f.webhooks.runOnce() == 0)
        #expect(try await received(fake, count: 2).count == 2)
        #expect(try await f.messages("?status=succeeded").count == 1)
        #expect(try await f.messages("?status=endpoint_disabled").count == 1)
    }

    @Test func anEndpointAskingToSlowDownHasAllItsMessagesHeld() async throws {
        let f = try fixture(batch: 1)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        _ = try await f.createEndpoint(fake.baseURL + "/hook")
        try await f.postEvent("ev-9")
        #expect(await f.outbox.runOnce() == 1)
        try await fake.script(["status": 503, "body": "busy", "headers": ["Retry-After": "60"]])
        #expect(await f.webhooks.runOnce() == 1)
        let held = StoredTime.text(f.clock.now().addingTimeInterval(60))
        #expect(try await f.endpoints().first?["throttled_until"]?.stringValue == held)
        // The other message is due, but the endpoint asked for a minute.
        #expect(await f.webhooks.runOnce() == 0)
        f.clock.advance(by: 59)
        #expect(await f.webhooks.runOnce() == 0)
        f.clock.advance(by: 1)
        try await answer(fake, 200, times: 2)
        #expect(await f.webhooks.runOnce() == 1)
        #expect(await f.webhooks.runOnce() == 1)
        #expect(try await f.messages("?status=succeeded").count == 2)
        #expect(try await received(fake, count: 3).count == 3)
    }

    @Test func aRedeliveredMessageIsSentAgainWithItsIdInANewRound() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        let (_, secret) = try await f.createEndpoint(fake.baseURL + "/hook")
        try await f.postEvent("ev-5")
        try await answer(fake, 200, times: 2)
        #expect(await f.webhooks.runOnce() == 1)
        let id = try #require(try await f.messages().first?["id"]?.stringValue)

        f.clock.advance(by: 3600)
        let redelivered = await f.call("POST", "/v1/webhooks/messages/\(id)/redeliver")
        #expect(redelivered.status == 202)
        #expect(try Self.object(redelivered)["status"] == "pending")
        #expect(await f.webhooks.runOnce() == 1)

        let requests = try await received(fake, count: 2)
        #expect(requests.map { $0.headers["webhook-id"] } == [id, id])
        #expect(requests.map(\.body) == [requests[0].body, requests[0].body])
        // Signed afresh, for the time of the new attempt.
        try WebhookSignature.verify(headers: requests[1].headers, body: Array(requests[1].body.utf8), secrets: [secret], now: f.clock.now())
        let message = try #require(try await f.messages().first)
        #expect(message["status"] == "succeeded")
        guard case .array(let attempts)? = message["attempts"] else {
            Issue.record("no attempts listed")
            return
        }
        let rounds = attempts.compactMap { attempt -> Value? in if case .object(let o) = attempt { o["round"] } else { nil } }
        #expect(rounds == [1, 2])
    }

    @Test func aRotatedEndpointIsSignedWithBothSecretsUntilTheOldIsDropped() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        let (endpointID, first) = try await f.createEndpoint(fake.baseURL + "/hook")
        let rotated = await f.call("POST", "/v1/webhooks/endpoints/\(endpointID)/rotate")
        #expect(rotated.status == 200)
        let second = try WebhookSecret(parsing: try #require(try Self.object(rotated)["secret"]?.stringValue))
        #expect(second != first)
        #expect(try await f.endpoints().first?["signing_secrets"] == 2)

        try await f.postEvent("ev-6")
        try await answer(fake, 200, times: 2)
        #expect(await f.webhooks.runOnce() == 1)
        let request = try #require(try await received(fake, count: 1).first)
        #expect(request.headers["webhook-signature"]?.split(separator: " ").count == 2)
        for secret in [first, second] {
            try WebhookSignature.verify(headers: request.headers, body: Array(request.body.utf8), secrets: [secret], now: f.clock.now())
        }

        let dropped = await f.call("POST", "/v1/webhooks/endpoints/\(endpointID)/rotate?drop_old=true")
        #expect(dropped.status == 200)
        let third = try WebhookSecret(parsing: try #require(try Self.object(dropped)["secret"]?.stringValue))
        #expect(try await f.endpoints().first?["signing_secrets"] == 1)
        let id = try #require(try await f.messages().first?["id"]?.stringValue)
        #expect(await f.call("POST", "/v1/webhooks/messages/\(id)/redeliver").status == 202)
        #expect(await f.webhooks.runOnce() == 1)
        let again = try await received(fake, count: 2)[1]
        #expect(again.headers["webhook-signature"]?.split(separator: " ").count == 1)
        try WebhookSignature.verify(headers: again.headers, body: Array(again.body.utf8), secrets: [third], now: f.clock.now())
        for old in [first, second] {
            #expect(throws: WebhookVerificationError.self) {
                try WebhookSignature.verify(headers: again.headers, body: Array(again.body.utf8), secrets: [old], now: f.clock.now())
            }
        }
    }

    @Test func anotherPartnerSeesNoneOfItAndGets404() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let (endpointID, _) = try await f.createEndpoint("http://127.0.0.1:9/hook")
        try await f.postEvent("ev-7")
        let messageID = try #require(try await f.messages().first?["id"]?.stringValue)

        #expect(try await f.endpoints(token: f.otherPartner).isEmpty)
        let list = await f.call("GET", "/v1/webhooks/messages", token: f.otherPartner)
        #expect(list.status == 200)
        #expect(try Self.object(list)["messages"] == Value.array([]))
        for (method, uri) in [("GET", "/v1/webhooks/messages?endpoint_id=\(endpointID)"),
                              ("DELETE", "/v1/webhooks/endpoints/\(endpointID)"),
                              ("POST", "/v1/webhooks/endpoints/\(endpointID)/rotate"),
                              ("POST", "/v1/webhooks/endpoints/\(endpointID)/enable"),
                              ("POST", "/v1/webhooks/messages/\(messageID)/redeliver")] {
            #expect(await f.call(method, uri, token: f.otherPartner).status == 404, "\(method) \(uri)")
        }
        // Still there for its own partner, with the one secret it had; the sandbox token sees the same.
        #expect(try await f.endpoints().first?["signing_secrets"] == 1)
        #expect(try await f.endpoints(token: f.sandbox).count == 1)
        #expect(await f.call("GET", "/v1/webhooks/endpoints", token: "").status == 401)

        // Deleting takes the endpoint and its messages.
        #expect(await f.call("DELETE", "/v1/webhooks/endpoints/\(endpointID)").status == 200)
        #expect(try await f.endpoints().isEmpty)
        #expect(try await f.messages().isEmpty)
        #expect(await f.call("DELETE", "/v1/webhooks/endpoints/\(endpointID)").status == 404)
    }

    @Test func privateLoopbackAndLinkLocalURLsAreRefused() async throws {
        let f = try fixture(allowLoopback: false)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        for (url, says) in [("https://10.0.0.1/hook", "private network"), ("https://127.0.0.1/hook", "loopback"),
                            ("https://169.254.169.254/latest/meta-data", "link-local"), ("https://[::1]/hook", "loopback"),
                            ("https://localhost/hook", "loopback"), ("http://localhost:8080/hook", "https"),
                            ("https://user:pw@example.com/hook", "password")] {
            let response = await f.call("POST", "/v1/webhooks/endpoints", body: #"{"url": "\#(url)"}"#)
            #expect(response.status == 422, "\(url)")
            let problem = try Self.object(response)
            #expect(problem["code"] == "invalid_webhook_url", "\(url)")
            #expect(problem["title"]?.stringValue?.contains(says) == true, "\(url): \(problem["title"]?.stringValue ?? "")")
        }
        #expect(await f.call("POST", "/v1/webhooks/endpoints", body: "{}").status == 422)
        #expect(try await f.endpoints().isEmpty)
    }

    @Test func aReplayedCreationShowsNoSecretAndNoneIsKeptForIt() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let body = #"{"url": "http://127.0.0.1:9/hook"}"#
        let first = await f.call("POST", "/v1/webhooks/endpoints", body: body, headers: [("Idempotency-Key", "k1")])
        let replay = await f.call("POST", "/v1/webhooks/endpoints", body: body, headers: [("Idempotency-Key", "k1")])
        let shown = try Self.object(first)
        let secret = try #require(shown["secret"]?.stringValue)
        #expect(first.status == 201 && replay.status == 201)
        #expect(replay.headers.contains { $0 == ("Idempotent-Replayed", "true") })
        #expect(try Self.object(replay)["id"] == Self.object(first)["id"])
        #expect(try Self.object(replay)["secret"] == Value.nil)
        let kept = try f.store.database.query("SELECT body FROM idempotency_keys").compactMap { $0["body"].blob }
        #expect(kept.count == 1 && !kept.contains { String(decoding: $0, as: UTF8.self).contains(secret) })
        #expect(try await f.endpoints().count == 1)
    }

    @Test func messagesAreQueuedInTheStatusChangeAndOnlyWhenTheStatusChanges() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        _ = try await f.createEndpoint("http://127.0.0.1:9/a")
        let (second, _) = try await f.createEndpoint("http://127.0.0.1:9/b")
        try f.store.database.query("UPDATE webhook_endpoints SET enabled = 0 WHERE id = ?", [.text(second)])
        try await f.postEvent("ev-8")
        // The event's transaction wrote one message, to the enabled endpoint only.
        #expect(try await f.messages().count == 1)
        let notificationID = try #require(try f.store.database.query("SELECT id FROM notifications").first?["id"].text)
        let record = try #require(try f.store.dispatchRecord(id: notificationID))
        // A step that leaves the status as it was queues nothing.
        try await f.store.finishStep(notificationID: notificationID, DispatchOutcome(cascade: record.cascade, nextAction: record.nextAction),
                               now: f.clock.now())
        #expect(try await f.messages().count == 1)
        #expect(await f.outbox.runOnce() == 1)
        let statuses = try await f.messages().compactMap { message -> String? in
            guard case .object(let payload)? = message["payload"], case .object(let data)? = payload["data"] else { return nil }
            return data["status"]?.stringValue
        }
        #expect(statuses == ["accepted", "queued"])
    }

    @Test func aStatusChangeWhoseMessageCannotBeWrittenIsNotWrittenEither() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        _ = try await f.createEndpoint("http://127.0.0.1:9/a")
        try await f.postEvent("ev-10")
        let notificationID = try #require(try f.store.database.query("SELECT id FROM notifications").first?["id"].text)
        // With nowhere to write the message, the step fails as a whole: the status stays, the outbox keeps the row.
        try f.store.database.execute("ALTER TABLE webhook_messages RENAME TO webhook_messages_away")
        #expect(await f.outbox.runOnce() == 1)
        #expect(try f.store.notification(id: notificationID, partnerID: f.partnerID)?.status == "queued")
        #expect(try f.store.outboxDepth() == 1)
        try f.store.database.execute("ALTER TABLE webhook_messages_away RENAME TO webhook_messages")
        f.clock.advance(by: 121)
        #expect(await f.outbox.runOnce() == 1)
        #expect(try f.store.notification(id: notificationID, partnerID: f.partnerID)?.status == "accepted")
        #expect(try await f.messages().count == 2)
    }

    @Test func loopbackEndpointsAreASettingOffByDefault() throws {
        #expect(try ServiceConfig.load(file: nil, contents: nil, environment: [:]).webhooksAllowLoopback == false)
        let on = try ServiceConfig.load(file: "kassa.json", contents: Array(#"{"webhooks": {"allow_loopback": true}}"#.utf8), environment: [:])
        #expect(on.webhooksAllowLoopback)
        #expect(on.json.jsonString.contains(#""webhooks":{"allow_loopback":true}"#))
        #expect(throws: ServiceConfig.Problem(message: "kassa.json: webhooks.allow_loopbak: error: unknown setting (did you mean 'allow_loopback'?); known here: allow_loopback")) {
            try ServiceConfig.load(file: "kassa.json", contents: Array(#"{"webhooks": {"allow_loopbak": true}}"#.utf8), environment: [:])
        }
        #expect(throws: ServiceConfig.Problem(message: "kassa.json: webhooks.allow_loopback: error: must be true or false")) {
            try ServiceConfig.load(file: "kassa.json", contents: Array(#"{"webhooks": {"allow_loopback": "yes"}}"#.utf8), environment: [:])
        }
    }
}

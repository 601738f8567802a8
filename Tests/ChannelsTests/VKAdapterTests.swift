import Foundation
import Testing
import TestPeers
@testable import Channels

/// The VK adapter against a fake VK API (`vk_fake.py`): the fields of `messages.send` as VK takes
/// them, a resend recognised by its `random_id`, every class of VK error, the community's rate
/// limit, and Callback API events.
@Suite struct VKAdapterTests {
    static let token = "vk1.a.community-token-7f3a9c"

    static func adapter(_ fake: FakeProvider, token: String = VKAdapterTests.token, timeout: Duration = .seconds(5),
                        rateLimit: TokenBucket = TokenBucket(perSecond: 20, burst: 20)) -> VKAdapter {
        VKAdapter(configuration: VKConfiguration(token: ProviderSecret(token), groupID: 218_000_001, baseURL: fake.baseURL + "/method/",
                                                 timeout: timeout),
                  rateLimit: rateLimit)
    }

    static func message(_ id: String = "n-1", to recipient: String = "1234567", _ body: String = "Заказ №42 оплачен: 1 500 ₽") -> OutboundMessage {
        OutboundMessage(notificationID: id, content: .text(recipient: recipient, body: body))
    }

    static func fake(_ arguments: [String] = []) async throws -> FakeProvider {
        try await FakeProvider("vk_fake.py", ["--token", token] + arguments)
    }

    @Test func aMessageArrivesWithEveryFieldInItsPlace() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let receipt = try await Self.adapter(fake).send(Self.message())
        let request = try #require(fake.requests.first)
        #expect(request.method == "POST" && request.path == "/method/messages.send")
        #expect(request.headers["authorization"] == "Bearer \(Self.token)")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(!request.body.contains(Self.token) && !request.query.contains(Self.token))
        #expect(request.field("access_token") == nil)
        #expect(request.field("v") == "5.199")
        #expect(request.field("user_id") == "1234567")
        #expect(request.field("message") == "Заказ №42 оплачен: 1 500 ₽")
        #expect(request.field("random_id") == "1370417807")
        #expect(request.field("intent") == "purchase_update")
        #expect(request.field("group_id") == "218000001")
        let delivered = try #require(fake.deliveries.first)
        #expect(receipt == SendReceipt(providerMessageID: "\(delivered["message_id"] as? Int ?? -1)", status: .sent))
    }

    @Test func aResendCarriesTheSameRandomIDAndIsDeliveredOnce() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let adapter = Self.adapter(fake)
        let first = try await adapter.send(Self.message("n-1"))
        let again = try await adapter.send(Self.message("n-1"))
        let other = try await adapter.send(Self.message("n-2"))
        let randomIDs = fake.requests.map { $0.field("random_id") }
        #expect(randomIDs[0] == randomIDs[1] && randomIDs[0] != randomIDs[2])
        #expect(first == again && first != other)
        #expect(fake.deliveries.count == 2)
    }

    /// Checked against Python's hashlib: `int.from_bytes(sha256(id)[:4], "big") & 0x7fffffff`.
    @Test(arguments: [
        ("n-1", Int32(1_370_417_807)),
        ("", 1_672_528_962),
        ("заказ-42:payment.succeeded", 302_461_731),
        ("9f1c2d3e-0000-4000-8000-000000000001", 592_396_196),
    ])
    func randomIDsArePositiveDigestsOfTheNotificationID(_ id: String, _ expected: Int32) {
        #expect(VKRandomID.of(notificationID: id) == expected)
        #expect(VKRandomID.of(notificationID: id) > 0)
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let code: Int
        let kind: DeliveryFailure.Kind
        let says: String
        var testDescription: String { "VK error \(code)" }
    }

    @Test(arguments: [
        ErrorCase(code: 6, kind: .rateLimited(after: .seconds(1)), says: "too many requests per second"),
        ErrorCase(code: 9, kind: .rateLimited(after: .seconds(60)), says: "flood control"),
        ErrorCase(code: 29, kind: .rateLimited(after: .seconds(3600)), says: "quota"),
        ErrorCase(code: 10, kind: .retryable(after: nil), says: "internal error"),
        ErrorCase(code: 14, kind: .rateLimited(after: .seconds(300)), says: "captcha"),
        ErrorCase(code: 901, kind: .permanent, says: "the user has not allowed messages from the community"),
        ErrorCase(code: 902, kind: .permanent, says: "privacy settings"),
        ErrorCase(code: 900, kind: .permanent, says: "blacklist"),
        ErrorCase(code: 5, kind: .permanent, says: "configuration error"),
        ErrorCase(code: 27, kind: .permanent, says: "configuration error"),
        ErrorCase(code: 914, kind: .permanent, says: "longer than VK allows"),
        ErrorCase(code: 943, kind: .permanent, says: "intent"),
        ErrorCase(code: 944, kind: .rateLimited(after: .seconds(3600)), says: "intent"),
        ErrorCase(code: 950, kind: .permanent, says: "reply"),
        ErrorCase(code: 12345, kind: .permanent, says: "error 12345"),
    ])
    func eachVKErrorIsClassified(_ error: ErrorCase) async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        try await fake.script(["body": #"{"error":{"error_code":\#(error.code),"error_msg":"VK's own words","request_params":[]}}"#])
        let failure = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message()) }
        #expect(failure?.kind == error.kind)
        #expect(failure?.providerCode == "vk \(error.code)")
        #expect(failure?.reason.contains(error.says) == true)
        #expect(failure?.reason.contains("VK's own words") == true)
    }

    @Test func theFakesOwnChecksComeBackClassified() async throws {
        let fake = try await Self.fake(["--deny", "555"])
        defer { fake.stop() }
        let denied = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message(to: "555")) }
        #expect(denied?.isPermanent == true && denied?.providerCode == "vk 901")
        #expect(denied?.reason.hasPrefix("the user has not allowed messages from the community") == true)
        let wrongToken = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake, token: "revoked").send(Self.message()) }
        #expect(wrongToken?.isPermanent == true && wrongToken?.providerCode == "vk 5")
        #expect(fake.deliveries.isEmpty)
    }

    struct AnswerCase: Sendable, CustomTestStringConvertible {
        let name: String
        let script: [String: any Sendable]
        let kind: DeliveryFailure.Kind
        let code: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        AnswerCase(name: "HTTP 502", script: ["status": 502, "body": "Bad Gateway"], kind: .retryable(after: nil), code: "http 502"),
        AnswerCase(name: "HTTP 503 with Retry-After", script: ["status": 503, "headers": ["Retry-After": "4"]], kind: .retryable(after: .seconds(4)),
                   code: "http 503"),
        AnswerCase(name: "HTTP 429", script: ["status": 429, "headers": ["Retry-After": "3"]], kind: .rateLimited(after: .seconds(3)), code: "http 429"),
        AnswerCase(name: "HTTP 404", script: ["status": 404, "body": "no"], kind: .permanent, code: "http 404"),
        AnswerCase(name: "malformed JSON", script: ["body": "<html>oops</html>"], kind: .retryable(after: nil), code: "vk answer"),
        AnswerCase(name: "neither response nor error", script: ["body": #"{"ok":true}"#], kind: .retryable(after: nil), code: "vk answer"),
        AnswerCase(name: "dropped connection", script: ["drop": true], kind: .retryable(after: nil), code: "curl 52"),
    ])
    func httpAndTransportFailuresAreClassified(_ answer: AnswerCase) async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        try await fake.script(answer.script)
        let failure = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message()) }
        #expect(failure?.kind == answer.kind)
        #expect(failure?.providerCode == answer.code)
        #expect(failure?.description.contains(Self.token) == false)
    }

    @Test func aSlowVKIsATimeoutThatMayBeRetried() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        try await fake.script(["delay": 2.0, "body": #"{"response":1}"#])
        let failure = await #expect(throws: DeliveryFailure.self) {
            try await Self.adapter(fake, timeout: .milliseconds(400)).send(Self.message())
        }
        #expect(failure?.kind == .retryable(after: nil))
        #expect(failure?.providerCode == "curl 28")
    }

    @Test(arguments: ["", "abc", "-5", "0", "+79991234567", "12 34", "id1234", "99999999999999999999"])
    func aRecipientThatIsNotAVKUserIDIsRefusedBeforeSending(_ recipient: String) async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let failure = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message(to: recipient)) }
        #expect(failure?.isPermanent == true && failure?.providerCode == "recipient")
        #expect(fake.requests.isEmpty)
    }

    @Test func textsAreMeasuredAsVKDoesBeforeSending() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let adapter = Self.adapter(fake)
        let tooLong = await #expect(throws: DeliveryFailure.self) {
            try await adapter.send(Self.message("n-long", String(repeating: "я", count: 9001)))
        }
        #expect(tooLong?.isPermanent == true && tooLong?.reason.contains("9001 characters") == true)
        let empty = await #expect(throws: DeliveryFailure.self) { try await adapter.send(Self.message("n-empty", "")) }
        #expect(empty?.isPermanent == true)
        let email = EmailMessage(from: try EmailAddress("shop@example.ru"), to: [try EmailAddress("buyer@example.ru")], subject: "s", text: "t",
                                 messageID: "<n-mail@example.ru>", date: Date(timeIntervalSince1970: 0))
        let wrongChannel = await #expect(throws: DeliveryFailure.self) {
            try await adapter.send(OutboundMessage(notificationID: "n-mail", content: .email(email)))
        }
        #expect(wrongChannel?.isPermanent == true)
        #expect(fake.requests.isEmpty)
        // Exactly 9000 code points (emoji outside the BMP count once, as JSON Schema counts) go through.
        let longest = String(repeating: "я", count: 8999) + "🙂"
        _ = try await adapter.send(Self.message("n-9000", longest))
        #expect(fake.requests.first?.field("message") == longest)
    }

    @Test func theTwentyFirstRequestInASecondWaitsWithoutReachingVK() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let time = TokenBucketTests.ManualTime()
        let adapter = Self.adapter(fake, rateLimit: TokenBucket(perSecond: 20, burst: 20, now: time.read))
        for index in 0..<20 { _ = try await adapter.send(Self.message("n-\(index)")) }
        let failure = await #expect(throws: DeliveryFailure.self) { try await adapter.send(Self.message("n-20")) }
        #expect(failure?.kind == .rateLimited(after: .milliseconds(50)))
        #expect(failure?.providerCode == "local")
        #expect(try await fake.requests(atLeast: 20).count == 20)
        time.advance(.milliseconds(50))
        _ = try await adapter.send(Self.message("n-20"))
        #expect(try await fake.requests(atLeast: 21).count == 21)
    }

    @Test func theTokenNeverShows() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        // Even a provider text that echoed the token would not carry it into our failure.
        try await fake.script(["body": #"{"error":{"error_code":5,"error_msg":"invalid access_token \#(Self.token)"}}"#])
        let failure = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message()) }
        let description = try #require(failure?.description)
        #expect(!description.contains(Self.token) && description.contains("<secret>"))
        let configuration = VKConfiguration(token: ProviderSecret(Self.token), groupID: 1, callbackSecret: ProviderSecret("cb-secret-1"))
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), "\(configuration)", dumped] {
            #expect(!text.contains(Self.token) && !text.contains("cb-secret-1"))
        }
    }

    @Test func answersForSeveralPeersAreRead() throws {
        let ok = HTTPResponse(status: 200, body: Array(#"{"response":[{"peer_id":1,"message_id":77,"conversation_message_id":3}]}"#.utf8))
        #expect(try VKAnswer.receipt(from: ok) == SendReceipt(providerMessageID: "77", status: .sent))
        let refused = HTTPResponse(status: 200,
                                   body: Array(#"{"response":[{"peer_id":1,"error":{"code":901,"description":"Can't send messages"}}]}"#.utf8))
        #expect(throws: DeliveryFailure.self) { try VKAnswer.receipt(from: refused) }
        do {
            _ = try VKAnswer.receipt(from: refused)
        } catch {
            #expect(error.providerCode == "vk 901" && error.reason.contains("has not allowed"))
        }
    }
}

/// Callback API events that tell who the community may write to.
@Suite struct VKCallbackTests {
    static let configuration = VKConfiguration(token: ProviderSecret("t"), groupID: 218_000_001, callbackSecret: ProviderSecret("s3cr3t-callback"),
                                               confirmationCode: "a1b2c3d4")

    static func event(_ json: String, _ configuration: VKConfiguration = VKCallbackTests.configuration) throws(CallbackError) -> VKCallbackEvent {
        try VKCallbackEvent(parsing: Array(json.utf8), configuration: configuration)
    }

    @Test func theEventsThatMatterAreRead() throws {
        let confirmation = try Self.event(#"{"type":"confirmation","group_id":218000001,"secret":"s3cr3t-callback"}"#)
        #expect(confirmation == .confirmation)
        #expect(confirmation.answer(with: Self.configuration) == "a1b2c3d4")
        let allow = try Self.event(#"""
            {"type":"message_allow","object":{"user_id":1234567,"key":"order-42"},"group_id":218000001,
             "event_id":"1b2c","v":"5.199","secret":"s3cr3t-callback"}
            """#)
        #expect(allow == .messageAllow(userID: 1_234_567, key: "order-42"))
        #expect(allow.answer(with: Self.configuration) == "ok")
        #expect(try Self.event(#"{"type":"message_deny","object":{"user_id":7},"group_id":218000001,"secret":"s3cr3t-callback"}"#)
            == .messageDeny(userID: 7))
        #expect(try Self.event(#"{"type":"message_new","object":{"message":{"text":"hi"}},"group_id":218000001,"secret":"s3cr3t-callback"}"#)
            == .other(type: "message_new"))
    }

    @Test(arguments: [
        #"{"type":"message_allow","object":{"user_id":1},"group_id":218000001,"secret":"s3cr3t-callbacK"}"#,
        #"{"type":"message_allow","object":{"user_id":1},"group_id":218000001,"secret":""}"#,
        #"{"type":"message_allow","object":{"user_id":1},"group_id":218000001}"#,
    ])
    func aForgedSecretIsRefused(_ json: String) {
        #expect(throws: CallbackError(.forged)) { try Self.event(json) }
    }

    @Test func otherCommunitiesAndBrokenBodiesAreRefused() throws {
        #expect(throws: CallbackError.self) { try Self.event(#"{"type":"message_deny","object":{"user_id":1},"group_id":5,"secret":"s3cr3t-callback"}"#) }
        #expect(throws: CallbackError.self) { try Self.event(#"{"type":"message_deny","group_id":218000001,"secret":"s3cr3t-callback"}"#) }
        #expect(throws: CallbackError.self) { try Self.event("not json") }
        // Without a configured secret the group id is the only check.
        var open = Self.configuration
        open.callbackSecret = nil
        #expect(try Self.event(#"{"type":"message_deny","object":{"user_id":1},"group_id":218000001}"#, open) == .messageDeny(userID: 1))
    }
}

extension FakeProvider {
    /// The messages the fake delivered (a resend it recognised is not among them).
    var deliveries: [[String: Any]] {
        peer.events.filter { ($0["event"] as? String) == "delivered" }
    }
}

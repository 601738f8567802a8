import Foundation
import Testing
import TestPeers
@testable import Channels

/// The Viber adapter against a fake edna Pulse (`viber_fake.py`): a template send as edna takes
/// it, a message without a template refused before any request, every class of edna's answers,
/// phone numbers as people write them, and edna's status webhooks read into delivery reports.
@Suite struct ViberAdapterTests {
    static let apiKey = "edna-api-key-5e1d0b77"

    static func adapter(_ fake: FakeProvider, key: String = ViberAdapterTests.apiKey, timeout: Duration = .seconds(5)) -> ViberAdapter {
        ViberAdapter(configuration: ViberConfiguration(apiKey: ProviderSecret(key), sender: "SHOP_VIBER", baseURL: fake.baseURL, timeout: timeout))
    }

    static func message(_ id: String = "n-1", to phone: String = "+7 (999) 123-45-67", _ body: String = "Заказ 42 оплачен: 1 500 ₽",
                        template: String? = "1043", values: [String] = ["42", "1 500 ₽"]) -> OutboundMessage {
        OutboundMessage(notificationID: id, content: .text(recipient: phone, body: body), providerTemplateID: template, providerTemplateValues: values)
    }

    static func fake(_ arguments: [String] = []) async throws -> FakeProvider {
        try await FakeProvider("viber_fake.py", ["--api-key", apiKey, "--sender", "SHOP_VIBER", "--template", "1043"] + arguments)
    }

    @Test func aMessageWithoutATemplateIDIsRefusedBeforeAnyRequest() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let failure = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message(template: nil)) }
        #expect(failure?.isPermanent == true && failure?.providerCode == "template")
        #expect(failure?.reason == "a transactional Viber message must name the template edna registered for it, and this one names none")
        #expect(fake.requests.isEmpty)
    }

    @Test func aTemplateMessageArrivesAsEdnaDocumentsIt() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let receipt = try await Self.adapter(fake).send(Self.message())
        let request = try #require(fake.requests.first)
        #expect(request.method == "POST" && request.path == "/api/v1/out-messages/viber/template")
        #expect(request.headers["x-api-key"] == Self.apiKey)
        #expect(request.headers["content-type"] == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
        #expect(body["messageId"] as? String == "n-1")
        #expect(body["sender"] as? String == "SHOP_VIBER")
        #expect(body["phone"] as? String == "79991234567")
        #expect(body["templateId"] as? Int == 1043)
        #expect(body["textVariables"] as? [String] == ["42", "1 500 ₽"])
        #expect(!request.body.contains(Self.apiKey))
        let delivered = try #require(fake.deliveries.first)
        #expect(receipt == SendReceipt(providerMessageID: "\(delivered["outMessageId"] as? Int ?? -1)", status: .accepted))
    }

    @Test func aResendIsTheSameMessageToEdnaAndIsDeliveredOnce() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let adapter = Self.adapter(fake)
        let first = try await adapter.send(Self.message("n-1"))
        let again = try await adapter.send(Self.message("n-1"))
        let other = try await adapter.send(Self.message("n-2"))
        #expect(first == again && first != other)
        #expect(fake.requests.count == 3 && fake.deliveries.count == 2)
    }

    @Test(arguments: [
        ("+7 (999) 123-45-67", "79991234567"),
        ("8 999 123 45 67", "79991234567"),
        ("89991234567", "79991234567"),
        ("79991234567", "79991234567"),
        ("9991234567", "79991234567"),
        ("+7-999-123-45-67", "79991234567"),
        ("  +79991234567 ", "79991234567"),
        ("+375 29 123-45-67", "375291234567"),
    ])
    func phoneNumbersAreNormalised(_ written: String, _ normalised: String) {
        #expect(ViberPhoneNumber.normalized(written) == normalised)
    }

    @Test(arguments: ["", "12345", "abc", "8 999 123", "+7 999 123 45 67 89 01 2", "0999123456", "79991234567+", "7999 123 45 67 ext 2"])
    func whatIsNotAPhoneNumberIsRefusedBeforeSending(_ written: String) async throws {
        #expect(ViberPhoneNumber.normalized(written) == nil)
        let fake = try await Self.fake()
        defer { fake.stop() }
        let failure = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message(to: written)) }
        #expect(failure?.isPermanent == true && failure?.providerCode == "recipient")
        #expect(fake.requests.isEmpty)
    }

    @Test func templateIDsAndTextsAreCheckedBeforeSending() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let adapter = Self.adapter(fake)
        for template in ["", "abc", "-4", "0"] {
            let failure = await #expect(throws: DeliveryFailure.self) { try await adapter.send(Self.message(template: template)) }
            #expect(failure?.isPermanent == true && failure?.providerCode == "template")
        }
        let tooLong = await #expect(throws: DeliveryFailure.self) {
            try await adapter.send(Self.message("n-long", String(repeating: "ж", count: 1001)))
        }
        #expect(tooLong?.isPermanent == true && tooLong?.reason.contains("1001 characters") == true)
        let empty = await #expect(throws: DeliveryFailure.self) { try await adapter.send(Self.message("n-empty", "")) }
        #expect(empty?.isPermanent == true)
        #expect(fake.requests.isEmpty)
        _ = try await adapter.send(Self.message("n-1000", String(repeating: "ж", count: 1000)))
        #expect(fake.requests.count == 1)
    }

    struct AnswerCase: Sendable, CustomTestStringConvertible {
        let name: String
        let script: [String: any Sendable]
        let kind: DeliveryFailure.Kind
        let code: String
        let says: String
        var testDescription: String { name }
    }

    static func refusal(_ status: Int, _ code: String, headers: [String: String] = [:]) -> [String: any Sendable] {
        ["status": status, "body": #"{"type":"about:blank","title":"Bad Request","status":\#(status),"detail":"\#(code)"}"#, "headers": headers]
    }

    @Test(arguments: [
        AnswerCase(name: "401", script: refusal(401, "auth-error"), kind: .permanent, code: "edna 401", says: "API key"),
        AnswerCase(name: "403", script: refusal(403, "forbidden"), kind: .permanent, code: "edna 403", says: "configuration error"),
        AnswerCase(name: "429", script: refusal(429, "too-many-requests", headers: ["Retry-After": "7"]), kind: .rateLimited(after: .seconds(7)),
                   code: "edna 429", says: "more slowly"),
        AnswerCase(name: "500", script: ["status": 500, "body": "oops"], kind: .retryable(after: nil), code: "edna 500", says: "failed"),
        AnswerCase(name: "502", script: ["status": 502, "body": "Bad Gateway"], kind: .retryable(after: nil), code: "edna 502", says: "failed"),
        AnswerCase(name: "503 with Retry-After", script: ["status": 503, "headers": ["Retry-After": "30"]], kind: .retryable(after: .seconds(30)),
                   code: "edna 503", says: "failed"),
        AnswerCase(name: "500 error-system", script: refusal(500, "error-system"), kind: .retryable(after: nil), code: "edna 500", says: "failed"),
        AnswerCase(name: "not a Viber user", script: refusal(400, "not-viber-user"), kind: .permanent, code: "not-viber-user",
                   says: "does not use Viber"),
        AnswerCase(name: "blocked", script: refusal(400, "user-blocked"), kind: .permanent, code: "user-blocked", says: "has blocked"),
        AnswerCase(name: "no suitable device", script: refusal(400, "no-suitable-device"), kind: .permanent, code: "no-suitable-device",
                   says: "cannot receive"),
        AnswerCase(name: "template mismatch", script: refusal(400, "matched-template-not-found"), kind: .permanent, code: "matched-template-not-found",
                   says: "approved Viber template"),
        AnswerCase(name: "no money", script: refusal(400, "error-insufficient-balance"), kind: .permanent, code: "error-insufficient-balance",
                   says: "no money"),
        AnswerCase(name: "unknown sender", script: refusal(400, "error-subject-unknown"), kind: .permanent, code: "error-subject-unknown",
                   says: "sender"),
        AnswerCase(name: "another 400", script: refusal(400, "something-new"), kind: .permanent, code: "edna 400", says: "something-new"),
        AnswerCase(name: "200 without an id", script: ["body": #"{"phone":"79991234567"}"#], kind: .retryable(after: nil), code: "edna answer",
                   says: "no message id"),
        AnswerCase(name: "200 not JSON", script: ["body": "<html>"], kind: .retryable(after: nil), code: "edna answer", says: "no message id"),
        AnswerCase(name: "dropped connection", script: ["drop": true], kind: .retryable(after: nil), code: "curl 52", says: "reply"),
    ])
    func eachEdnaAnswerIsClassified(_ answer: AnswerCase) async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        try await fake.script(answer.script)
        let failure = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message()) }
        #expect(failure?.kind == answer.kind)
        #expect(failure?.providerCode == answer.code)
        #expect(failure?.reason.contains(answer.says) == true)
        #expect(failure?.description.contains(Self.apiKey) == false)
    }

    @Test func theFakesOwnChecksComeBackClassified() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let unknownTemplate = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message(template: "77")) }
        #expect(unknownTemplate?.isPermanent == true && unknownTemplate?.providerCode == "not-template-match")
        let wrongKey = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake, key: "old-key").send(Self.message()) }
        #expect(wrongKey?.isPermanent == true && wrongKey?.providerCode == "edna 401")
        #expect(fake.deliveries.isEmpty)
    }

    @Test func aSlowEdnaIsATimeoutThatMayBeRetried() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        try await fake.script(["delay": 2.0, "body": #"{"outMessageId":1}"#])
        let failure = await #expect(throws: DeliveryFailure.self) {
            try await Self.adapter(fake, timeout: .milliseconds(400)).send(Self.message())
        }
        #expect(failure?.kind == .retryable(after: nil) && failure?.providerCode == "curl 28")
    }

    @Test func theAPIKeyNeverShows() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        try await fake.script(["status": 400, "body": #"{"detail":"key \#(Self.apiKey) is not allowed here"}"#])
        let failure = await #expect(throws: DeliveryFailure.self) { try await Self.adapter(fake).send(Self.message()) }
        let description = try #require(failure?.description)
        #expect(!description.contains(Self.apiKey) && description.contains("<secret>"))
        let configuration = ViberConfiguration(apiKey: ProviderSecret(Self.apiKey), sender: "S", callbackKey: ProviderSecret("hook-key-91"))
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), dumped] {
            #expect(!text.contains(Self.apiKey) && !text.contains("hook-key-91"))
        }
    }
}

/// edna's status webhooks read into delivery reports.
@Suite struct ViberStatusReportTests {
    static let adapter = ViberAdapter(configuration: ViberConfiguration(apiKey: ProviderSecret("k"), sender: "S", callbackKey: ProviderSecret("hook-key-91")))

    static func webhook(status: String, error: String? = nil) -> [UInt8] {
        let errorJSON = error.map { "\"\($0)\"" } ?? "null"
        return Array("""
            {"requestId":"test-00135","messageId":8681748,"cascadeId":11,"cascadeStageUUID":"001-test001","subject":"SHOP_VIBER",
             "subjectId":2,"status":"\(status)","statusAt":"2025-01-30T11:07:55Z","error":\(errorJSON),"comment":null}
            """.utf8)
    }

    @Test(arguments: [
        ("SENT", DeliveryStatus.sent), ("DELIVERED", .delivered), ("READ", .read), ("UNDELIVERED", .failed), ("FAILED", .failed),
        ("EXPIRED", .expired), ("CANCELLED", .failed), ("ENQUEUED", .accepted), ("DELAYED", .accepted), ("delivered", .delivered),
    ])
    func ednaStatusesMapToOurs(_ edna: String, _ ours: DeliveryStatus) throws {
        #expect(EdnaStatusReport.status(of: edna) == ours)
        let report = try Self.adapter.report(fromCallback: Self.webhook(status: edna), key: "hook-key-91")
        #expect(report.status == ours && report.providerMessageID == "8681748")
    }

    @Test func aReportCarriesTimeAndThePlainMeaningOfItsError() throws {
        let report = try Self.adapter.report(fromCallback: Self.webhook(status: "UNDELIVERED", error: "not-viber-user"), key: "hook-key-91")
        #expect(report == DeliveryReport(providerMessageID: "8681748", status: .failed, at: Date(timeIntervalSince1970: 1_738_235_275),
                                         providerCode: "not-viber-user", reason: "the recipient does not use Viber"))
        let blocked = try Self.adapter.report(fromCallback: Self.webhook(status: "FAILED", error: "user-blocked"), key: "hook-key-91")
        #expect(blocked.reason == "the recipient has blocked Viber messages from this sender")
        let unknown = try Self.adapter.report(fromCallback: Self.webhook(status: "FAILED", error: "viber-said-no"), key: "hook-key-91")
        #expect(unknown.providerCode == "viber-said-no" && unknown.reason?.contains("viber-said-no") == true)
        let expired = try Self.adapter.report(fromCallback: Self.webhook(status: "EXPIRED"), key: "hook-key-91")
        #expect(expired.providerCode == nil && expired.reason != nil)
        #expect(EdnaStatusReport.date("2025-01-30T11:07:55.250Z") == Date(timeIntervalSince1970: 1_738_235_275.25))
    }

    @Test(arguments: [nil, "", "hook-key-92", "hook-key-9", "HOOK-KEY-91"])
    func aForgedWebhookKeyIsRefused(_ key: String?) {
        #expect(throws: CallbackError(.forged)) { try Self.adapter.report(fromCallback: Self.webhook(status: "READ"), key: key) }
    }

    @Test func unreadableAndUndocumentedWebhooksAreRefused() throws {
        #expect(throws: CallbackError.self) { try Self.adapter.report(fromCallback: Array("{}".utf8), key: "hook-key-91") }
        #expect(throws: CallbackError.self) { try Self.adapter.report(fromCallback: Array("nope".utf8), key: "hook-key-91") }
        #expect(throws: CallbackError.self) { try Self.adapter.report(fromCallback: Self.webhook(status: "TELEPORTED"), key: "hook-key-91") }
        // Without a configured key any webhook is read (the endpoint must then be unreachable to others).
        let open = ViberAdapter(configuration: ViberConfiguration(apiKey: ProviderSecret("k"), sender: "S"))
        #expect(try open.report(fromCallback: Self.webhook(status: "READ"), key: nil).status == .read)
    }
}

import Foundation
import Testing
import TestPeers
@testable import Channels

/// The SMS.ru adapter against a loopback fake that speaks SMS.ru's documented protocol (`smsru_fake.py`):
/// what goes on the wire, what is refused before it, how each answer is classified, status polls and
/// delivery-report callbacks, and the `api_id` kept out of every text a person may read.
@Suite struct SMSRuTests {
    static let key = "5F1C2B3A-0A0B-4C4D-8E8F-123456789ABC"

    static func fake() async throws -> FakeProvider {
        try await FakeProvider("smsru_fake.py", ["--api-id", key])
    }

    static func account(_ fake: FakeProvider, apiID: String = key, from: String? = "Apikassa", maxParts: Int = 8, ttl: Int? = nil,
                        test: Bool = false, timeout: Duration = .seconds(5)) throws -> SMSRuConfiguration {
        try SMSRuConfiguration(apiID: apiID, from: from, maxParts: maxParts, ttl: ttl, test: test, baseURL: fake.baseURL + "/",
                               timeout: timeout)
    }

    /// The requests the fake has reported once there are at least `count`: its report of a request
    /// reaches us through a pipe and may trail its answer.
    static func requests(_ fake: FakeProvider, atLeast count: Int) async throws -> [FakeProvider.Request] {
        for _ in 0..<400 where fake.requests.count < count {
            try await Task.sleep(for: .milliseconds(25))
        }
        return fake.requests
    }

    static func text(_ recipient: String, _ body: String) -> OutboundMessage {
        OutboundMessage(notificationID: "n1", content: .text(recipient: recipient, body: body))
    }

    // MARK: Sending

    @Test func aMessageGoesOutWithEveryFieldAndComesBackWithItsID() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let adapter = SMSRuAdapter(try Self.account(fake, ttl: 60, test: true))
        let body = "Заказ №7 готов & оплачен = 100%; ёЁ «ок» 👍"
        let receipt = try await adapter.send(Self.text("+7 (999) 000-00-00", body))
        #expect(receipt == SendReceipt(providerMessageID: "000000-10000000", status: .accepted))
        #expect(adapter.channel == .sms)

        let request = try #require(try await Self.requests(fake, atLeast: 1).first)
        #expect(request.method == "POST" && request.path == "/sms/send")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(request.form.map(\.name) == ["api_id", "to", "msg", "from", "ttl", "test", "json"])
        #expect(request.field("api_id") == Self.key)
        #expect(request.field("to") == "79990000000")
        #expect(request.field("msg") == body)
        #expect(request.field("from") == "Apikassa")
        #expect(request.field("ttl") == "60")
        #expect(request.field("test") == "1")
        #expect(request.field("json") == "1")
    }

    @Test func withoutOptionsOnlyTheRequiredFieldsGo() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let adapter = SMSRuAdapter(try Self.account(fake, from: nil))
        let first = try await adapter.send(Self.text("8 999 000 00 00", "Code 1234"))
        let second = try await adapter.send(Self.text("9990000001", "Code 5678"))
        #expect(first.providerMessageID != second.providerMessageID)
        let requests = try await Self.requests(fake, atLeast: 2)
        #expect(requests.first?.form.map(\.name) == ["api_id", "to", "msg", "json"])
        #expect(requests.map { $0.field("to") } == ["79990000000", "79990000001"])
    }

    @Test(arguments: [
        ("+7 (999) 000-00-00", "79990000000"),
        ("8 999 000 00 00", "79990000000"),
        ("89990000000", "79990000000"),
        ("79990000000", "79990000000"),
        ("+79990000000", "79990000000"),
        ("7-999-000-00-00", "79990000000"),
        ("999 000-00-00", "79990000000"),
        ("(999) 000.00.00", "79990000000"),
        ("\u{A0}+7\u{A0}999\u{A0}000\u{A0}00\u{A0}00 ", "79990000000"),
        ("8 (800) 555-35-35", "78005553535"),
    ])
    func russianNumbersAreNormalised(_ written: String, _ normalised: String) throws {
        #expect(try RussianPhoneNumber.normalize(written) == normalised)
    }

    @Test(arguments: [
        ("", "no digits"),
        ("+", "no digits"),
        ("+380 44 000 0000", "not a Russian number"),
        ("+1 202 555 0100", "not a Russian number"),
        ("+7 999 000 00 0", "10 digits"),
        ("+7 999 000 00 000", "12 digits"),
        ("999 000 00 0", "9 digits"),
        ("495 000 00 00", "10 digits"),
        ("69990000000", "11 digits"),
        ("7999000000012", "13 digits"),
        ("+7 999 000 00 00 ext 5", "characters other than digits"),
        ("7999O000000", "characters other than digits"),
        ("79+990000000", "characters other than digits"),
        ("user@example.com", "characters other than digits"),
    ])
    func otherNumbersAreRefusedWithoutEchoingThem(_ written: String, _ why: String) {
        let failure = #expect(throws: DeliveryFailure.self) { try RussianPhoneNumber.normalize(written) }
        #expect(failure?.isPermanent == true)
        #expect(failure?.providerCode == "phone")
        #expect(failure?.reason.contains(why) == true, "\(failure?.reason ?? "")")
        #expect(failure?.reason.contains("000 00") == false)
    }

    @Test func aBadNumberNeverReachesSMSRu() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let adapter = SMSRuAdapter(try Self.account(fake))
        let failure = await #expect(throws: DeliveryFailure.self) { try await adapter.send(Self.text("+44 20 7946 0000", "Hello")) }
        #expect(failure?.isPermanent == true)
        let email = OutboundMessage(notificationID: "n2", content: .email(EmailMessage(
            from: try EmailAddress("shop@example.com"), to: [try EmailAddress("client@example.com")], subject: "S", text: "T", messageID: "<m1@example.com>", date: Date())))
        let wrongChannel = await #expect(throws: DeliveryFailure.self) { try await adapter.send(email) }
        #expect(wrongChannel?.isPermanent == true)
        // The next good message is the first request the fake ever saw.
        _ = try await adapter.send(Self.text("+7 999 000 00 00", "Hello"))
        #expect(try await Self.requests(fake, atLeast: 1).map { $0.field("msg") } == ["Hello"])
    }

    @Test func tooManyPartsAreRefusedBeforeAnyRequest() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let cyrillic = String(repeating: "Ж", count: 9 * 67)
        let failure = await #expect(throws: DeliveryFailure.self) {
            try await SMSRuAdapter(try Self.account(fake)).send(Self.text("+79990000000", cyrillic))
        }
        #expect(failure?.isPermanent == true)
        #expect(failure?.providerCode == "parts")
        #expect(failure?.reason == "the text is 9 SMS parts (603 UCS-2 units), more than the limit of 8")

        let short = await #expect(throws: DeliveryFailure.self) {
            try await SMSRuAdapter(try Self.account(fake, maxParts: 2)).send(Self.text("+79990000000", String(repeating: "a", count: 307)))
        }
        #expect(short?.reason == "the text is 3 SMS parts (307 GSM-7 units), more than the limit of 2")
        let empty = await #expect(throws: DeliveryFailure.self) {
            try await SMSRuAdapter(try Self.account(fake)).send(Self.text("+79990000000", ""))
        }
        #expect(empty?.providerCode == "empty")

        // Exactly the limit goes through, and is the first request the fake ever saw.
        let eight = String(repeating: "Ж", count: 8 * 67)
        let receipt = try await SMSRuAdapter(try Self.account(fake)).send(Self.text("+79990000000", eight))
        #expect(receipt.status == .accepted)
        #expect(try await Self.requests(fake, atLeast: 1).map { $0.field("msg") } == [eight])
    }

    @Test func theAccountRateLimitStopsASendBeforeTheRequest() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let time = TokenBucketTests.ManualTime()
        let adapter = SMSRuAdapter(try Self.account(fake), rateLimit: TokenBucket(perSecond: 2, burst: 1, now: time.read))
        _ = try await adapter.send(Self.text("+79990000000", "one"))
        let failure = await #expect(throws: DeliveryFailure.self) { try await adapter.send(Self.text("+79990000000", "two")) }
        #expect(failure?.kind == .rateLimited(after: .milliseconds(500)))
        #expect(failure?.providerCode == "local")
        time.advance(.milliseconds(500))
        _ = try await adapter.send(Self.text("+79990000000", "three"))
        #expect(try await Self.requests(fake, atLeast: 2).map { $0.field("msg") } == ["one", "three"])
    }

    // MARK: Answers and their classification

    struct Answer: Sendable, CustomTestStringConvertible {
        let name: String
        let script: [String: any Sendable]
        let kind: DeliveryFailure.Kind
        let code: String
        var testDescription: String { name }

        static func json(_ name: String, _ body: String, _ kind: DeliveryFailure.Kind, _ code: String) -> Answer {
            Answer(name: name, script: ["path": "/sms/send", "status": 200, "body": body], kind: kind, code: code)
        }
    }

    static let recipient = #""sms":{"79990000000":"#

    @Test(arguments: [
        Answer.json("220 temporarily unavailable", #"{"status":"ERROR","status_code":220}"#, .retryable(after: nil), "220"),
        Answer.json("500 server error", #"{"status":"ERROR","status_code":500,"status_text":"Ошибка на сервере"}"#, .retryable(after: nil), "500"),
        Answer.json("code as a string", #"{"status":"ERROR","status_code":"220"}"#, .retryable(after: nil), "220"),
        Answer.json("200 wrong api_id", #"{"status":"ERROR","status_code":200}"#, .permanent, "200"),
        Answer.json("201 no money", #"{"status":"ERROR","status_code":201}"#, .permanent, "201"),
        Answer.json("204 sender not approved", #"{"status":"ERROR","status_code":204}"#, .permanent, "204"),
        Answer.json("207 no route", #"{"status":"ERROR","status_code":207}"#, .permanent, "207"),
        Answer.json("301 auth", #"{"status":"ERROR","status_code":301}"#, .permanent, "301"),
        Answer.json("206 daily limit", #"{"status":"ERROR","status_code":206}"#, .rateLimited(after: nil), "206"),
        Answer.json("230 daily limit to the number", #"{"status":"ERROR","status_code":230}"#, .rateLimited(after: nil), "230"),
        Answer.json("231 same text this minute", #"{"status":"ERROR","status_code":231}"#, .rateLimited(after: .seconds(60)), "231"),
        Answer.json("unknown code", #"{"status":"ERROR","status_code":299,"status_text":"Новая ошибка"}"#, .retryable(after: nil), "299"),
        Answer.json("per-recipient 202", #"{"status":"OK","status_code":100,"# + SMSRuTests.recipient
            + #"{"status":"ERROR","status_code":202,"status_text":"Неправильный номер"}},"balance":10}"#, .permanent, "202"),
        Answer.json("per-recipient 207", #"{"status":"OK","status_code":100,"# + SMSRuTests.recipient + #"{"status":"ERROR","status_code":207}}}"#,
                    .permanent, "207"),
        Answer.json("per-recipient 233", #"{"status":"OK","status_code":100,"# + SMSRuTests.recipient + #"{"status":"ERROR","status_code":233}}}"#,
                    .rateLimited(after: nil), "233"),
        Answer.json("malformed JSON", #"{"status":"OK","status_code":100,"sms":{"#, .retryable(after: nil), "smsru answer"),
        Answer.json("an HTML page", "<html><body>Maintenance</body></html>", .retryable(after: nil), "smsru answer"),
        Answer.json("no status", #"{"status_code":100}"#, .retryable(after: nil), "smsru answer"),
        Answer.json("OK without the recipient", #"{"status":"OK","status_code":100,"sms":{}}"#, .retryable(after: nil), "smsru answer"),
        Answer.json("OK without an sms_id", #"{"status":"OK","status_code":100,"# + SMSRuTests.recipient + #"{"status":"OK","status_code":100}}}"#,
                    .retryable(after: nil), "smsru answer"),
        Answer(name: "HTTP 502", script: ["status": 502, "body": "Bad Gateway"], kind: .retryable(after: nil), code: "http 502"),
        Answer(name: "HTTP 503 with Retry-After", script: ["status": 503, "headers": ["Retry-After": "30"]],
               kind: .retryable(after: .seconds(30)), code: "http 503"),
        Answer(name: "HTTP 429", script: ["status": 429], kind: .rateLimited(after: nil), code: "http 429"),
        Answer(name: "HTTP 404", script: ["status": 404, "body": "Not Found"], kind: .permanent, code: "http 404"),
        Answer(name: "dropped connection", script: ["drop": true], kind: .retryable(after: nil), code: "curl 52"),
        Answer(name: "too slow", script: ["delay": 2.0, "status": 200], kind: .retryable(after: nil), code: "curl 28"),
    ])
    func eachAnswerIsClassified(_ answer: Answer) async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        try await fake.script(answer.script)
        let adapter = SMSRuAdapter(try Self.account(fake, timeout: .milliseconds(700)))
        let failure = await #expect(throws: DeliveryFailure.self) { try await adapter.send(Self.text("+79990000000", "Заказ готов")) }
        #expect(failure?.kind == answer.kind)
        #expect(failure?.providerCode == answer.code)
        #expect(failure.map { !$0.reason.isEmpty && !$0.reason.contains("Ошибка") && !$0.reason.contains("Неправильный") } == true,
                "reasons are our own English sentences: \(failure?.reason ?? "")")
        // The fake answers as SMS.ru again once the scripted answer is used.
        #expect(try await adapter.send(Self.text("+79990000000", "Заказ готов")).status == .accepted)
    }

    @Test func theFakeAnswersLikeSMSRuWhenNotScripted() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        // The fake's own per-recipient 202 for a number SMS.ru would not take.
        let client = HTTPClient(timeout: .seconds(5))
        let answer = try SMSRuAnswer(try await client.send(.form(fake.baseURL + "/sms/send", [
            ("api_id", Self.key), ("to", "79990000000,123"), ("msg", "Hi"), ("json", "1"),
        ])), redact: { $0 })
        #expect(answer.entries["79990000000"]?.ok == true)
        #expect(answer.entries["123"]?.code == 202)
        // A GET is SMS.ru's 210, a wrong key its 200.
        let get = await #expect(throws: DeliveryFailure.self) {
            try SMSRuAnswer(try await client.send(HTTPRequest(.get, fake.baseURL + "/sms/send?api_id=\(Self.key)&json=1")), redact: { $0 })
        }
        #expect(get?.providerCode == "210")
        let wrongKey = await #expect(throws: DeliveryFailure.self) {
            try await SMSRuAdapter(try Self.account(fake, apiID: "another-key")).send(Self.text("+79990000000", "Hi"))
        }
        #expect(wrongKey?.providerCode == "200")
        #expect(wrongKey?.isPermanent == true)
    }

    @Test func everyDocumentedCodeIsClassifiedOnPurpose() {
        let documented = Array(200...217) + [220, 221] + Array(230...233) + Array(300...305) + Array(500...508) + [550, 901, 902]
        for code in documented {
            let failure = SMSRuCodes.failure(code)
            #expect(failure.providerCode == String(code))
            #expect(!failure.reason.contains("which this adapter does not know"), "code \(code)")
        }
        #expect(documented.filter { SMSRuCodes.failure($0).kind == .retryable(after: nil) } == [220, 500])
        #expect(documented.filter {
            if case .rateLimited = SMSRuCodes.failure($0).kind { true } else { false }
        } == [206, 230, 231, 232, 233, 503, 504, 505, 506, 508])
        for code in [200, 201, 202, 204, 207, 300, 301, 302, 303, 304, 305] {
            #expect(SMSRuCodes.failure(code).isPermanent, "code \(code)")
        }
        // Only a wrong number is a hard bounce: no route (207) or a stop list (209, 215) is not about the number existing.
        #expect(documented.filter { SMSRuCodes.failure($0).recipientUnknown } == [202])
    }

    // MARK: Status polls

    @Test(arguments: [
        (-1, DeliveryStatus.failed), (100, .accepted), (101, .sent), (102, .sent), (103, .delivered), (104, .expired),
        (105, .failed), (106, .failed), (107, .failed), (108, .failed), (110, .read), (150, .failed),
    ])
    func deliveryCodesMapToOneVocabulary(_ code: Int, _ status: DeliveryStatus) throws {
        let delivery = try #require(SMSRuCodes.delivery(code))
        #expect(delivery.status == status)
        #expect((delivery.reason != nil) == (status == .failed || status == .expired || code == 101))
    }

    @Test func aStatusPollReadsEveryMessageSent() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let adapter = SMSRuAdapter(try Self.account(fake))
        var ids: [String] = []
        for n in 0..<3 { ids.append(try await adapter.send(Self.text("+7999000000\(n)", "Message \(n)")).providerMessageID) }
        let reports = try await adapter.status(of: ids + ["000000-99999999", ids[0], " "])
        #expect(reports.map(\.providerMessageID) == ids + ["000000-99999999"])
        #expect(reports.map(\.status) == [.delivered, .delivered, .delivered, .failed])
        #expect(reports.last?.providerCode == "-1")
        #expect(reports.last?.reason == "SMS.ru does not know this message")
        let request = try #require(try await Self.requests(fake, atLeast: 4).last)
        #expect(request.path == "/sms/status")
        #expect(request.form.map(\.name) == ["api_id", "sms_id", "json"])
        #expect(request.field("sms_id") == (ids + ["000000-99999999"]).joined(separator: ","))
        #expect(try await adapter.status(of: []).isEmpty)
        _ = try await adapter.status(of: [ids[1]])
        #expect(try await Self.requests(fake, atLeast: 5).map(\.path) == ["/sms/send", "/sms/send", "/sms/send", "/sms/status", "/sms/status"])
    }

    @Test func aStatusAnswerWithEveryCode() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        try await fake.script(["path": "/sms/status", "body": """
            {"status":"OK","status_code":100,"balance":4122.56,"sms":{
              "a-1":{"status":"OK","status_code":101},
              " a-2 ":{"status":"OK","status_code":"103","cost":0.50},
              "a-3":{"status":"OK","status_code":104,"status_text":"Истекло"},
              "a-4":{"status":"OK","status_code":110},
              "a-5":{"status":"OK","status_code":150},
              "a-6":{"status":"OK","status_code":777},
              "a-7":{"status":"ERROR","status_code":-1,"status_text":"Не найдено"},
              "a-8":{"status":"ERROR","status_code":500}}}
            """])
        let reports = try await SMSRuAdapter(try Self.account(fake)).status(of: (1...9).map { "a-\($0)" })
        #expect(reports == [
            DeliveryReport(providerMessageID: "a-1", status: .sent, providerCode: "101", reason: "being handed to the operator"),
            DeliveryReport(providerMessageID: "a-2", status: .delivered, providerCode: "103"),
            DeliveryReport(providerMessageID: "a-3", status: .expired, providerCode: "104",
                           reason: "the message's lifetime ran out before it was delivered"),
            DeliveryReport(providerMessageID: "a-4", status: .read, providerCode: "110"),
            DeliveryReport(providerMessageID: "a-5", status: .failed, providerCode: "150", reason: "there is no route to this number"),
            DeliveryReport(providerMessageID: "a-7", status: .failed, providerCode: "-1", reason: "SMS.ru does not know this message"),
        ])
    }

    @Test func moreThanAHundredIdsAreAskedInBatches() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let ids = (0..<250).map { "000000-2\(String(format: "%07d", $0))" }
        let reports = try await SMSRuAdapter(try Self.account(fake)).status(of: ids)
        #expect(reports.map(\.providerMessageID) == ids)
        #expect(reports.allSatisfy { $0.status == .failed && $0.providerCode == "-1" })
        let batches = try await Self.requests(fake, atLeast: 3).map { $0.field("sms_id")?.split(separator: ",").map(String.init) ?? [] }
        #expect(batches.map(\.count) == [100, 100, 50])
        #expect(batches.flatMap { $0 } == ids)
    }

    @Test func aStatusPollThatFailsIsClassifiedToo() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let wrongKey = await #expect(throws: DeliveryFailure.self) {
            try await SMSRuAdapter(try Self.account(fake, apiID: "wrong")).status(of: ["000000-10000000"])
        }
        #expect(wrongKey?.isPermanent == true && wrongKey?.providerCode == "200")
        try await fake.script(["path": "/sms/status", "status": 500])
        let busy = await #expect(throws: DeliveryFailure.self) { try await SMSRuAdapter(try Self.account(fake)).status(of: ["x-1"]) }
        #expect(busy?.kind == .retryable(after: nil))
        let comma = await #expect(throws: DeliveryFailure.self) { try await SMSRuAdapter(try Self.account(fake)).status(of: ["a,b"]) }
        #expect(comma?.isPermanent == true)
    }

    // MARK: Delivery-report callbacks

    @Test func aCallbackReadsEveryStatusRecordInOrder() throws {
        let body = FormEncoding.encode([
            ("data[1]", "sms_status\n000000-10000002\n105\n1700000100"),
            ("data[0]", "sms_status\n000000-10000001\n103\n1700000000"),
            ("data[2]", "callcheck_status\n201937-1000000\n401\n1700000200"),
            ("data[3]", "test\n1700000300"),
            ("data[4]", "sms_status\r\n000000-10000003\r\n110\r\n1700000400\r\n"),
            ("data[5]", "sms_status\n000000-10000004\n999\n1700000500"),
            ("data[10]", "sms_status\n000000-10000005\n104\n1700000600"),
            ("hash", "0123"),
        ])
        #expect(try SMSRuCallback.parse(body: body) == [
            DeliveryReport(providerMessageID: "000000-10000001", status: .delivered, at: Date(timeIntervalSince1970: 1_700_000_000),
                           providerCode: "103"),
            DeliveryReport(providerMessageID: "000000-10000002", status: .failed, at: Date(timeIntervalSince1970: 1_700_000_100),
                           providerCode: "105", reason: "the operator deleted the message"),
            DeliveryReport(providerMessageID: "000000-10000003", status: .read, at: Date(timeIntervalSince1970: 1_700_000_400),
                           providerCode: "110"),
            DeliveryReport(providerMessageID: "000000-10000005", status: .expired, at: Date(timeIntervalSince1970: 1_700_000_600),
                           providerCode: "104", reason: "the message's lifetime ran out before it was delivered"),
        ])
        #expect(SMSRuCallback.reply == "100")
        #expect(try SMSRuCallback.parse(body: FormEncoding.encode([("data[0]", "test\n1700000300")])).isEmpty)
    }

    @Test(arguments: [
        ("sms_status\n000000-1\n103", "data[1]: an sms_status record needs 4 lines (kind, sms_id, code, Unix time), it has 3"),
        ("sms_status\n\n103\n1700000000", "data[1]: the sms_id is empty or holds spaces"),
        ("sms_status\n000000-1\ndelivered\n1700000000", "data[1]: the status code 'delivered' is not a number"),
        ("sms_status\n000000-1\n103\nyesterday", "data[1]: the time 'yesterday' is not a Unix time"),
    ])
    func aMalformedRecordIsNamed(_ record: String, _ message: String) {
        let body = FormEncoding.encode([("data[0]", "sms_status\n000000-0\n103\n1700000000"), ("data[1]", record)])
        let error = #expect(throws: SMSRuCallbackError.self) { try SMSRuCallback.parse(body: body) }
        #expect(error?.message == message)
    }

    @Test func aBodyThatIsNotSMSRusIsRefused() {
        #expect(throws: SMSRuCallbackError("the body has no data[N] fields, so it is not an SMS.ru callback")) {
            try SMSRuCallback.parse(body: "status=delivered&id=1")
        }
        #expect(throws: SMSRuCallbackError("data[0] appears twice")) {
            try SMSRuCallback.parse(body: "data%5B0%5D=test&data%5B0%5D=test")
        }
    }

    @Test func aCallbackIsAuthenticOnlyWithTheAccountsHash() throws {
        let records = ["sms_status\n000000-10000001\n103\n1700000000", "sms_status\n000000-10000002\n108\n1700000001"]
        // The expected hash from OpenSSL's command line, an implementation independent of ours.
        let digest = try ExternalTool.run(ExternalTool.openssl, ["dgst", "-sha256", "-r"], input: Array((Self.key + records.joined()).utf8))
        let hash = String(digest.prefix(64))
        let account = try SMSRuConfiguration(apiID: Self.key)
        func body(_ data: [String], hash: String?) -> String {
            FormEncoding.encode(data.enumerated().map { ("data[\($0.offset)]", $0.element) } + (hash.map { [("hash", $0)] } ?? []))
        }
        #expect(SMSRuCallback.isAuthentic(body: body(records, hash: hash), configuration: account))
        #expect(SMSRuCallback.isAuthentic(body: body(records, hash: hash.uppercased()), configuration: account))
        #expect(!SMSRuCallback.isAuthentic(body: body(records, hash: nil), configuration: account))
        #expect(!SMSRuCallback.isAuthentic(body: body([records[0], records[1].replacingOccurrences(of: "108", with: "103")], hash: hash),
                                           configuration: account))
        #expect(!SMSRuCallback.isAuthentic(body: body(records.reversed(), hash: hash), configuration: account))
        #expect(!SMSRuCallback.isAuthentic(body: body(records, hash: hash), configuration: try SMSRuConfiguration(apiID: "other-key")))
        #expect(!SMSRuCallback.isAuthentic(body: body(records, hash: String(hash.dropLast())), configuration: account))
    }

    // MARK: The api_id stays secret

    @Test func theAPIIDNeverAppearsInAFailure() async throws {
        let fake = try await Self.fake()
        defer { fake.stop() }
        let secret = "F2D79B58-SECRET-91C8-73D12CE2E102"
        let adapter = SMSRuAdapter(try Self.account(fake, apiID: secret))
        var failures: [DeliveryFailure] = []
        // The real protocol: a wrong key.
        do { _ = try await adapter.send(Self.text("+79990000000", "Hi")) } catch { failures.append(error) }
        // Answers that echo what they were sent, as a careless server or proxy might.
        try await fake.script(["body": #"{"status":"ERROR","status_code":299,"status_text":"api_id \#(secret) is blocked"}"#])
        try await fake.script(["body": "<html>Bad request: api_id=\(secret)&to=79990000000</html>"])
        try await fake.script(["status": 500, "body": secret])
        for _ in 0..<3 {
            do { _ = try await adapter.send(Self.text("+79990000000", "Hi")) } catch { failures.append(error) }
        }
        try await fake.script(["body": #"{"status":"ERROR","status_code":299,"status_text":"\#(secret)"}"#])
        do { _ = try await adapter.status(of: ["1"]) } catch { failures.append(error) }
        #expect(failures.map(\.providerCode) == ["200", "299", "smsru answer", "http 500", "299"])
        #expect(failures[1].reason.contains("[api_id] is blocked"))
        for failure in failures {
            #expect(!failure.description.contains(secret) && !failure.reason.contains(secret) && !"\(failure)".contains(secret))
            #expect(!String(reflecting: failure).contains(secret))
        }
        // The key did go to SMS.ru, in the body.
        #expect(try await Self.requests(fake, atLeast: 5).map { $0.field("api_id") } == Array(repeating: secret, count: 5))
    }

    @Test func theConfigurationNeverPrintsTheAPIID() throws {
        let account = try SMSRuConfiguration(apiID: Self.key, from: "Apikassa", ttl: 30, test: true)
        var dumped = ""
        dump(account, to: &dumped)
        for text in ["\(account)", String(reflecting: account), dumped, "\(SMSRuAdapter(account))", String(reflecting: SMSRuAdapter(account))] {
            #expect(!text.contains(Self.key), "\(text)")
        }
        #expect("\(account)" == "SMS.ru account (api_id redacted, from 'Apikassa', at most 8 parts, ttl 30 min, test mode, https://sms.ru)")
    }

    @Test(arguments: [
        (["from": "ApikassaShop"], "1 to 11 characters"),
        (["from": ""], "1 to 11 characters"),
        (["from": "Апикасса"], "Latin letters"),
        (["from": "Shop&Co"], "Latin letters"),
        (["from": "   "], "only spaces"),
        (["maxParts": "9"], "from 1 to 8"),
        (["maxParts": "0"], "from 1 to 8"),
        (["ttl": "0"], "1 to 1440"),
        (["ttl": "1441"], "1 to 1440"),
        (["baseURL": "http://sms.ru"], "https://"),
        (["baseURL": "http://localhost.example.com"], "https://"),
        (["baseURL": "ftp://sms.ru"], "https://"),
        (["apiID": ""], "api_id"),
        (["apiID": "with space \(SMSRuTests.key)"], "api_id"),
    ])
    func aBadConfigurationIsRefusedClearly(_ change: [String: String], _ expected: String) {
        let error = #expect(throws: SMSRuConfigurationError.self) {
            try SMSRuConfiguration(apiID: change["apiID"] ?? Self.key, from: change["from"], maxParts: change["maxParts"].flatMap { Int($0) } ?? 8,
                                   ttl: change["ttl"].flatMap { Int($0) }, baseURL: change["baseURL"] ?? "https://sms.ru")
        }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(Self.key) == false)
    }

    @Test func goodConfigurationsAreKept() throws {
        let local = try SMSRuConfiguration(apiID: "k", from: "Sh (2)!?_-.", ttl: 1440, baseURL: "http://127.0.0.1:8080/")
        #expect(local.baseURL == "http://127.0.0.1:8080")
        #expect(local.from == "Sh (2)!?_-.")
        #expect(try SMSRuConfiguration(apiID: "k", from: "ABCDEFGHIJK", ttl: 1).maxParts == 8)
        #expect(try SMSRuConfiguration(apiID: "k", baseURL: "http://localhost:9000").baseURL == "http://localhost:9000")
    }
}

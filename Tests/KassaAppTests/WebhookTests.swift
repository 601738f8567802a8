import Foundation
import Testing
@testable import KassaApp

/// The specification's published test vector (from the reference Go library's tests).
enum WebhookVector {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp = 1_614_265_330
    static let body = Array(#"{"test": 2432232314}"#.utf8)
    static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    static let at = Date(timeIntervalSince1970: TimeInterval(timestamp))

    static var headers: [String: String] {
        ["webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature]
    }
}

@Suite struct WebhookSecretTests {
    @Test func aGeneratedSecretIs32RandomBytesAndReadsBack() throws {
        let secret = try WebhookSecret.generate()
        #expect(secret.key.count == 32)
        #expect(secret.revealedText.hasPrefix("whsec_"))
        #expect(secret.revealedText.count == 6 + 44)
        #expect(try WebhookSecret(parsing: secret.revealedText) == secret)
        #expect(try WebhookSecret.generate() != secret)
    }

    @Test func theSpecificationsSecretParses() throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        #expect(secret.key.count == 24)
        #expect(secret.revealedText == WebhookVector.secret)
    }

    @Test func noPrintoutShowsTheSecret() throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        var dumped = ""
        dump(secret, to: &dumped)
        let endpoint = WebhookEndpoint(url: "https://example.com", secrets: [secret])
        for text in ["\(secret)", String(describing: secret), String(reflecting: secret), dumped, "\(endpoint)", "\([secret])"] {
            #expect(!text.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "\(text)")
            #expect(!text.contains(String(describing: secret.key)), "\(text)")
        }
        #expect("\(secret)" == "whsec_…(hidden)")
    }

    @Test(arguments: [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with 'whsec_'"),
        ("whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with 'whsec_'"),
        ("whsec_", "not standard base64"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", "not standard base64"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ", "not standard base64"),
        ("whsec_" + Data(count: 16).base64EncodedString(), "24 to 64 bytes, not 16"),
        ("whsec_" + Data(count: 23).base64EncodedString(), "24 to 64 bytes, not 23"),
        ("whsec_" + Data(count: 65).base64EncodedString(), "24 to 64 bytes, not 65"),
    ])
    func aBadSecretIsRefusedSayingWhy(_ text: String, _ why: String) {
        let error = #expect(throws: WebhookSecretError.self) { try WebhookSecret(parsing: text) }
        #expect(error?.description.contains(why) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains("MfKQ9r8") == false)
    }

    @Test func theLengthsAtTheLimitsAreAccepted() throws {
        for count in [24, 64] {
            #expect(try WebhookSecret(parsing: "whsec_" + Data(repeating: 7, count: count).base64EncodedString()).key.count == count)
        }
    }
}

@Suite struct WebhookSignatureTests {
    @Test func signsThePublishedTestVector() throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        let headers = WebhookSignature.sign(id: WebhookVector.id, timestamp: WebhookVector.timestamp, body: WebhookVector.body, secrets: [secret])
        #expect(headers.signature == WebhookVector.signature)
        #expect(headers.fields.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.fields.map(\.value) == [WebhookVector.id, "1614265330", WebhookVector.signature])
    }

    @Test func verifiesThePublishedTestVector() throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        try WebhookSignature.verify(headers: WebhookVector.headers, body: WebhookVector.body, secrets: [secret], now: WebhookVector.at)
        // Header names are matched without regard to case, as HTTP says.
        let capitalised = Dictionary(uniqueKeysWithValues: WebhookVector.headers.map { ($0.key.capitalized, $0.value) })
        try WebhookSignature.verify(headers: capitalised, body: WebhookVector.body, secrets: [secret], now: WebhookVector.at)
    }

    @Test func aTamperedBodyIdOrTimestampFails() throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        var body = WebhookVector.body
        body[body.count - 2] = UInt8(ascii: "5")
        var otherID = WebhookVector.headers
        otherID["webhook-id"] = "msg_p5jXN8AQM9LWM0D4loKWxJeK"
        var otherTime = WebhookVector.headers
        otherTime["webhook-timestamp"] = "1614265331"
        let cases: [([String: String], [UInt8])] = [
            (WebhookVector.headers, body),
            (WebhookVector.headers, WebhookVector.body + [UInt8(ascii: " ")]),
            (otherID, WebhookVector.body),
            (otherTime, WebhookVector.body),
        ]
        for (headers, body) in cases {
            let error = #expect(throws: WebhookVerificationError.self) {
                try WebhookSignature.verify(headers: headers, body: body, secrets: [secret], now: WebhookVector.at)
            }
            #expect(error?.reason == .noMatchingSignature)
        }
    }

    @Test func aWrongSecretOrAnotherSchemeFails() throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        let other = try WebhookSecret.generate()
        #expect(throws: WebhookVerificationError(.noMatchingSignature, "No v1 signature in webhook-signature matches the secret.")) {
            try WebhookSignature.verify(headers: WebhookVector.headers, body: WebhookVector.body, secrets: [other], now: WebhookVector.at)
        }
        // The same signature under another version tag, or with no tag, is not a v1 signature.
        for signature in ["v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1,", "v1"] {
            var headers = WebhookVector.headers
            headers["webhook-signature"] = signature
            let error = #expect(throws: WebhookVerificationError.self) {
                try WebhookSignature.verify(headers: headers, body: WebhookVector.body, secrets: [secret], now: WebhookVector.at)
            }
            #expect(error?.reason == .noMatchingSignature)
        }
    }

    @Test func rotationSignsWithEverySecretAndEitherVerifies() throws {
        let current = try WebhookSecret.generate()
        let previous = try WebhookSecret(parsing: WebhookVector.secret)
        let headers = WebhookSignature.sign(id: WebhookVector.id, timestamp: WebhookVector.timestamp, body: WebhookVector.body,
                                            secrets: [current, previous])
        let signatures = headers.signature.split(separator: " ").map(String.init)
        #expect(signatures.count == 2)
        #expect(signatures.allSatisfy { $0.hasPrefix("v1,") })
        #expect(signatures[1] == WebhookVector.signature)
        let received = Dictionary(uniqueKeysWithValues: headers.fields.map { ($0.name, $0.value) })
        for secrets in [[current], [previous], [try WebhookSecret.generate(), previous]] {
            try WebhookSignature.verify(headers: received, body: WebhookVector.body, secrets: secrets, now: WebhookVector.at)
        }
        #expect(throws: WebhookVerificationError.self) {
            try WebhookSignature.verify(headers: received, body: WebhookVector.body, secrets: [try WebhookSecret.generate()], now: WebhookVector.at)
        }
    }

    @Test(arguments: [
        (-300, nil), (300, nil), (0, nil),
        (301, WebhookVerificationError.Reason.tooOld), (86_400, .tooOld),
        (-301, .tooNew), (-86_400, .tooNew),
    ] as [(Int, WebhookVerificationError.Reason?)])
    func theTimestampMustBeWithinFiveMinutes(_ offset: Int, _ expected: WebhookVerificationError.Reason?) throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        let now = WebhookVector.at.addingTimeInterval(TimeInterval(offset))
        if let expected {
            let error = #expect(throws: WebhookVerificationError.self) {
                try WebhookSignature.verify(headers: WebhookVector.headers, body: WebhookVector.body, secrets: [secret], now: now)
            }
            #expect(error?.reason == expected)
            #expect(error?.description.contains("\(abs(offset)) s") == true)
        } else {
            try WebhookSignature.verify(headers: WebhookVector.headers, body: WebhookVector.body, secrets: [secret], now: now)
        }
    }

    @Test func aWiderToleranceAcceptsAnOlderMessage() throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        try WebhookSignature.verify(headers: WebhookVector.headers, body: WebhookVector.body, secrets: [secret],
                                    now: WebhookVector.at.addingTimeInterval(3600), tolerance: .seconds(3600))
    }

    @Test func missingOrMalformedHeadersAreNamed() throws {
        let secret = try WebhookSecret(parsing: WebhookVector.secret)
        for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            for value in [nil, ""] as [String?] {
                var headers = WebhookVector.headers
                headers[name] = value
                let error = #expect(throws: WebhookVerificationError.self) {
                    try WebhookSignature.verify(headers: headers, body: WebhookVector.body, secrets: [secret], now: WebhookVector.at)
                }
                #expect(error?.reason == .missingHeader(name))
                #expect(error?.description == "The \(name) header is missing.")
            }
        }
        for timestamp in ["abc", "+1614265330", "1614265330.0", " 1614265330", "99999999999999999999"] {
            var headers = WebhookVector.headers
            headers["webhook-timestamp"] = timestamp
            let error = #expect(throws: WebhookVerificationError.self) {
                try WebhookSignature.verify(headers: headers, body: WebhookVector.body, secrets: [secret], now: WebhookVector.at)
            }
            #expect(error?.reason == .invalidTimestamp)
        }
    }
}

@Suite struct WebhookScheduleTests {
    @Test func theStandardScheduleIsTheIssues() {
        let schedule = WebhookSchedule.standard
        #expect(schedule.maxAttempts == 8)
        let delays = (1...7).map { schedule.delay(afterAttempt: $0, random: 0, retryAfter: nil) }
        #expect(delays == [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000), .seconds(36_000), .seconds(36_000)])
        // 27 h 35 min 5 s from the first attempt to the eighth.
        let total: Duration = delays.compactMap { $0 }.reduce(.zero, +)
        #expect(total == .seconds(99_305))
        #expect(schedule.delay(afterAttempt: 8, random: 0, retryAfter: nil) == nil)
        #expect(schedule.delay(afterAttempt: 9, random: 0.5, retryAfter: .seconds(1)) == nil)
    }

    @Test func jitterOnlyLengthensADelayByUpToATenth() {
        let schedule = WebhookSchedule.standard
        #expect(schedule.delay(afterAttempt: 2, random: 0.5, retryAfter: nil) == .seconds(315))
        #expect(schedule.delay(afterAttempt: 2, random: 0.999, retryAfter: nil)! < .seconds(330))
        // A random number outside 0..<1 is held to it.
        #expect(schedule.delay(afterAttempt: 2, random: 7, retryAfter: nil) == .seconds(330))
        #expect(schedule.delay(afterAttempt: 2, random: -1, retryAfter: nil) == .seconds(300))
        #expect(WebhookSchedule(delays: [.seconds(10)], jitter: 0).delay(afterAttempt: 1, random: 0.9, retryAfter: nil) == .seconds(10))
    }

    @Test func aLongerRetryAfterWinsUpToTheLongestDelay() {
        let schedule = WebhookSchedule.standard
        #expect(schedule.delay(afterAttempt: 1, random: 0, retryAfter: .seconds(120)) == .seconds(120))
        #expect(schedule.delay(afterAttempt: 1, random: 0, retryAfter: .seconds(2)) == .seconds(5))
        #expect(schedule.delay(afterAttempt: 3, random: 0, retryAfter: .seconds(1800)) == .seconds(1800))
        #expect(schedule.delay(afterAttempt: 1, random: 0, retryAfter: .seconds(10_000_000)) == .seconds(36_000))
        // After a 10 h delay with jitter, the cap is that delay, not less.
        #expect(schedule.delay(afterAttempt: 7, random: 0.5, retryAfter: .seconds(10_000_000)) == .seconds(37_800))
    }
}

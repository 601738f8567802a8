import Foundation
import Testing
import TestPeers
@testable import Channels

/// The providers' HTTP client against a loopback server: requests arrive as sent, answers of any
/// status come back whole, and each way a transfer fails is classified.
@Suite struct HTTPClientTests {
    @Test func aFormPostArrivesDecodedAndTheAnswerComesBackWhole() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        try await fake.script(["path": "/sms/send", "status": 200, "body": "{\"status\":\"OK\"}", "headers": ["X-Request-Id": "r1"]])
        let client = HTTPClient(timeout: .seconds(5))
        let response = try await client.send(.form(fake.baseURL + "/sms/send", [("msg", "Заказ №7 готов & оплачен = 100%"), ("to", "79990000000")],
                                                   headers: [("X-Kassa", "1")]))
        #expect(response.status == 200)
        #expect(response.text == "{\"status\":\"OK\"}")
        #expect(response.header("x-request-id") == "r1")
        let request = try #require(fake.requests.first)
        #expect(request.method == "POST" && request.path == "/sms/send")
        #expect(request.field("msg") == "Заказ №7 готов & оплачен = 100%")
        #expect(request.field("to") == "79990000000")
        #expect(request.headers["x-kassa"] == "1")
        #expect(request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(request.headers["expect"] == nil)
    }

    @Test func aGetAndAnErrorStatusWithRetryAfter() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        try await fake.script(["status": 503, "body": "busy", "headers": ["Retry-After": "7"]])
        let client = HTTPClient(timeout: .seconds(5))
        let response = try await client.send(HTTPRequest(.get, fake.baseURL + "/sms/status?id=1"))
        #expect(response.status == 503)
        #expect(response.retryAfter == .seconds(7))
        #expect(fake.requests.first?.method == "GET")
        #expect(fake.requests.first?.query == "id=1")
        // Nothing scripted: the base fake answers 404, which is an answer, not a transport failure.
        #expect(try await client.send(HTTPRequest(.get, fake.baseURL + "/other")).status == 404)
    }

    @Test func aSlowServerIsATimeoutThatMayBeRetried() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        try await fake.script(["delay": 2.0, "status": 200])
        let client = HTTPClient(timeout: .milliseconds(400))
        let failure = await #expect(throws: DeliveryFailure.self) { try await client.send(HTTPRequest(.get, fake.baseURL + "/")) }
        #expect(failure?.kind == .retryable(after: nil))
        #expect(failure?.providerCode == "curl 28")
    }

    @Test func aDroppedConnectionAndAMalformedAnswerAreRetryable() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        try await fake.script(["drop": true])
        try await fake.script(["raw": "HELLO\r\n\r\n"])
        let client = HTTPClient(timeout: .seconds(5))
        for _ in 0..<2 {
            let failure = await #expect(throws: DeliveryFailure.self) { try await client.send(HTTPRequest(.post, fake.baseURL + "/x", body: [1, 2])) }
            #expect(failure?.kind == .retryable(after: nil))
        }
        // The client is still good for the next request.
        #expect(try await client.send(HTTPRequest(.get, fake.baseURL + "/")).status == 404)
    }

    @Test func anAnswerLongerThanTheLimitFails() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        try await fake.script(["body": String(repeating: "x", count: 5000)])
        let client = HTTPClient(maxResponseBytes: 1000)
        let failure = await #expect(throws: DeliveryFailure.self) { try await client.send(HTTPRequest(.get, fake.baseURL + "/")) }
        #expect(failure?.reason.contains("longer than 1000 bytes") == true)
    }

    @Test func aHeaderWithALineBreakIsRefusedBeforeSending() async throws {
        let client = HTTPClient()
        let failure = await #expect(throws: DeliveryFailure.self) {
            try await client.send(HTTPRequest(.get, "http://127.0.0.1:9/", headers: [("X-A", "1\r\nX-Injected: 2")]))
        }
        #expect(failure?.isPermanent == true)
    }

    @Test func aRefusedConnectionIsRetryableAndABadURLIsNot() async throws {
        let client = HTTPClient(timeout: .seconds(2))
        let refused = await #expect(throws: DeliveryFailure.self) { try await client.send(HTTPRequest(.get, "http://127.0.0.1:9/")) }
        #expect(refused?.kind == .retryable(after: nil))
        let wrong = await #expect(throws: DeliveryFailure.self) { try await client.send(HTTPRequest(.get, "ftp://127.0.0.1/")) }
        #expect(wrong?.isPermanent == true)
    }

    @Test func aPinnedRequestGoesToThePinnedAddressWhateverDNSSays() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        let port = try #require(fake.baseURL.split(separator: ":").last)
        // `.invalid` never resolves, so only the pin can carry the request to the fake.
        var request = HTTPRequest(.get, "http://hooks.invalid:\(port)/pinned")
        request.pinnedAddresses = ["127.0.0.1"]
        #expect(try await HTTPClient(timeout: .seconds(5)).send(request).status == 404)
        #expect(fake.requests.first?.path == "/pinned")
        #expect(fake.requests.first?.headers["host"] == "hooks.invalid:\(port)")
    }

    @Test func aConnectionToAnAddressOutsideThePinIsRefusedBeforeTheRequest() async throws {
        let fake = try await FakeProvider("fake_http.py")
        defer { fake.stop() }
        let client = HTTPClient(timeout: .seconds(5))
        var request = HTTPRequest(.get, fake.baseURL + "/")
        request.pinnedAddresses = ["127.0.0.2", "::1"]
        let failure = await #expect(throws: DeliveryFailure.self) { try await client.send(request) }
        #expect(failure?.isPermanent == true)
        #expect(failure?.reason == "the connection went to 127.0.0.1, which is not one of the addresses the request is pinned to")
        // A connection kept alive from an unpinned request is not reused for a pinned one elsewhere.
        let port = try #require(fake.baseURL.split(separator: ":").last)
        var reused = HTTPRequest(.get, "http://localhost:\(port)/")
        #expect(try await client.send(reused).status == 404)
        reused.pinnedAddresses = ["127.0.0.2"]
        #expect(await #expect(throws: DeliveryFailure.self) { try await client.send(reused) }?.isPermanent == true)
        #expect(fake.requests.count == 1)
        request.pinnedAddresses = ["localhost"]
        #expect(await #expect(throws: DeliveryFailure.self) { try await client.send(request) }?.providerCode == "http pin")
    }

    @Test func tlsIsVerified() async throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let fake = try await FakeProvider("fake_http.py", tls: certificate)
        defer { fake.stop() }
        #expect(try await HTTPClient(caFile: certificate.cert).send(HTTPRequest(.get, fake.baseURL + "/")).status == 404)
        let failure = await #expect(throws: DeliveryFailure.self) { try await HTTPClient().send(HTTPRequest(.get, fake.baseURL + "/")) }
        #expect(failure?.isPermanent == true)
        #expect(failure?.reason.contains("certificate") == true)
    }
}

@Suite struct FormEncodingTests {
    @Test(arguments: [
        [("msg", "Заказ №7 готов"), ("to", "79990000000,79990000001")],
        [("a", "1+1=2 & 50%"), ("a", "")],
        [("data[0]", "sms_status\n000000-10000000\n103\n1700000000")],
    ])
    func encodesAndDecodesBack(_ fields: [(String, String)]) {
        let decoded = FormEncoding.decode(FormEncoding.encode(fields))
        #expect(decoded.map(\.name) == fields.map(\.0))
        #expect(decoded.map(\.value) == fields.map(\.1))
    }

    @Test func writesAsTheStandardSays() {
        #expect(FormEncoding.encode([("a b", "ж~")]) == "a+b=%D0%B6%7E")
        #expect(FormEncoding.decode("x=%zz&y&z=%41+")[0].value == "%zz")
        #expect(FormEncoding.decode("x=%zz&y&z=%41+").map(\.name) == ["x", "y", "z"])
        #expect(FormEncoding.decode("x=%zz&y&z=%41+")[2].value == "A ")
    }
}

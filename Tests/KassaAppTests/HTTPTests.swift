import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

@Suite struct RouterTests {
    @Test func theBearerTokenIsReadWhateverTheSchemeCase() {
        func token(_ header: String) -> String? { HTTPRequest(method: "GET", uri: "/", headers: [("Authorization", header)]).bearerToken }
        #expect(token("Bearer ak_live_x") == "ak_live_x")
        #expect(token("bearer  ak_live_x ") == "ak_live_x")
        #expect(token("BEARER ak_live_x") == "ak_live_x")
        #expect(token("Basic YWxhZGRpbjpvcGVu") == nil)
        #expect(token("Bearer") == nil)
        #expect(token("Bearer\u{0}ak_live_x") == nil)
    }

    private func fixture() throws -> (Router, SQLiteStore, URL, String) {
        let dir = try temporaryDirectory()
        let store = try SQLiteStore(dataDirectory: dir)
        let (_, live, _) = try store.createPartner(name: "P")
        return (KassaAPI.router(store: store, base: try BaseTemplateTests.library()), store, dir, live.secret)
    }

    private func request(_ method: String, _ uri: String, token: String? = nil) -> HTTPRequest {
        HTTPRequest(method: method, uri: uri, headers: token.map { [("Authorization", "Bearer " + $0)] } ?? [])
    }

    private func json(_ response: HTTPResponse) throws -> ValueObject {
        guard case .object(let o) = try Value(jsonBytes: response.body) else { throw APIError.notFound }
        return o
    }

    @Test func healthNeedsNoToken() async throws {
        let (router, _, dir, _) = try fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let response = await router.respond(to: request("GET", "/healthz"))
        #expect(response.status == 200)
        #expect(try json(response)["status"] == "ok")
    }

    @Test func missingAndWrongTokensAre401ProblemDocuments() async throws {
        let (router, store, dir, token) = try fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        for candidate in [nil, "ak_live_wrong", token + "x"] {
            let response = await router.respond(to: request("GET", "/v1/me", token: candidate))
            #expect(response.status == 401)
            #expect(response.headers.contains { $0 == ("Content-Type", "application/problem+json") })
            #expect(try json(response)["code"] == "unauthorized")
        }
        let ok = await router.respond(to: request("GET", "/v1/me", token: token))
        #expect(ok.status == 200)
        #expect(try json(ok)["kind"] == "partner_live")
        let tokenID = try #require(try store.tokens(ownerID: try store.partners()[0].id).first { $0.kind == .partnerLive }?.id)
        _ = try store.revokeToken(id: tokenID)
        #expect(await router.respond(to: request("GET", "/v1/me", token: token)).status == 401)
    }

    @Test func unknownPathsAndMethods() async throws {
        let (router, _, dir, token) = try fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(await router.respond(to: request("GET", "/v1/nothing", token: token)).status == 404)
        let post = await router.respond(to: request("POST", "/healthz"))
        #expect(post.status == 405)
        #expect(post.headers.contains { $0 == ("Allow", "GET") })
    }

    @Test func queryAndPathParameters() async {
        var router = Router()
        router.add("GET", "/v1/things/:id") { request, parameters in
            .json(["id": .string(parameters["id"] ?? ""), "q": .string(request.query["q"] ?? "")])
        }
        let response = await router.respond(to: HTTPRequest(method: "GET", uri: "/v1/things/a%20b?q=%D0%B4%D0%B0+x", headers: []))
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"id":"a b","q":"да x"}"#)
    }
}

@Suite struct HTTPServerTests {
    @Test func servesOverARealSocketAndBoundsBodies() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(dataDirectory: dir)
        let (_, live, _) = try store.createPartner(name: "P")
        let lines = LogLines()
        let server = HTTPServer(router: KassaAPI.router(store: store, base: try BaseTemplateTests.library()), maxBodyBytes: 64, threads: 1, log: { lines.add($0) })
        let address = try await server.start(host: "127.0.0.1", port: 0)
        let base = "http://127.0.0.1:\(address.port)"

        let me = try await LoopbackHTTP.call("GET", base + "/v1/me", headers: [("Authorization", "Bearer " + live.secret)])
        #expect(me.status == 200)
        #expect(String(decoding: me.body, as: UTF8.self).contains("partner_live"))

        let tooLarge = try await LoopbackHTTP.call("POST", base + "/healthz", body: [UInt8](repeating: 0x41, count: 1000))
        #expect(tooLarge.status == 413)

        await server.shutdown()
        #expect(lines.all.contains { $0.contains(#""path":"/v1/me""#) && $0.contains(#""status":200"#) })
        #expect(!lines.all.contains { $0.contains(live.secret) })
    }
}

/// Log lines collected from the server, for tests.
final class LogLines: @unchecked Sendable {
    // Safe: guarded by `lock`.
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

@Suite struct OpenAPIAndMetricsTests {
    @Test func everyRouteIsInTheOpenAPIDocument() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let router = KassaAPI.router(store: try SQLiteStore(dataDirectory: dir), base: try BaseTemplateTests.library())
        guard case .object(let document) = try Value(json: OpenAPIDocument.json), case .object(let paths)? = document["paths"] else {
            Issue.record("the OpenAPI document is not an object with paths")
            return
        }
        #expect(document["openapi"] == "3.1.0")
        for route in router.routes {
            let path = "/" + route.segments.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            guard case .object(let operations)? = paths[path] else {
                Issue.record("route \(route.method) \(path) is missing from the OpenAPI document")
                continue
            }
            #expect(operations[route.method.lowercased()] != nil, "\(route.method) \(path)")
            // Every POST takes an Idempotency-Key, and says so.
            if route.method == "POST", case .object(let operation)? = operations["post"] {
                #expect(operation["parameters"]?.jsonString.contains("#/components/parameters/IdempotencyKey") == true, "POST \(path)")
            }
        }
        #expect(paths.count == Set(router.routes.map { $0.segments.joined(separator: "/") }).count)
    }

    @Test func metricsCountRequestsByRoutePattern() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(dataDirectory: dir)
        let (_, live, _) = try store.createPartner(name: "P")
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library())
        let auth = [("Authorization", "Bearer " + live.secret)]
        let created = await router.respond(to: HTTPRequest(method: "POST", uri: "/v1/templates", headers: auth, body: Array(
            #"{"event": "order.paid", "channel": "sms", "name": "S", "content": {"body": "{{ order.number }}"}}"#.utf8)))
        guard case .object(let record) = try Value(jsonBytes: created.body), let id = record["id"]?.stringValue else {
            Issue.record("no template")
            return
        }
        _ = await router.respond(to: HTTPRequest(method: "POST", uri: "/v1/templates/\(id)/preview", headers: auth))
        _ = await router.respond(to: HTTPRequest(method: "POST", uri: "/v1/templates/\(id)/preview", headers: auth,
                                                 body: Array(#"{"data": {"order": {"number": "X"}}}"#.utf8)))
        _ = await router.respond(to: HTTPRequest(method: "GET", uri: "/healthz", headers: []))
        _ = await router.respond(to: HTTPRequest(method: "GET", uri: "/v1/me", headers: []))
        _ = await router.respond(to: HTTPRequest(method: "GET", uri: "/v1/me", headers: []))
        let text = String(decoding: await router.respond(to: HTTPRequest(method: "GET", uri: "/metrics", headers: [])).body, as: UTF8.self)
        #expect(text.contains(#"kassa_http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
        #expect(text.contains(#"kassa_http_requests_total{method="GET",route="/v1/me",status="401"} 2"#))
        #expect(text.contains("kassa_http_request_duration_seconds_count 6"))
        #expect(text.contains(#"kassa_template_renders_total{channel="sms",outcome="ok"} 2"#))
    }
}

@Suite struct IdempotencyTests {
    final class Counter: @unchecked Sendable {
        // Safe: guarded by `lock`.
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
        var count: Int { lock.withLock { value } }
    }

    private func fixture(_ clock: ManualWallClock) throws -> (Router, String, Counter, URL) {
        let dir = try temporaryDirectory()
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        let (_, live, _) = try store.createPartner(name: "P")
        let counter = Counter()
        var router = Router()
        router.add("POST", "/v1/things") { request, _ in
            .json(["n": .int(counter.next()), "body": .string(String(decoding: request.body, as: UTF8.self))], status: 201)
        }
        router.wrap(method: "POST", in: Idempotency(store: store).wrap)
        return (router, live.secret, counter, dir)
    }

    private func post(_ body: String, key: String?, token: String) -> HTTPRequest {
        var headers = [("Authorization", "Bearer " + token)]
        if let key { headers.append(("Idempotency-Key", key)) }
        return HTTPRequest(method: "POST", uri: "/v1/things", headers: headers, body: Array(body.utf8))
    }

    @Test func sameKeyReplaysTheFirstAnswer() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let (router, token, counter, dir) = try fixture(clock)
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = await router.respond(to: post("a", key: "k1", token: token))
        let again = await router.respond(to: post("a", key: "k1", token: token))
        #expect(first.status == 201)
        #expect(again.status == 201)
        #expect(again.body == first.body)
        #expect(again.headers.contains { $0 == ("Idempotent-Replayed", "true") })
        #expect(counter.count == 1)
        _ = await router.respond(to: post("a", key: nil, token: token))
        #expect(counter.count == 2)
    }

    @Test func sameKeyWithAnotherBodyIs422() async throws {
        let (router, token, counter, dir) = try fixture(ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000)))
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = await router.respond(to: post("a", key: "k1", token: token))
        let other = await router.respond(to: post("b", key: "k1", token: token))
        #expect(other.status == 422)
        #expect(counter.count == 1)
    }

    @Test func keysExpireAfter24Hours() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let (router, token, counter, dir) = try fixture(clock)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = await router.respond(to: post("a", key: "k1", token: token))
        clock.advance(by: 24 * 3600 + 1)
        _ = await router.respond(to: post("b", key: "k1", token: token))
        #expect(counter.count == 2)
    }

    @Test func aRequestStillRunningIs409() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(dataDirectory: dir)
        let day: TimeInterval = 24 * 3600
        #expect(try await store.claimIdempotencyKey(IdempotentRequest(owner: "prt_1", key: "k", requestHash: [1], retention: day)) == .proceed)
        #expect(try await store.claimIdempotencyKey(IdempotentRequest(owner: "prt_1", key: "k", requestHash: [1], retention: day)) == .inFlight)
        #expect(try await store.claimIdempotencyKey(IdempotentRequest(owner: "prt_2", key: "k", requestHash: [1], retention: day)) == .proceed)
    }

    @Test func anAnswerStoredUnderAKeyIsKeptUntilItExpires() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        let day: TimeInterval = 24 * 3600
        func answer(_ hash: [UInt8], _ body: String, key: String = "k") async throws -> IdempotencyClaim {
            try await store.storeIdempotentAnswer(IdempotentRequest(owner: "prt_1", key: key, requestHash: hash, retention: day),
                                                  status: 202, contentType: "application/json", body: Array(body.utf8))
        }
        #expect(try await answer([1], "first") == .proceed)
        #expect(try await answer([1], "second") == .replay(status: 202, contentType: "application/json", body: Array("first".utf8)))
        #expect(try await answer([2], "other") == .mismatch)
        _ = try await store.claimIdempotencyKey(IdempotentRequest(owner: "prt_1", key: "running", requestHash: [1], retention: day))
        #expect(try await answer([1], "late", key: "running") == .inFlight)
        clock.advance(by: day)
        #expect(try await answer([2], "after a day") == .proceed)
        #expect(try await answer([2], "again") == .replay(status: 202, contentType: "application/json", body: Array("after a day".utf8)))
    }

    /// Keys past their day are deleted, oldest first, a batch at a time; a key still within its day
    /// stays and still replays, and so does one used again after it had expired (its row keeps its
    /// place among the oldest, with its new time).
    @Test func expiredKeysArePrunedAndLiveOnesKept() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        let day = Idempotency.retention
        func answer(_ key: String, _ body: String) async throws -> IdempotencyClaim {
            try await store.storeIdempotentAnswer(IdempotentRequest(owner: "prt_1", key: key, requestHash: [1], retention: day),
                                                  status: 202, contentType: "application/json", body: Array(body.utf8))
        }
        for n in 0..<5 { #expect(try await answer("old-\(n)", "old") == .proceed) }
        #expect(try await answer("reused", "first") == .proceed)
        clock.advance(by: day / 2)
        #expect(try await answer("recent", "recent") == .proceed)
        clock.advance(by: day / 2 + 1)
        // "reused" expired, and is used again: a new answer in its old row.
        #expect(try await answer("reused", "second") == .proceed)
        func keys() throws -> [String] {
            try store.database.query("SELECT key FROM idempotency_keys ORDER BY rowid").compactMap { $0["key"].text }
        }
        #expect(try await store.pruneIdempotencyKeys(before: clock.now().addingTimeInterval(-day), limit: 3) == 3)
        #expect(try keys() == ["old-3", "old-4", "reused", "recent"])
        #expect(try await Idempotency.prune(store, now: clock.now(), batch: 1) == 2)
        #expect(try keys() == ["reused", "recent"])
        #expect(try await answer("recent", "other") == .replay(status: 202, contentType: "application/json", body: Array("recent".utf8)))
        #expect(try await answer("reused", "third") == .replay(status: 202, contentType: "application/json", body: Array("second".utf8)))
        clock.advance(by: day + 1)
        #expect(try await Idempotency.prune(store, now: clock.now()) == 2)
        #expect(try keys().isEmpty)
    }

    @Test func keysAreBoundedAndNeedAToken() async throws {
        let (router, token, _, dir) = try fixture(ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000)))
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(await router.respond(to: post("a", key: String(repeating: "k", count: 256), token: token)).status == 400)
        #expect(await router.respond(to: post("a", key: "k", token: "ak_live_nope")).status == 401)
    }
}

@Suite struct TemplateRoutesTests {
    private struct Fixture {
        let router: Router
        let store: SQLiteStore
        let dir: URL
        let partnerA: String
        let partnerB: String
        let moderator: String
    }

    private func fixture() throws -> Fixture {
        let dir = try temporaryDirectory()
        let store = try SQLiteStore(dataDirectory: dir)
        let (_, a, _) = try store.createPartner(name: "A")
        let (_, b, _) = try store.createPartner(name: "B")
        let (_, m) = try store.createModerator(login: "anna")
        return Fixture(router: KassaAPI.router(store: store, base: try BaseTemplateTests.library()), store: store, dir: dir, partnerA: a.secret, partnerB: b.secret, moderator: m.secret)
    }

    private func call(_ router: Router, _ method: String, _ uri: String, token: String, body: String = "") async -> (Int, ValueObject) {
        let response = await router.respond(to: HTTPRequest(method: method, uri: uri, headers: [("Authorization", "Bearer " + token)],
                                                            body: Array(body.utf8)))
        guard case .object(let o)? = try? Value(jsonBytes: response.body) else { return (response.status, ValueObject()) }
        return (response.status, o)
    }

    @Test func createListAndReadAreScopedToThePartner() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let body = #"{"event": "order.paid", "channel": "sms", "name": "Короткое", "content": {"body": "Заказ {{ order.numbr }} оплачен"}}"#
        let (status, created) = await call(f.router, "POST", "/v1/templates", token: f.partnerA, body: body)
        #expect(status == 201)
        let id = try #require(created["id"]?.stringValue)
        guard case .array(let diagnostics)? = created["diagnostics"], case .object(let first)? = diagnostics.first else {
            Issue.record("no diagnostics")
            return
        }
        #expect(first["code"] == "unknown-property")
        #expect(first["message"] == "'order' has no property 'numbr' (did you mean 'number'?)")
        #expect(first["line"] == 1)
        #expect(first["column"] == 16)
        let (listStatus, list) = await call(f.router, "GET", "/v1/templates", token: f.partnerA)
        #expect(listStatus == 200)
        if case .array(let templates)? = list["templates"] { #expect(templates.count == 1) } else { Issue.record("no list") }
        #expect(await call(f.router, "GET", "/v1/templates/\(id)", token: f.partnerA).0 == 200)
        // Another partner sees nothing of it.
        #expect(await call(f.router, "GET", "/v1/templates/\(id)", token: f.partnerB).0 == 404)
        let (_, otherList) = await call(f.router, "GET", "/v1/templates", token: f.partnerB)
        #expect(otherList["templates"] == [])
        // A moderator token is not a partner's.
        #expect(await call(f.router, "GET", "/v1/templates", token: f.moderator).0 == 403)
    }

    @Test func previewComposesWithSampleOrGivenData() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let body = #"{"event": "order.paid", "channel": "sms", "name": "S", "content": {"body": "Заказ {{ order.number }}: {{ paid.amount | money }}"}}"#
        let (_, created) = await call(f.router, "POST", "/v1/templates", token: f.partnerA, body: body)
        let id = try #require(created["id"]?.stringValue)
        let (status, preview) = await call(f.router, "POST", "/v1/templates/\(id)/preview", token: f.partnerA)
        #expect(status == 200)
        #expect(preview["text"] == "Заказ KO-2026-001542: 450,00\u{A0}₽\nАПИЕГРН/АПИКАССА")
        #expect(preview["sms"] == ["encoding": "UCS-2", "units": 47, "parts": 1])
        #expect(preview["diagnostics"] == [])
        let given = #"{"data": {"order": {"number": "X-1"}, "paid": {"amount": 100}}}"#
        let (_, custom) = await call(f.router, "POST", "/v1/templates/\(id)/preview", token: f.partnerA, body: given)
        #expect(custom["text"] == "Заказ X-1: 1,00\u{A0}₽\nАПИЕГРН/АПИКАССА")
        #expect(await call(f.router, "POST", "/v1/templates/\(id)/preview", token: f.partnerB).0 == 404)
    }

    @Test func editAndSubmitFollowTheModerationLifecycle() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let broken = #"{"event": "order.paid", "channel": "vk", "name": "V", "content": {"body": "{{ order.numbr }}"}}"#
        let (_, created) = await call(f.router, "POST", "/v1/templates", token: f.partnerA, body: broken)
        let id = try #require(created["id"]?.stringValue)
        let (refused, problem) = await call(f.router, "POST", "/v1/templates/\(id)/submit", token: f.partnerA)
        #expect(refused == 409)
        #expect(problem["code"] == "template_has_errors")
        let (edited, afterEdit) = await call(f.router, "PUT", "/v1/templates/\(id)/draft", token: f.partnerA,
                                             body: #"{"content": {"body": "Заказ {{ order.number }}"}}"#)
        #expect(edited == 200)
        #expect(afterEdit["diagnostics"] == [])
        let (submitted, afterSubmit) = await call(f.router, "POST", "/v1/templates/\(id)/submit", token: f.partnerA)
        #expect(submitted == 200)
        guard case .array(let versions)? = afterSubmit["versions"], case .object(let v1)? = versions.first else {
            Issue.record("no versions")
            return
        }
        #expect(versions.count == 1)
        #expect(v1["state"] == "submitted")
        #expect(await call(f.router, "POST", "/v1/templates/\(id)/submit", token: f.partnerA).0 == 409)
        // Editing a submitted template opens a new draft; the submission stays as it was.
        let (_, reopened) = await call(f.router, "PUT", "/v1/templates/\(id)/draft", token: f.partnerA,
                                       body: #"{"content": {"body": "Заказ {{ order.number }}!"}}"#)
        if case .array(let again)? = reopened["versions"] {
            #expect(again.count == 2)
        }
        #expect(try f.store.audit(templateID: id).count == 4)
        #expect(await call(f.router, "PUT", "/v1/templates/\(id)/draft", token: f.partnerB, body: #"{"content": {"body": "x"}}"#).0 == 404)
    }

    @Test func moderatorsSeeTheQueueAndDecide() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let body = #"{"event": "order.ready", "channel": "sms", "name": "R", "content": {"body": "Готово: {{ ready.download_url }}"}}"#
        let (_, created) = await call(f.router, "POST", "/v1/templates", token: f.partnerA, body: body)
        let id = try #require(created["id"]?.stringValue)
        #expect(await call(f.router, "POST", "/v1/templates/\(id)/submit", token: f.partnerA).0 == 200)
        #expect(await call(f.router, "GET", "/v1/moderation/queue", token: f.partnerA).0 == 403)
        let (status, queue) = await call(f.router, "GET", "/v1/moderation/queue", token: f.moderator)
        #expect(status == 200)
        guard case .array(let items)? = queue["queue"], case .object(let item)? = items.first,
              case .object(let preview)? = item["preview"] else {
            Issue.record("no queue item")
            return
        }
        #expect(item["version"] == 1)
        #expect(preview["sms"] != nil)
        let (rejected, afterReject) = await call(f.router, "POST", "/v1/moderation/templates/\(id)/versions/1/reject", token: f.moderator,
                                                 body: #"{"code": "link", "reason": "Ссылка должна вести на сайт партнёра"}"#)
        #expect(rejected == 200)
        if case .array(let versions)? = afterReject["versions"], case .object(let v1)? = versions.first {
            #expect(v1["state"] == "rejected")
        }
        #expect(await call(f.router, "POST", "/v1/moderation/templates/\(id)/versions/1/approve", token: f.moderator).0 == 409)
        _ = await call(f.router, "PUT", "/v1/templates/\(id)/draft", token: f.partnerA, body: #"{"content": {"body": "Готово: {{ ready.download_url }}!"}}"#)
        _ = await call(f.router, "POST", "/v1/templates/\(id)/submit", token: f.partnerA)
        let (approved, afterApprove) = await call(f.router, "POST", "/v1/moderation/templates/\(id)/versions/2/approve", token: f.moderator)
        #expect(approved == 200)
        if case .array(let versions)? = afterApprove["versions"], case .object(let v2)? = versions.last {
            #expect(v2["state"] == "approved")
        }
        let rows = try f.store.database.query("SELECT reject_code FROM template_versions WHERE template_id = ? AND number = 1", [.text(id)])
        #expect(rows.first?["reject_code"].text == "link")
        #expect(try f.store.audit(templateID: id).contains { $0.message.hasSuffix("version 2 approved by " + (try! f.store.authenticate(token: f.moderator)!.ownerID)) })
        let (_, empty) = await call(f.router, "GET", "/v1/moderation/queue", token: f.moderator)
        #expect(empty["queue"] == [])
    }

    /// Creates, submits and approves a template of partner A; returns its id.
    private func approvedTemplate(_ f: Fixture, event: String = "order.paid", channel: String = "sms", name: String,
                                  body: String = "Заказ {{ order.number }} оплачен") async throws -> String {
        let request = #"{"event": "\#(event)", "channel": "\#(channel)", "name": "\#(name)", "content": {"body": "\#(body)"}}"#
        let (_, created) = await call(f.router, "POST", "/v1/templates", token: f.partnerA, body: request)
        let id = try #require(created["id"]?.stringValue)
        #expect(await call(f.router, "POST", "/v1/templates/\(id)/submit", token: f.partnerA).0 == 200)
        #expect(await call(f.router, "POST", "/v1/moderation/templates/\(id)/versions/1/approve", token: f.moderator).0 == 200)
        return id
    }

    private func serving(_ f: Fixture, event: String, channel: String, template: String? = nil) async -> ValueObject? {
        let query = template.map { "?template=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let (_, o) = await call(f.router, "GET", "/v1/serving" + query, token: f.partnerA)
        guard case .array(let list)? = o["serving"] else { return nil }
        for case .object(let item) in list where item["event"] == .string(event) && item["channel"] == .string(channel) {
            return item
        }
        return nil
    }

    @Test func theNamedTemplateThenTheDefaultThenTheBaseServes() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        // Nothing of the partner's yet: the base template serves every event and channel.
        let (_, all) = await call(f.router, "GET", "/v1/serving", token: f.partnerA)
        if case .array(let list)? = all["serving"] { #expect(list.count == EventCatalog.all.count * 4) }
        #expect(await serving(f, event: "order.paid", channel: "sms")?["source"] == "base")

        let short = try await approvedTemplate(f, name: "Короткое")
        let long = try await approvedTemplate(f, name: "Длинное", body: "Заказ {{ order.number }} оплачен, спасибо!")
        // Approved but not the default: still the base, unless the order names it.
        #expect(await serving(f, event: "order.paid", channel: "sms")?["source"] == "base")
        let named = await serving(f, event: "order.paid", channel: "sms", template: "Длинное")
        #expect(named?["template_id"] == .string(long))
        #expect(named?["version"] == 1)

        let (status, made) = await call(f.router, "PUT", "/v1/templates/\(short)/default", token: f.partnerA)
        #expect(status == 200)
        #expect(made["default"] == true)
        #expect(await serving(f, event: "order.paid", channel: "sms")?["template_id"] == .string(short))
        // One default per event and channel: making another the default takes it from the first.
        _ = await call(f.router, "PUT", "/v1/templates/\(long)/default", token: f.partnerA)
        #expect(await call(f.router, "GET", "/v1/templates/\(short)", token: f.partnerA).1["default"] == false)
        #expect(await serving(f, event: "order.paid", channel: "sms")?["template_id"] == .string(long))

        // A named template without an approved version falls back, saying why.
        let (_, draft) = await call(f.router, "POST", "/v1/templates", token: f.partnerA,
                                    body: #"{"event": "order.paid", "channel": "sms", "name": "Черновик", "content": {"body": "Ура"}}"#)
        let fallback = await serving(f, event: "order.paid", channel: "sms", template: "Черновик")
        #expect(fallback?["template_id"] == .string(long))
        #expect(fallback?["notes"] == ["the requested template 'Черновик' has no approved version"])
        #expect(draft["serving_version"] == .nil)

        // Edits make a new draft; the approved version keeps serving until the new one is approved.
        _ = await call(f.router, "PUT", "/v1/templates/\(long)/draft", token: f.partnerA, body: #"{"content": {"body": "Новый текст {{ order.number }}"}}"#)
        #expect(await serving(f, event: "order.paid", channel: "sms")?["version"] == 1)
        _ = await call(f.router, "DELETE", "/v1/templates/\(long)/default", token: f.partnerA)
        #expect(await serving(f, event: "order.paid", channel: "sms")?["source"] == "base")
        // Names are unique per event and channel.
        let (taken, problem) = await call(f.router, "POST", "/v1/templates", token: f.partnerA,
                                          body: #"{"event": "order.paid", "channel": "sms", "name": "Короткое", "content": {"body": "x"}}"#)
        #expect(taken == 409)
        #expect(problem["code"] == "name_taken")
        let (_, audit) = await call(f.router, "GET", "/v1/templates/\(short)/audit", token: f.partnerA)
        guard case .array(let entries)? = audit["audit"] else { Issue.record("no audit"); return }
        #expect(entries.compactMap { if case .object(let e) = $0 { e["message"]?.stringValue } else { nil } }.map { $0.components(separatedBy: " by ")[0] }
                == ["template created with draft 1", "version 1 submitted", "version 1 approved", "made the default for order.paid", "no longer the default"])
    }

    @Test func moderatorsGetADiffAgainstTheApprovedVersion() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let id = try await approvedTemplate(f, name: "S", body: "Заказ {{ order.number }}\\nоплачен")
        _ = await call(f.router, "PUT", "/v1/templates/\(id)/draft", token: f.partnerA, body: #"{"content": {"body": "Заказ {{ order.number }}\nоплачен, спасибо"}}"#)
        _ = await call(f.router, "POST", "/v1/templates/\(id)/submit", token: f.partnerA)
        let (_, queue) = await call(f.router, "GET", "/v1/moderation/queue", token: f.moderator)
        guard case .array(let items)? = queue["queue"], case .object(let item)? = items.first else { Issue.record("empty queue"); return }
        #expect(item["approved_version"] == 1)
        #expect(item["diff"] == ["body": .string("""
            --- body (version 1, approved)
            +++ body (version 2, submitted)
            @@ -1,2 +1,2 @@
             Заказ {{ order.number }}
            -оплачен
            +оплачен, спасибо

            """)])
        let (status, detail) = await call(f.router, "GET", "/v1/moderation/templates/\(id)", token: f.moderator)
        #expect(status == 200)
        if case .array(let audit)? = detail["audit"] { #expect(audit.count == 5) } else { Issue.record("no audit") }
    }

    @Test func aViberTemplateServesOnlyOnceRegistered() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let id = try await approvedTemplate(f, channel: "viber", name: "V")
        _ = await call(f.router, "PUT", "/v1/templates/\(id)/default", token: f.partnerA)
        let before = await serving(f, event: "order.paid", channel: "viber")
        #expect(before?["source"] == "base")
        #expect(before?["notes"] == ["the default template 'V' is not registered with Viber yet"])
        #expect(await call(f.router, "POST", "/v1/moderation/templates/\(id)/registration", token: f.partnerA, body: #"{"registered": true}"#).0 == 403)
        #expect(await call(f.router, "POST", "/v1/moderation/templates/\(id)/registration", token: f.moderator, body: #"{"registered": "yes"}"#).0 == 422)
        let (missingID, _) = await call(f.router, "POST", "/v1/moderation/templates/\(id)/registration", token: f.moderator, body: #"{"registered": true}"#)
        #expect(missingID == 422)
        let (status, record) = await call(f.router, "POST", "/v1/moderation/templates/\(id)/registration", token: f.moderator,
                                          body: #"{"registered": true, "provider_template_id": "edna-4411"}"#)
        #expect(status == 200)
        #expect(record["registration"] == "registered")
        #expect(record["provider_template_id"] == "edna-4411")
        #expect(record["serving_version"] == 1)
        #expect(await serving(f, event: "order.paid", channel: "viber")?["template_id"] == .string(id))
        let sms = try await approvedTemplate(f, name: "S")
        let (notViber, problem) = await call(f.router, "POST", "/v1/moderation/templates/\(sms)/registration", token: f.moderator,
                                             body: #"{"registered": true, "provider_template_id": "x"}"#)
        #expect(notViber == 409)
        #expect(problem["code"] == "not_viber")
    }

    @Test func anotherPartnerGets404OnEveryTemplateEndpoint() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let id = try await approvedTemplate(f, name: "A")
        var checked = 0
        for route in f.router.routes where route.segments.contains(":id") {
            let path = "/" + route.segments.map { $0 == ":id" ? id : $0 == ":number" ? "1" : String($0) }.joined(separator: "/")
            let body = route.method == "GET" || route.method == "DELETE" ? "" : #"{"content": {"body": "x"}, "code": "c", "reason": "r", "registered": true}"#
            let (status, problem) = await call(f.router, route.method, path, token: f.partnerB, body: body)
            // Partner routes hide another partner's template; moderation routes refuse partners outright.
            let expected = route.segments.contains("moderation") ? 403 : 404
            #expect(status == expected, "\(route.method) \(path)")
            #expect(problem["code"] == .string(expected == 404 ? "not_found" : "forbidden"), "\(route.method) \(path)")
            checked += 1
        }
        #expect(checked >= 10)
        // Lists and the serving view never show A's templates to B.
        for path in ["/v1/templates", "/v1/serving", "/v1/serving?template=A"] {
            let response = await f.router.respond(to: HTTPRequest(method: "GET", uri: path, headers: [("Authorization", "Bearer " + f.partnerB)]))
            #expect(response.status == 200)
            #expect(!String(decoding: response.body, as: UTF8.self).contains(id), "\(path)")
        }
        // Nothing B did changed A's template.
        let (_, record) = await call(f.router, "GET", "/v1/templates/\(id)", token: f.partnerA)
        if case .array(let versions)? = record["versions"] { #expect(versions.count == 1) }
        #expect(record["default"] == false)
    }

    @Test func badInputIsAClearProblem() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let (s1, p1) = await call(f.router, "POST", "/v1/templates", token: f.partnerA, body: "{\n  \"event\": }")
        #expect(s1 == 400)
        #expect(p1["detail"] == "2:12: unexpected character '}'")
        let (s2, p2) = await call(f.router, "POST", "/v1/templates", token: f.partnerA,
                                  body: #"{"event": "order.payed", "channel": "sms", "name": "x", "content": {"body": "x"}}"#)
        #expect(s2 == 422)
        #expect(p2["code"] == "unknown_event")
        let (s3, p3) = await call(f.router, "POST", "/v1/templates", token: f.partnerA,
                                  body: #"{"event": "order.paid", "channel": "email", "name": "x", "content": {"html": "<p>x</p>"}}"#)
        #expect(s3 == 422)
        #expect(p3["title"] == "content.subject is required for the e-mail channel")
        let (s4, _) = await call(f.router, "POST", "/v1/templates", token: f.partnerA,
                                 body: #"{"event": "order.paid", "channel": "fax", "name": "x", "content": {"body": "x"}}"#)
        #expect(s4 == 422)
        #expect(try f.store.templates(partnerID: try f.store.partners()[0].id).isEmpty)
    }
}

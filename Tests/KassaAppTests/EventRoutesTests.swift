import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

@Suite struct EventRoutesTests {
    private struct Fixture {
        let router: Router
        let store: SQLiteStore
        let clock: ManualWallClock
        let dir: URL
        let partnerA: String
        let liveA: String
        let sandboxA: String
        let partnerB: String
        let sandboxB: String
        let moderator: String
        let operatorToken: String
        /// Counts the router's calls to wake the dispatcher.
        let wakes: IdempotencyTests.Counter
    }

    private static let paid = EventCatalog.named("order.paid")!
    private static let order = "KO-2026-001542"
    private static let contacts: Value = ["email": "anna.ivanova@example.ru", "phone": "+7 999 123 45 67", "viber": "+7 999 123 45 67"]

    private func fixture() throws -> Fixture {
        let dir = try temporaryDirectory()
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        let (a, liveA, sandboxA) = try store.createPartner(name: "A")
        let (b, _, sandboxB) = try store.createPartner(name: "B")
        let (_, moderator) = try store.createModerator(login: "anna")
        let (_, op) = try store.createOperator(name: "ops")
        let wakes = IdempotencyTests.Counter()
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library(), clock: clock, eventAccepted: { _ in _ = wakes.next() })
        return Fixture(router: router, store: store, clock: clock, dir: dir, partnerA: a.id, liveA: liveA.secret, sandboxA: sandboxA.secret,
                       partnerB: b.id, sandboxB: sandboxB.secret, moderator: moderator.secret, operatorToken: op.secret,
                       wakes: wakes)
    }

    /// A fixture whose partners registered the hosts of the sample data's links.
    private func fixtureWithHosts() throws -> Fixture {
        let f = try fixture()
        for host in LinkHosts.hosts(inSamplesOf: [Self.paid]) {
            try f.store.addLinkHost(host, partnerID: f.partnerA)
            try f.store.addLinkHost(host, partnerID: f.partnerB)
        }
        return f
    }

    private func respond(_ router: Router, _ method: String, _ uri: String, token: String, body: String = "") async -> HTTPResponse {
        await router.respond(to: HTTPRequest(method: method, uri: uri, headers: [("Authorization", "Bearer " + token)], body: Array(body.utf8)))
    }

    private func call(_ router: Router, _ method: String, _ uri: String, token: String, body: String = "") async -> (Int, ValueObject) {
        let response = await respond(router, method, uri, token: token, body: body)
        guard case .object(let o)? = try? Value(jsonBytes: response.body) else { return (response.status, ValueObject()) }
        return (response.status, o)
    }

    /// The JSON of an event submission; the sample data of order.paid unless told otherwise.
    private func event(_ id: String = "evt-1", type: String = "order.paid", partnerID: String? = nil, order: String = order,
                       data: Value = paid.sample, contacts: Value? = contacts, templates: Value? = nil) -> String {
        var o = ValueObject([("id", .string(id)), ("type", .string(type))])
        if let partnerID { o["partner_id"] = .string(partnerID) }
        o["order_id"] = .string(order)
        o["data"] = data
        if let contacts { o["contacts"] = contacts }
        if let templates { o["templates"] = templates }
        return Value.object(o).jsonString
    }

    /// `value` with the member at the dotted `path` set to `new`, or removed when `new` is nil.
    private func changing(_ value: Value, _ path: String, to new: Value?) -> Value {
        let keys = path.split(separator: ".").map(String.init)
        func change(_ value: Value, _ keys: ArraySlice<String>) -> Value {
            guard case .object(var o) = value, let key = keys.first else { return value }
            o[key] = keys.count == 1 ? new : change(o[key] ?? [:], keys.dropFirst())
            return .object(o)
        }
        return change(value, keys[...])
    }

    private func objects(_ value: Value?) -> [ValueObject] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { if case .object(let o) = $0 { o } else { nil } }
    }

    private func notificationIDs(_ answer: ValueObject) -> [String] {
        objects(answer["notifications"]).compactMap { $0["id"]?.stringValue }
    }

    private func history(_ f: Fixture, token: String, order: String = order) async -> [ValueObject] {
        let (status, list) = await call(f.router, "GET", "/v1/orders/\(order)/notifications", token: token)
        #expect(status == 200)
        return objects(list["notifications"])
    }

    // MARK: Sending

    @Test func aSandboxTokenSendsTheSampleEvent() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        for host in LinkHosts.hosts(inSamplesOf: [Self.paid]) {
            #expect(await call(f.router, "PUT", "/v1/link-hosts/\(host)", token: f.sandboxA).0 == 200)
        }
        let first = await respond(f.router, "POST", "/v1/events", token: f.sandboxA, body: event())
        #expect(first.status == 202)
        guard case .object(let answer) = try Value(jsonBytes: first.body) else { Issue.record("no answer"); return }
        #expect(answer["id"] == "evt-1")
        #expect(answer["type"] == "order.paid")
        #expect(answer["order_id"] == .string(Self.order))
        #expect(answer["sandbox"] == true)
        let notifications = objects(answer["notifications"])
        #expect(notifications.map { $0["channels"] } == [["email"], ["viber", "sms"]])
        #expect(notifications.allSatisfy { $0["status"] == "queued" && $0["id"]?.stringValue?.hasPrefix("ntf_") == true })

        // The same id and body answer as the first time, and make nothing new.
        let again = await respond(f.router, "POST", "/v1/events", token: f.sandboxA, body: event())
        #expect(again.status == 202)
        #expect(again.body == first.body)
        #expect(await history(f, token: f.sandboxA).count == 2)
        #expect(try f.store.outboxDepth() == 2)
        // The dispatcher is woken for the new event only.
        #expect(f.wakes.count == 1)

        // The same id with another body is a conflict.
        let changed = event(data: changing(Self.paid.sample, "order.address", to: "г. Тверь"))
        let (status, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: changed)
        #expect(status == 409)
        #expect(problem["code"] == "event_id_reused")
        #expect(await history(f, token: f.sandboxA).count == 2)

        // Another partner's event may have the same id.
        for host in LinkHosts.hosts(inSamplesOf: [Self.paid]) { try f.store.addLinkHost(host, partnerID: f.partnerB) }
        #expect(await call(f.router, "POST", "/v1/events", token: f.sandboxB, body: changed).0 == 202)
    }

    /// An Idempotency-Key on an event is stored in the event's own transaction: the same key and
    /// body replay the answer, another body under it is a 422, and an error answer is kept too.
    @Test func anIdempotencyKeyIsStoredWithTheEvent() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        func post(_ body: String, key: String) async -> HTTPResponse {
            await f.router.respond(to: HTTPRequest(method: "POST", uri: "/v1/events",
                                                   headers: [("Authorization", "Bearer " + f.sandboxA), ("Idempotency-Key", key)], body: Array(body.utf8)))
        }
        let first = await post(event(), key: "k-1")
        #expect(first.status == 202)
        let keys = { try f.store.database.query("SELECT key, state, status FROM idempotency_keys ORDER BY key").map { "\($0["key"].text ?? "") \($0["state"].text ?? "") \($0["status"].integer ?? 0)" } }
        #expect(try keys() == ["k-1 done 202"])
        let replay = await post(event(), key: "k-1")
        #expect(replay.status == 202)
        #expect(replay.body == first.body)
        #expect(replay.headers.contains { $0 == ("Idempotent-Replayed", "true") })
        #expect(try f.store.outboxDepth() == 2)
        #expect(f.wakes.count == 1)

        let other = await post(event("evt-2"), key: "k-1")
        #expect(other.status == 422)
        #expect(try f.store.outboxDepth() == 2)

        // A refused event's answer is kept under its key as well.
        let bad = event("evt-3", data: changing(Self.paid.sample, "paid", to: nil))
        #expect(await post(bad, key: "k-2").status == 422)
        let badAgain = await post(bad, key: "k-2")
        #expect(badAgain.status == 422)
        #expect(badAgain.headers.contains { $0 == ("Idempotent-Replayed", "true") })
        // A new key for an event id already taken answers as the event did, and is kept.
        let sameEvent = await post(event(), key: "k-3")
        #expect(sameEvent.status == 202)
        #expect(sameEvent.body == first.body)
        #expect(try keys() == ["k-1 done 202", "k-2 done 422", "k-3 done 202"])
    }

    /// A request that finds its key free, then loses the race to another storing under it first:
    /// its event is not written, and it answers what the other stored.
    @Test func anIdempotencyKeyTakenMeanwhileUndoesTheEvent() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let key = IdempotentRequest(owner: f.partnerA, key: "k-1", requestHash: [7])
        let planner = NotificationPlanner(store: f.store, base: try BaseTemplateTests.library(), compiled: CompiledTemplates(), metrics: nil,
                                          unsubscribe: nil)
        guard case .object(let body) = try Value(jsonBytes: Array(event().utf8)) else { Issue.record("no body"); return }
        let submission = try EventSubmission.parse(body, partnerID: f.partnerA, sandbox: true).0
        let planned = try planner.plan(submission) { try SQLiteStore.newID("ntf", at: f.clock.now()) }
        #expect(try await f.store.storeIdempotentAnswer(key, status: 202, contentType: "application/json", body: Array("{}".utf8)) == .proceed)
        do {
            _ = try await f.store.accept(submission, hash: [1], body: event(), answer: "{}", notifications: planned, idempotency: key, now: f.clock.now())
            Issue.record("the event was accepted under a taken key")
        } catch let taken as IdempotencyKeyTaken {
            #expect(taken.claim == .replay(status: 202, contentType: "application/json", body: Array("{}".utf8)))
        }
        #expect(try f.store.acceptedEvent(id: "evt-1", partnerID: f.partnerA) == nil)
        #expect(try f.store.outboxDepth() == 0)
        // The same hash under the key replays; another is a mismatch.
        #expect(try await f.store.storeIdempotentAnswer(IdempotentRequest(owner: f.partnerA, key: "k-1", requestHash: [8]), status: 202,
                                                        contentType: "application/json", body: []) == .mismatch)
    }

    @Test func onlyOperatorsAndSandboxTokensSendEvents() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        for (token, expected) in [(f.liveA, 403), (f.moderator, 403), ("ak_test_unknown", 401)] {
            let (status, problem) = await call(f.router, "POST", "/v1/events", token: token, body: event())
            #expect(status == expected)
            #expect(problem["code"] == .string(expected == 403 ? "forbidden" : "unauthorized"))
        }
        // A sandbox token sends for its own partner only.
        let (status, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(partnerID: f.partnerB))
        #expect(status == 403)
        #expect(problem["code"] == "forbidden")
        #expect(await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(partnerID: f.partnerA)).0 == 202)
        #expect(await history(f, token: f.sandboxB).isEmpty)
    }

    @Test func operatorsNameThePartner() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let cases: [(partnerID: String?, status: Int, code: String?)] = [
            (nil, 422, "invalid_field"),
            ("", 422, "invalid_field"),
            ("prt_nobody", 422, "unknown_partner"),
            (f.partnerA, 202, nil),
        ]
        for c in cases {
            let (status, answer) = await call(f.router, "POST", "/v1/events", token: f.operatorToken, body: event(partnerID: c.partnerID))
            #expect(status == c.status, "\(c.partnerID ?? "no partner_id")")
            if let code = c.code {
                #expect(answer["code"] == .string(code))
            } else {
                #expect(answer["sandbox"] == false)
                #expect(notificationIDs(answer).count == 2)
            }
        }
        // The partner reads the live notifications, their messages without the HTML.
        let list = await history(f, token: f.liveA)
        #expect(list.count == 2)
        #expect(list.allSatisfy { $0["sandbox"] == false })
        let emails = objects(list.first?["messages"])
        let email = try #require(emails.first)
        #expect(email["channel"] == "email")
        #expect(email["subject"] != nil)
        #expect(email["html"] == nil)
        #expect(email["text"] != nil)
    }

    @Test func badEventsAre422NamingTheField() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let sample = Self.paid.sample
        let cases: [(body: String, code: String, mentions: String)] = [
            (event(data: changing(sample, "paid.receipt.url", to: nil)), "invalid_data", "data.paid.receipt.url: is required"),
            (event(data: changing(sample, "order.amount", to: "450")), "invalid_data", "data.order.amount: is string but must be integer"),
            (event(data: changing(sample, "paid", to: nil)), "invalid_data", "data.paid: is required"),
            (event(data: "x"), "invalid_field", "'data' is required"),
            (event(type: "order.payed"), "unknown_event", "order.payed"),
            (event(""), "invalid_field", "'id' is required"),
            (event("evt 1"), "invalid_field", "'id' is required"),
            (event(String(repeating: "e", count: 101)), "invalid_field", "'id' is required"),
            (event(order: "KO/1"), "invalid_field", "'order_id' is required"),
            (event(templates: ["fax": "x"]), "unknown_channel", "templates.fax"),
            (event(templates: ["sms": ""]), "invalid_field", "templates.sms"),
            (event(templates: "Короткое"), "invalid_field", "'templates' must be an object"),
        ]
        for c in cases {
            let (status, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: c.body)
            #expect(status == 422, "\(c.mentions)")
            #expect(problem["code"] == .string(c.code), "\(c.mentions)")
            let said = (problem["title"]?.stringValue ?? "") + " " + (problem["detail"]?.stringValue ?? "")
            #expect(said.contains(c.mentions), "\(said)")
        }
        #expect(await history(f, token: f.sandboxA).isEmpty)
        #expect(try f.store.outboxDepth() == 0)
    }

    // MARK: Links

    @Test func linksMustPointToRegisteredHosts() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let (refused, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event())
        #expect(refused == 422)
        #expect(problem["code"] == "link_host_not_registered")
        #expect(problem["detail"]?.stringValue?.contains("PUT /v1/link-hosts/{host}") == true)

        // A registered host covers its subdomains: kadastr-online.example covers cdn.kadastr-online.example.
        #expect(await call(f.router, "PUT", "/v1/link-hosts/kadastr-online.example", token: f.sandboxA).0 == 200)
        let (stillRefused, onlyReceipt) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event())
        #expect(stillRefused == 422)
        #expect(onlyReceipt["detail"]?.stringValue?.hasPrefix("data.paid.receipt.url: check.ofd.example is not among") == true)
        #expect(await call(f.router, "PUT", "/v1/link-hosts/ofd.example", token: f.sandboxA).0 == 200)
        #expect(await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event()).0 == 202)

        // A look-alike host is not a subdomain; once registered, it is accepted.
        let phishing = changing(Self.paid.sample, "order.status_url", to: "https://kadastr-online.example.evil.example/orders/1")
        let (status, detail) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event("evt-2", data: phishing))
        #expect(status == 422)
        #expect(detail["detail"]?.stringValue?.hasPrefix("data.order.status_url: kadastr-online.example.evil.example is not among") == true)
        #expect(await call(f.router, "PUT", "/v1/link-hosts/evil.example", token: f.sandboxA).0 == 200)
        #expect(await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event("evt-2", data: phishing)).0 == 202)
    }

    @Test func linksThatAreNotHTTPOnARegisteredHostAreRefused() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let cases: [(path: String, value: String, why: String)] = [
            ("partner.website_url", "javascript:alert(1)", "data.partner.website_url: links must be http or https, not javascript:"),
            ("payer.name", "JavaScript:alert(document.cookie)", "data.payer.name: links must be http or https, not javascript:"),
            ("payer.name", "data:text/html;base64,PHNjcmlwdD4=", "data.payer.name: links must be http or https, not data:"),
            ("payer.name", "ftp://kadastr-online.example/x", "data.payer.name: links must be http or https, not ftp:"),
            ("order.status_url", "https://user:secret@kadastr-online.example/", "data.order.status_url: the link carries a user name or password"),
            ("order.status_url", "https://", "data.order.status_url: the link has no host"),
            ("order.status_url", "kadastr-online.example/orders/1", "data.order.status_url: 'kadastr-online.example/orders/1' is not a URL"),
            // A link inside text is made clickable by mail clients and messengers too.
            ("order.report", "Выписка, подробнее https://evil.example/login", "data.order.report: evil.example is not among"),
            ("payer.name", "Анна (см.:https://evil.example).", "data.payer.name: evil.example is not among"),
        ]
        for c in cases {
            let data = changing(Self.paid.sample, c.path, to: .string(c.value))
            let (status, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(data: data))
            #expect(status == 422, "\(c.value)")
            #expect(problem["code"] == "link_host_not_registered", "\(c.value)")
            #expect(problem["detail"]?.stringValue?.hasPrefix(c.why) == true, "\(problem["detail"]?.stringValue ?? "")")
        }
        // A link inside an array is found by its index.
        guard case .object(let sample) = Self.paid.sample, case .object(let paid)? = sample["paid"], case .object(let receipt)? = paid["receipt"],
              case .array(var items)? = receipt["items"] else { Issue.record("no receipt items in the sample"); return }
        items.append(["name": "https://evil.example/", "quantity": 1, "price": 0, "amount": 0])
        let data = changing(Self.paid.sample, "paid.receipt.items", to: .array(items))
        let (_, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(data: data))
        #expect(problem["detail"]?.stringValue?.hasPrefix("data.paid.receipt.items[1].name: evil.example is not among") == true)
        // Text with a link to a registered host is fine.
        let mention = changing(Self.paid.sample, "order.report", to: "Выписка (образец: https://cdn.kadastr-online.example/sample.pdf).")
        #expect(await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(data: mention)).0 == 202)
    }

    @Test func linkHostsAreListedAddedAndRemoved() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        for bad in ["localhost", "x_y.ru", "-bad.ru", "a..ru", "kadastr.ru:443", "%20"] {
            let (status, problem) = await call(f.router, "PUT", "/v1/link-hosts/\(bad)", token: f.sandboxA)
            #expect(status == 422, "\(bad)")
            #expect(problem["code"] == "invalid_host", "\(bad)")
        }
        let (added, list) = await call(f.router, "PUT", "/v1/link-hosts/Kadastr-Online.Example", token: f.liveA)
        #expect(added == 200)
        #expect(list["hosts"] == ["kadastr-online.example"])
        _ = await call(f.router, "PUT", "/v1/link-hosts/kadastr-online.example", token: f.sandboxA)
        _ = await call(f.router, "PUT", "/v1/link-hosts/ofd.example", token: f.sandboxA)
        #expect(await call(f.router, "GET", "/v1/link-hosts", token: f.sandboxA).1["hosts"] == ["kadastr-online.example", "ofd.example"])
        // Each partner has its own hosts.
        #expect(await call(f.router, "GET", "/v1/link-hosts", token: f.sandboxB).1["hosts"] == [])
        #expect(await call(f.router, "DELETE", "/v1/link-hosts/ofd.example", token: f.sandboxB).0 == 404)
        #expect(await call(f.router, "GET", "/v1/link-hosts", token: f.moderator).0 == 403)
        #expect(await call(f.router, "PUT", "/v1/link-hosts/ofd.example", token: f.operatorToken).0 == 403)

        let (removed, after) = await call(f.router, "DELETE", "/v1/link-hosts/OFD.example", token: f.sandboxA)
        #expect(removed == 200)
        #expect(after["hosts"] == ["kadastr-online.example"])
        let (again, problem) = await call(f.router, "DELETE", "/v1/link-hosts/ofd.example", token: f.sandboxA)
        #expect(again == 404)
        #expect(problem["code"] == "not_found")
        #expect(await call(f.router, "DELETE", "/v1/link-hosts/localhost", token: f.sandboxA).0 == 404)
    }

    // MARK: Contacts

    @Test func contactsAreChecked() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let cases: [(contacts: Value?, code: String, mentions: String)] = [
            (["email": "anna@"], "invalid_contact", "contacts.email"),
            (["email": "anna ivanova@example.ru"], "invalid_contact", "contacts.email"),
            (["phone": "+1 212 555 0100"], "invalid_contact", "contacts.phone is not a Russian phone number"),
            (["viber": "+44 20 7946 0958"], "invalid_contact", "contacts.viber is not a Russian phone number"),
            (["phone": "999 123"], "invalid_contact", "contacts.phone"),
            (["vk": "abc"], "invalid_contact", "contacts.vk must be a VK user id"),
            (["vk": "-5"], "invalid_contact", "contacts.vk"),
            (["vk": 12345], "invalid_field", "contacts.vk must be a string"),
            (["telegram": "@anna"], "invalid_field", "contacts.telegram is not a contact"),
            ([:], "invalid_field", "needs at least one of"),
            (["email": nil], "invalid_field", "needs at least one of"),
            (nil, "invalid_field", "'contacts' is required"),
            ("anna@example.ru", "invalid_field", "'contacts' is required"),
        ]
        for c in cases {
            let (status, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(contacts: c.contacts))
            #expect(status == 422, "\(c.mentions)")
            #expect(problem["code"] == .string(c.code), "\(c.mentions)")
            #expect(problem["title"]?.stringValue?.contains(c.mentions) == true, "\(problem["title"]?.stringValue ?? "")")
        }
        // The payer's phone number is personal data: a refusal does not repeat it.
        let (_, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(contacts: ["phone": "+1 212 555 0100"]))
        #expect(!problem.pairs.contains { $0.value.stringValue?.contains("212") == true })
    }

    @Test func theChannelsFollowTheContacts() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let cases: [(contacts: Value, channels: Value)] = [
            (["email": "a@example.ru"], [["email"]]),
            (["phone": "89991234567"], [["sms"]]),
            (["vk": "1001", "phone": "9991234567"], [["vk", "sms"]]),
            (["email": "a@example.ru", "viber": "+79991234567", "vk": "1001", "phone": "+79991234567"], [["email"], ["viber", "vk", "sms"]]),
        ]
        for (i, c) in cases.enumerated() {
            let (status, answer) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event("evt-\(i)", contacts: c.contacts))
            #expect(status == 202)
            #expect(Value.array(objects(answer["notifications"]).map { $0["channels"] ?? .nil }) == c.channels)
        }
        // Numbers are stored as SMS.ru takes them: eleven digits from 7.
        let list = await history(f, token: f.sandboxA)
        let recipients = list.flatMap { objects($0["messages"]) }.filter { $0["channel"] == "sms" }.compactMap { $0["recipient"]?.stringValue }
        #expect(Set(recipients) == ["79991234567"])
    }

    // MARK: Templates

    /// Creates a template of the partner behind `token`, submits it and approves it unless told otherwise; returns its id.
    private func template(_ f: Fixture, token: String, event: String = "order.paid", channel: String = "sms", name: String,
                          body: String = "Заказ {{ order.number }} оплачен", submit: Bool = true, approve: Bool = true) async throws -> String {
        let request = #"{"event": "\#(event)", "channel": "\#(channel)", "name": "\#(name)", "content": {"body": "\#(body)"}}"#
        let (status, created) = await call(f.router, "POST", "/v1/templates", token: token, body: request)
        #expect(status == 201)
        let id = try #require(created["id"]?.stringValue)
        if submit { #expect(await call(f.router, "POST", "/v1/templates/\(id)/submit", token: token).0 == 200) }
        if submit && approve {
            #expect(await call(f.router, "POST", "/v1/moderation/templates/\(id)/versions/1/approve", token: f.moderator).0 == 200)
        }
        return id
    }

    @Test func templateReferencesAreStrict() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let othersTemplate = try await template(f, token: f.sandboxB, name: "Чужой")
        let readyTemplate = try await template(f, token: f.sandboxA, event: "order.ready", name: "Готово")
        let pending = try await template(f, token: f.sandboxA, name: "На модерации", approve: false)
        _ = try await template(f, token: f.sandboxA, name: "Черновик", submit: false)
        let viber = try await template(f, token: f.sandboxA, channel: "viber", name: "Вайбер")
        let cases: [(templates: Value, code: String, title: String)] = [
            (["sms": "Несуществующий"], "unknown_template", "templates.sms: you have no template 'Несуществующий'"),
            (["sms": .string(othersTemplate)], "unknown_template", "templates.sms: you have no template '\(othersTemplate)'"),
            (["sms": "Чужой"], "unknown_template", "templates.sms: you have no template 'Чужой'"),
            (["sms": .string(readyTemplate)], "template_mismatch", "is for order.ready on SMS, not order.paid on SMS"),
            (["email": "Готово"], "template_mismatch", "is for order.ready on SMS"),
            (["sms": .string(pending)], "template_not_approved", "template 'На модерации' has no approved version"),
            (["sms": "Черновик"], "template_not_approved", "template 'Черновик' has no approved version"),
            (["viber": .string(viber)], "template_not_approved", "template 'Вайбер' is not registered with Viber yet"),
            // A channel the payer has no contact for is checked all the same.
            (["vk": "Несуществующий"], "unknown_template", "templates.vk"),
        ]
        for c in cases {
            let (status, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(templates: c.templates))
            #expect(status == 422, "\(c.templates)")
            #expect(problem["code"] == .string(c.code), "\(c.templates)")
            #expect(problem["title"]?.stringValue?.contains(c.title) == true, "\(problem["title"]?.stringValue ?? "")")
        }
        // Nothing of B's template shows through A's refusal.
        let (_, problem) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(templates: ["sms": .string(othersTemplate)]))
        #expect(!Value.object(problem).jsonString.contains("Чужой"))
        #expect(await history(f, token: f.sandboxA).isEmpty)
    }

    @Test func theNamedTemplateThenTheDefaultThenTheBaseServes() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let named = try await template(f, token: f.sandboxA, name: "Короткое")
        let byDefault = try await template(f, token: f.sandboxA, name: "Обычное", body: "Оплачен заказ {{ order.number }}")
        let contacts: Value = ["phone": "+79991234567"]

        func smsTemplate(_ id: String, templates: Value? = nil) async throws -> (template: String, text: String) {
            let (status, answer) = await call(f.router, "POST", "/v1/events", token: f.sandboxA,
                                              body: event(id, order: id, contacts: contacts, templates: templates))
            #expect(status == 202)
            let ntf = try #require(notificationIDs(answer).first)
            let (_, view) = await call(f.router, "GET", "/v1/notifications/\(ntf)", token: f.sandboxA)
            let messages = objects(view["messages"])
            let message = try #require(messages.first)
            return (message["template"]?.stringValue ?? "", message["text"]?.stringValue ?? "")
        }

        let base = try await smsTemplate("o-1")
        #expect(base.template == "base")
        #expect(base.text.contains(Self.order))
        // By id or by name, the named approved template serves.
        for (i, reference) in [named, "Короткое"].enumerated() {
            let chosen = try await smsTemplate("o-named-\(i)", templates: ["sms": .string(reference)])
            #expect(chosen.template == "\(named)@1")
            #expect(chosen.text.hasPrefix("Заказ \(Self.order) оплачен"))
        }
        #expect(await call(f.router, "PUT", "/v1/templates/\(byDefault)/default", token: f.sandboxA).0 == 200)
        let fallback = try await smsTemplate("o-3")
        #expect(fallback.template == "\(byDefault)@1")
        #expect(fallback.text.hasPrefix("Оплачен заказ \(Self.order)"))
        #expect(try await smsTemplate("o-4", templates: ["sms": "Короткое"]).template == "\(named)@1")
        // A new draft of the default does not change what serves.
        _ = await call(f.router, "PUT", "/v1/templates/\(byDefault)/draft", token: f.sandboxA, body: #"{"content": {"body": "Новое"}}"#)
        #expect(try await smsTemplate("o-5").template == "\(byDefault)@1")
        _ = await call(f.router, "DELETE", "/v1/templates/\(byDefault)/default", token: f.sandboxA)
        #expect(try await smsTemplate("o-6").template == "base")
    }

    // MARK: History

    @Test func historyShowsTheMessagesAndIsScopedToThePartner() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let (_, answer) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event())
        let ids = notificationIDs(answer)
        #expect(ids.count == 2)

        let list = await history(f, token: f.sandboxA)
        #expect(list.compactMap { $0["id"]?.stringValue } == ids)
        let email = list[0]
        #expect(email["event_id"] == "evt-1")
        #expect(email["event_type"] == "order.paid")
        #expect(email["order_id"] == .string(Self.order))
        #expect(email["sandbox"] == true)
        #expect(email["status"] == "queued")
        #expect(email["channel"] == "email")
        #expect(email["attempts"] == [])
        #expect(email["created_at"] == "2026-11-18T11:06:40.000Z")
        let mails = objects(email["messages"])
        let mail = try #require(mails.first)
        #expect(mail["recipient"] == "anna.ivanova@example.ru")
        #expect(mail["template"] == "base")
        #expect(mail["subject"]?.stringValue?.contains(Self.order) == true)
        // The sandbox shows the HTML, since reading it is the point.
        #expect(mail["html"]?.stringValue?.contains("<") == true)
        #expect(mail["text"]?.stringValue?.isEmpty == false)

        let cascade = list[1]
        #expect(cascade["channel"] == "viber")
        let messages = objects(cascade["messages"])
        #expect(messages.map { $0["channel"] } == ["viber", "sms"])
        #expect(messages.allSatisfy { $0["recipient"] == "79991234567" && $0["html"] == nil && $0["subject"] == nil })

        // The same view one at a time; another partner sees none of it.
        let (status, one) = await call(f.router, "GET", "/v1/notifications/\(ids[1])", token: f.liveA)
        #expect(status == 200)
        #expect(Value.object(one) == .object(cascade))
        #expect(await history(f, token: f.sandboxB).isEmpty)
        for id in ids + ["ntf_nothing"] {
            let (hidden, problem) = await call(f.router, "GET", "/v1/notifications/\(id)", token: f.sandboxB)
            #expect(hidden == 404)
            #expect(problem["code"] == "not_found")
        }
        #expect(await history(f, token: f.sandboxA, order: "KO-other").isEmpty)
        #expect(await call(f.router, "GET", "/v1/orders/\(Self.order)/notifications", token: f.moderator).0 == 403)
        #expect(await call(f.router, "GET", "/v1/notifications/\(ids[0])", token: f.operatorToken).0 == 403)
    }

    // MARK: Dispatch

    private func dispatcher(_ f: Fixture) -> OutboxDispatcher {
        OutboxDispatcher(store: f.store, live: ChannelSet(), sandbox: .sandbox, clock: f.clock, random: { 0.5 })
    }

    private func attempts(_ notification: ValueObject) -> [(channel: String, outcome: String, code: String?)] {
        objects(notification["attempts"]).map {
            ($0["channel"]?.stringValue ?? "", $0["outcome"]?.stringValue ?? "", $0["provider_code"]?.stringValue)
        }
    }

    @Test func theSandboxDeliversEverything() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let (_, answer) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event())
        let ids = notificationIDs(answer)
        f.clock.advance(by: 1)
        #expect(await dispatcher(f).runOnce() == 2)

        let list = await history(f, token: f.sandboxA)
        #expect(list.map { $0["status"] } == ["accepted", "delivered"])
        #expect(list.map { $0["channel"] } == ["email", "viber"])
        #expect(list.map { attempts($0).map(\.channel) } == [["email"], ["viber"]])
        #expect(list.map { attempts($0).map(\.outcome) } == [["accepted"], ["delivered"]])
        let recorded = objects(list[0]["attempts"])
        let first = try #require(recorded.first)
        #expect(first["number"] == 1)
        #expect(first["provider_message_id"] == .string("sandbox-\(ids[0]).email"))
        #expect(first["started_at"] == "2026-11-18T11:06:41.000Z")
        #expect(first["finished_at"] == "2026-11-18T11:06:41.000Z")
        #expect(list.allSatisfy { $0["updated_at"] == "2026-11-18T11:06:41.000Z" })
        // Nothing is left to send.
        #expect(try f.store.outboxDepth() == 0)
        #expect(await dispatcher(f).runOnce() == 0)
    }

    @Test func aRefusedViberMessageFallsBackToSMS() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let contacts: Value = ["viber": "+7 999 000 0000", "phone": "+7 999 123 45 67"]
        let (status, answer) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(contacts: contacts))
        #expect(status == 202)
        let id = try #require(notificationIDs(answer).first)
        await dispatcher(f).runOnce()

        let (_, view) = await call(f.router, "GET", "/v1/notifications/\(id)", token: f.sandboxA)
        #expect(view["status"] == "delivered")
        #expect(view["channel"] == "sms")
        let tries = attempts(view)
        #expect(tries.map(\.channel) == ["viber", "sms"])
        #expect(tries.map(\.outcome) == ["failed", "delivered"])
        #expect(tries.map(\.code) == ["sandbox", nil])
        #expect(try f.store.outboxDepth() == 0)
    }

    @Test func aBouncedEmailFailsTheNotification() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let (_, answer) = await call(f.router, "POST", "/v1/events", token: f.sandboxA, body: event(contacts: ["email": "anna@bounce.test"]))
        let id = try #require(notificationIDs(answer).first)
        await dispatcher(f).runOnce()
        let (_, view) = await call(f.router, "GET", "/v1/notifications/\(id)", token: f.sandboxA)
        #expect(view["status"] == "failed")
        #expect(attempts(view).map(\.outcome) == ["failed"])
        #expect(try f.store.outboxDepth() == 0)
    }

    @Test func liveEventsGoToTheLiveProvidersOnly() async throws {
        let f = try fixtureWithHosts()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        // No live provider is configured: every channel fails permanently and the cascade runs out.
        let (_, answer) = await call(f.router, "POST", "/v1/events", token: f.operatorToken, body: event(partnerID: f.partnerA))
        #expect(notificationIDs(answer).count == 2)
        await dispatcher(f).runOnce()
        let list = await history(f, token: f.liveA)
        #expect(list.map { $0["status"] } == ["failed", "failed"])
        #expect(list.map { attempts($0).map(\.channel) } == [["email"], ["viber", "sms"]])
        #expect(list.allSatisfy { attempts($0).allSatisfy { $0.outcome == "failed" && $0.code == "not configured" } })
    }
}

import Channels
import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

/// The one-click unsubscribe endpoint (a GET shows a page and changes nothing, a POST unsubscribes,
/// a forged or broken token gets a Russian page saying so), the suppression list's routes scoped
/// to their partner, and partners' quotas; all through the router.
@Suite struct SuppressionRoutesTests {
    struct Fixture {
        let base: SendingGuardTests.Fixture
        let live: [String]
        let sandbox: String
        let moderator: String

        var store: SQLiteStore { base.store }
        var operatorToken: String { base.operatorToken }
        var partners: [String] { base.partners }
    }

    private func fixture() throws -> Fixture {
        let dir = try temporaryDirectory()
        let clock = ManualWallClock(SendingGuardTests.morning)
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        var partners: [String] = [], live: [String] = [], sandbox = ""
        for name in ["ООО «Кадастр-Онлайн»", "ИП Петров"] {
            let (partner, liveToken, sandboxToken) = try store.createPartner(name: name)
            partners.append(partner.id)
            live.append(liveToken.secret)
            if sandbox.isEmpty { sandbox = sandboxToken.secret }
        }
        let (_, op) = try store.createOperator(name: "ops")
        let (_, moderator) = try store.createModerator(login: "moderator")
        var policy = SendingPolicy()
        policy.partnerDaily[.vk] = nil
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library(), clock: clock, sending: policy,
                                     unsubscribe: SendingGuardTests.links)
        let base = SendingGuardTests.Fixture(store: store, clock: clock, router: router, operatorToken: op.secret, partners: partners, dir: dir)
        return Fixture(base: base, live: live, sandbox: sandbox, moderator: moderator.secret)
    }

    private func call(_ f: Fixture, _ method: String, _ uri: String, token: String? = nil, body: String = "",
                      headers: [(String, String)] = []) async -> (status: Int, headers: [(String, String)], text: String) {
        var all = headers
        if let token { all.append(("Authorization", "Bearer " + token)) }
        let response = await f.base.router.respond(to: HTTPRequest(method: method, uri: uri, headers: all, body: Array(body.utf8)))
        return (response.status, response.headers, String(decoding: response.body, as: UTF8.self))
    }

    private func json(_ text: String) throws -> ValueObject {
        guard case .object(let o) = try Value(json: text) else { throw Failure("not a JSON object: \(text)") }
        return o
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private func token(_ f: Fixture, partner: Int = 0, address: String = "anna@example.ru") -> String {
        SendingGuardTests.links.token(for: .init(partnerID: f.partners[partner], channel: .email, address: address))
    }

    // MARK: One-click unsubscribe

    @Test func getShowsAPageAndUnsubscribesNobody() async throws {
        let f = try fixture()
        defer { f.base.cleanUp() }
        let page = await call(f, "GET", "/u/" + token(f))
        #expect(page.status == 200)
        #expect(page.headers.contains { $0.0 == "Content-Type" && $0.1 == "text/html; charset=utf-8" })
        #expect(page.headers.contains { $0.0 == "Cache-Control" && $0.1 == "no-store" })
        #expect(page.text.contains("Отписаться от напоминаний?"))
        #expect(page.text.contains("от «ООО «Кадастр-Онлайн»»"))
        #expect(page.text.contains("a•••@example.ru"))
        #expect(!page.text.contains("anna@example.ru"))
        #expect(page.text.contains(#"<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">"#))
        #expect(await call(f, "HEAD", "/u/" + token(f)).status == 200)
        #expect(try f.store.suppressions(SuppressionFilter()).isEmpty)
    }

    @Test func theOneClickPostUnsubscribesFromThatPartnersRemindersOnce() async throws {
        let f = try fixture()
        defer { f.base.cleanUp() }
        let done = await call(f, "POST", "/u/" + token(f), body: "List-Unsubscribe=One-Click",
                              headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(done.status == 200)
        #expect(done.text.contains("Вы отписались"))
        // Again (a mail client retrying, the page's button after the client's POST): still one entry.
        #expect(await call(f, "POST", "/u/" + token(f), body: "List-Unsubscribe=One-Click").status == 200)
        let entries = try f.store.suppressions(SuppressionFilter())
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.partnerID == f.partners[0] && entry.channel == .email && entry.address == "anna@example.ru")
        #expect(entry.reason == .unsubscribe && entry.scope == .nonTransactional && entry.source == "one_click")
        #expect(entry.detail == "List-Unsubscribe=One-Click")
        #expect(entry.covers(partnerID: f.partners[0], transactional: false))
        #expect(!entry.covers(partnerID: f.partners[0], transactional: true))
        #expect(!entry.covers(partnerID: f.partners[1], transactional: false))
    }

    @Test func aForgedOrBrokenTokenGetsARussianPageAndChangesNothing() async throws {
        let f = try fixture()
        defer { f.base.cleanUp() }
        let good = token(f)
        let parts = good.split(separator: ".").map(String.init)
        // The same payload for another address, with the first one's signature.
        let otherPayload = SendingGuardTests.links.token(for: .init(partnerID: f.partners[0], channel: .email, address: "boris@example.ru"))
            .split(separator: ".")[0]
        // A token signed with another key.
        let otherKey = UnsubscribeLinks(baseURL: "https://kassa.example", key: Array(repeating: 1, count: 32))
            .token(for: .init(partnerID: f.partners[0], channel: .email, address: "anna@example.ru"))
        var flipped = Array(parts[1])
        flipped[0] = flipped[0] == "A" ? "B" : "A"
        let forged = [otherPayload + "." + parts[1], otherKey, parts[0] + "." + String(flipped),
                      SendingGuardTests.links.token(for: .init(partnerID: "prt_unknown", channel: .email, address: "anna@example.ru"))]
        for token in forged {
            for method in ["GET", "POST"] {
                let answer = await call(f, method, "/u/" + token, body: "List-Unsubscribe=One-Click")
                #expect(answer.status == 404, "\(method) \(token)")
                #expect(answer.text.contains("Ссылка недействительна"))
            }
        }
        for broken in ["", "abc", parts[0], parts[0] + ".", "!!." + parts[1], parts[0] + "." + parts[1].dropLast(4), good + ".x"] {
            let answer = await call(f, "POST", "/u/" + broken)
            #expect(answer.status == 400 || answer.status == 404, "\(broken)")
            if answer.status == 400 { #expect(answer.text.contains("Ссылка недействительна")) }
        }
        #expect(await call(f, "GET", "/u/" + parts[0] + ".").status == 400)
        #expect(try f.store.suppressions(SuppressionFilter()).isEmpty)
    }

    @Test func withoutUnsubscribeLinksEveryTokenIsUnknown() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(dataDirectory: dir)
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library())
        let token = SendingGuardTests.links.token(for: .init(partnerID: "prt_1", channel: .email, address: "anna@example.ru"))
        let response = await router.respond(to: HTTPRequest(method: "POST", uri: "/u/" + token, headers: []))
        #expect(response.status == 404)
    }

    // MARK: The list's routes

    @Test func partnersSeeAndLiftOnlyTheirOwnUnsubscribes() async throws {
        let f = try fixture()
        defer { f.base.cleanUp() }
        _ = await call(f, "POST", "/u/" + token(f, partner: 0))
        _ = await call(f, "POST", "/u/" + token(f, partner: 1))
        let complaint = await call(f, "POST", "/v1/suppressions", token: f.operatorToken,
                                   body: #"{"channel": "sms", "address": "+7 (999) 123-45-67", "reason": "complaint", "partner_id": "\#(f.partners[0])", "detail": "FBL"}"#)
        #expect(complaint.status == 201, "\(complaint.text)")
        let bounce = await call(f, "POST", "/v1/suppressions", token: f.operatorToken,
                                body: #"{"channel": "email", "address": "ghost@example.ru", "reason": "hard_bounce"}"#)
        #expect(bounce.status == 201)

        let own = try json(await call(f, "GET", "/v1/suppressions", token: f.live[0]).text)
        guard case .array(let entries)? = own["suppressions"] else { throw Failure("no list") }
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { if case .object(let e) = $0 { e["partner_id"] == .string(f.partners[0]) } else { false } })
        // The sandbox token sees the same partner's list; a filter by address finds it however it is written.
        let filtered = try json(await call(f, "GET", "/v1/suppressions?address=%2B79991234567", token: f.sandbox).text)
        guard case .array(let byAddress)? = filtered["suppressions"], case .object(let first)? = byAddress.first else { throw Failure("no list") }
        #expect(byAddress.count == 1 && first["reason"] == "complaint" && first["address"] == "79991234567" && first["scope"] == "all")
        #expect(await call(f, "GET", "/v1/suppressions?channel=fax", token: f.live[0]).status == 422)
        #expect(await call(f, "GET", "/v1/suppressions", token: f.moderator).status == 403)

        // The partner lifts its own unsubscribe, not the complaint, and cannot see the other partner's.
        let mine = try f.store.suppressions(SuppressionFilter(partnerID: f.partners[0]))
        let unsubscribe = try #require(mine.first { $0.reason == .unsubscribe })
        let complaintEntry = try #require(mine.first { $0.reason == .complaint })
        let theirs = try #require(try f.store.suppressions(SuppressionFilter(partnerID: f.partners[1])).first)
        let locked = await call(f, "DELETE", "/v1/suppressions/\(complaintEntry.id)", token: f.live[0])
        #expect(locked.status == 403 && locked.text.contains("suppression_locked"))
        #expect(await call(f, "DELETE", "/v1/suppressions/\(theirs.id)", token: f.live[0]).status == 404)
        #expect(await call(f, "DELETE", "/v1/suppressions/\(unsubscribe.id)", token: f.live[0]).status == 200)
        #expect(await call(f, "DELETE", "/v1/suppressions/\(unsubscribe.id)", token: f.live[0]).status == 404)
        // An operator lifts anything.
        #expect(await call(f, "DELETE", "/v1/suppressions/\(complaintEntry.id)", token: f.operatorToken).status == 200)

        let all = try json(await call(f, "GET", "/v1/suppressions", token: f.operatorToken).text)
        guard case .array(let everything)? = all["suppressions"] else { throw Failure("no list") }
        #expect(everything.count == 2)
        let global = try json(await call(f, "GET", "/v1/suppressions?partner_id=global", token: f.operatorToken).text)
        guard case .array(let globals)? = global["suppressions"], case .object(let g)? = globals.first else { throw Failure("no list") }
        #expect(globals.count == 1 && g["reason"] == "hard_bounce" && g["partner_id"] == .nil && g["source"]?.stringValue?.hasPrefix("operator:") == true)
    }

    @Test func onlyOperatorsAddEntriesAndEachReasonKeepsItsRules() async throws {
        let f = try fixture()
        defer { f.base.cleanUp() }
        let partner = f.partners[0]
        #expect(await call(f, "POST", "/v1/suppressions", token: f.live[0],
                           body: #"{"channel": "email", "address": "a@b.ru", "reason": "manual"}"#).status == 403)
        let cases: [(String, Int, String)] = [
            (#"{"channel": "email", "address": "a@b.ru", "reason": "hard_bounce", "partner_id": "\#(partner)"}"#, 422, "leave out partner_id"),
            (#"{"channel": "email", "address": "a@b.ru", "reason": "complaint"}"#, 422, "give partner_id"),
            (#"{"channel": "email", "address": "a@b.ru", "reason": "unsubscribe", "partner_id": "\#(partner)", "scope": "all"}"#, 422, "always has the scope"),
            (#"{"channel": "email", "address": "not an address", "reason": "manual"}"#, 422, "invalid_address"),
            (#"{"channel": "sms", "address": "+1 202 555 0100", "reason": "manual"}"#, 422, "invalid_address"),
            (#"{"channel": "fax", "address": "a@b.ru", "reason": "manual"}"#, 422, "unknown_channel"),
            (#"{"channel": "email", "address": "a@b.ru", "reason": "spam"}"#, 422, "'reason' is one of"),
            (#"{"channel": "email", "address": "a@b.ru", "reason": "manual", "partner_id": "prt_nobody"}"#, 422, "unknown_partner"),
            (#"{"channel": "email", "address": "A@B.ru", "reason": "manual", "scope": "non_transactional"}"#, 201, #""scope":"non_transactional""#),
            (#"{"channel": "email", "address": "a@b.ru", "reason": "manual", "scope": "non_transactional"}"#, 200, #""address":"a@b.ru""#),
            (#"{"channel": "vk", "address": "42", "reason": "complaint", "partner_id": "\#(partner)"}"#, 201, #""scope":"all""#),
        ]
        for (body, status, needle) in cases {
            let answer = await call(f, "POST", "/v1/suppressions", token: f.operatorToken, body: body)
            #expect(answer.status == status, "\(body): \(answer.text)")
            #expect(answer.text.contains(needle), "\(body): \(answer.text)")
        }
    }

    // MARK: Quotas

    @Test func operatorsSetQuotasAndPartnersReadTheirOwn() async throws {
        let f = try fixture()
        defer { f.base.cleanUp() }
        let partner = f.partners[0]
        let read = try json(await call(f, "GET", "/v1/partners/\(partner)/quotas", token: f.live[0]).text)
        #expect(read["day"] == "2026-11-29")
        guard case .object(let quotas)? = read["quotas"] else { throw Failure("no quotas") }
        #expect(quotas["sms"] == ["per_day": 2000, "source": "default", "used_today": 0])
        #expect(quotas["vk"] == ["per_day": .nil, "source": "none", "used_today": 0])

        #expect(await call(f, "GET", "/v1/partners/\(f.partners[1])/quotas", token: f.live[0]).status == 404)
        #expect(await call(f, "PUT", "/v1/partners/\(partner)/quotas", token: f.live[0], body: #"{"sms": 5}"#).status == 403)
        #expect(await call(f, "PUT", "/v1/partners/prt_nobody/quotas", token: f.operatorToken, body: #"{"sms": 5}"#).status == 404)
        #expect(await call(f, "PUT", "/v1/partners/\(partner)/quotas", token: f.operatorToken, body: #"{"fax": 5}"#).status == 422)
        #expect(await call(f, "PUT", "/v1/partners/\(partner)/quotas", token: f.operatorToken, body: #"{"sms": -1}"#).status == 422)
        #expect(await call(f, "PUT", "/v1/partners/\(partner)/quotas", token: f.operatorToken, body: #"{"sms": "5"}"#).status == 422)

        let set = try json(await call(f, "PUT", "/v1/partners/\(partner)/quotas", token: f.operatorToken, body: #"{"sms": 5, "vk": 100}"#).text)
        guard case .object(let raised)? = set["quotas"] else { throw Failure("no quotas") }
        #expect(raised["sms"] == ["per_day": 5, "source": "partner", "used_today": 0])
        #expect(raised["vk"] == ["per_day": 100, "source": "partner", "used_today": 0])
        // The other partner keeps the defaults; null puts one back.
        let other = try json(await call(f, "GET", "/v1/partners/\(f.partners[1])/quotas", token: f.operatorToken).text)
        guard case .object(let otherQuotas)? = other["quotas"] else { throw Failure("no quotas") }
        #expect(otherQuotas["sms"] == ["per_day": 2000, "source": "default", "used_today": 0])
        let reset = try json(await call(f, "PUT", "/v1/partners/\(partner)/quotas", token: f.operatorToken, body: #"{"sms": null}"#).text)
        guard case .object(let back)? = reset["quotas"] else { throw Failure("no quotas") }
        #expect(back["sms"] == ["per_day": 2000, "source": "default", "used_today": 0])
        #expect(back["vk"] == ["per_day": 100, "source": "partner", "used_today": 0])
    }
}

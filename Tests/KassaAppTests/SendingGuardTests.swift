@testable import Channels
import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

/// What the dispatcher holds back before a provider is called: suppressed addresses (by each reason
/// and scope, and hard bounces it learns from providers), quiet hours for reminders by SMS and
/// Viber, partners' daily quotas and recipients' caps; and the unsubscribe link that only
/// non-transactional e-mail carries. A clock moved by hand, scripted adapters.
@Suite struct SendingGuardTests {
    typealias ScriptedAdapter = OutboxDispatcherTests.ScriptedAdapter

    /// 2026-11-29 09:15 Moscow time (06:15 UTC).
    static let morning = Date(timeIntervalSince1970: 1_795_932_900)
    /// 2026-11-29 22:00 Moscow time (19:00 UTC).
    static let night = Date(timeIntervalSince1970: 1_795_978_800)
    /// 2026-11-30 09:00 Moscow time, when quiet hours end.
    static let nextMorning = Date(timeIntervalSince1970: 1_796_018_400)

    static let links = UnsubscribeLinks(baseURL: "https://kassa.example", key: Array(repeating: 9, count: 32))

    struct Fixture {
        let store: SQLiteStore
        let clock: ManualWallClock
        let router: Router
        let operatorToken: String
        let partners: [String]
        let dir: URL

        func cleanUp() { try? FileManager.default.removeItem(at: dir) }
    }

    static func fixture(at start: Date = morning, links: UnsubscribeLinks = links) throws -> Fixture {
        let dir = try temporaryDirectory()
        let clock = ManualWallClock(start)
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        var partners: [String] = []
        for name in ["ООО «Кадастр-Онлайн»", "ИП Петров"] {
            let (partner, _, _) = try store.createPartner(name: name)
            for host in LinkHosts.hosts(inSamplesOf: EventCatalog.all) { try store.addLinkHost(host, partnerID: partner.id) }
            partners.append(partner.id)
        }
        let (_, op) = try store.createOperator(name: "ops")
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library(), clock: clock, unsubscribe: links)
        return Fixture(store: store, clock: clock, router: router, operatorToken: op.secret, partners: partners, dir: dir)
    }

    /// Posts the sample of `type` as a live event of `partner` with these contacts; returns the notification ids.
    @discardableResult
    static func post(_ f: Fixture, _ type: String, partner: Int = 0, contacts: String) async throws -> [String] {
        let event = try #require(EventCatalog.named(type))
        let id = "ev-\(UUID().uuidString)"
        let body = #"{"id": "\#(id)", "type": "\#(type)", "partner_id": "\#(f.partners[partner])", "order_id": "KO-1", "data": \#(event.sample.jsonString), "contacts": \#(contacts)}"#
        let response = await f.router.respond(to: HTTPRequest(method: "POST", uri: "/v1/events", headers: [("Authorization", "Bearer " + f.operatorToken)],
                                                              body: Array(body.utf8)))
        #expect(response.status == 202, "\(String(decoding: response.body, as: UTF8.self))")
        guard case .object(let answer) = try Value(jsonBytes: response.body), case .array(let list)? = answer["notifications"] else { return [] }
        return list.compactMap { if case .object(let n) = $0 { return n["id"]?.stringValue } else { return nil } }
    }

    static func view(_ f: Fixture, _ id: String, partner: Int = 0) throws -> NotificationView {
        try #require(try f.store.notification(id: id, partnerID: f.partners[partner]))
    }

    static func outcomes(_ view: NotificationView) -> [String] {
        view.attempts.map { "\($0.channel.rawValue):\($0.outcome)" }
    }

    static func email(_ message: OutboundMessage?) -> EmailMessage? {
        if case .email(let email)? = message?.content { return email } else { return nil }
    }

    // MARK: Suppression

    @Test func aGlobalHardBounceStopsEveryPartnerWithoutCallingTheProvider() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        _ = try f.store.addSuppression(NewSuppression(partnerID: nil, channel: .email, address: "anna@example.ru", reason: .hardBounce,
                                                      source: "provider"), now: f.clock.now())
        let email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock)
        // The address as the payer typed it, in another case: the list matches it all the same.
        let id = try #require(try await Self.post(f, "order.paid", partner: 1, contacts: #"{"email": "Anna@Example.ru"}"#).first)
        #expect(await dispatcher.runOnce() == 1)
        let seen = try Self.view(f, id, partner: 1)
        #expect(Self.outcomes(seen) == ["email:suppressed"])
        #expect(seen.status == "failed")
        #expect(seen.attempts.first?.detail?.contains("получателя не существует") == true)
        #expect(seen.attempts.first?.detail?.contains("hard bounce") == true)
        #expect(email.sent.isEmpty)
    }

    @Test func anUnsubscribeStopsThatPartnersRemindersButNotOrderPaidNorAnotherPartner() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        _ = try f.store.addSuppression(NewSuppression(partnerID: f.partners[0], channel: .email, address: "anna@example.ru", reason: .unsubscribe,
                                                      source: "one_click"), now: f.clock.now())
        let email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock)
        let contacts = #"{"email": "anna@example.ru"}"#
        let reminder = try #require(try await Self.post(f, "order.reminder", contacts: contacts).first)
        let paid = try #require(try await Self.post(f, "order.paid", contacts: contacts).first)
        let otherReminder = try #require(try await Self.post(f, "order.reminder", partner: 1, contacts: contacts).first)
        #expect(await dispatcher.runOnce() == 3)
        #expect(Self.outcomes(try Self.view(f, reminder)) == ["email:suppressed"])
        #expect(try Self.view(f, reminder).attempts.first?.detail?.contains("отписался") == true)
        #expect(Self.outcomes(try Self.view(f, paid)) == ["email:accepted"])
        #expect(Self.outcomes(try Self.view(f, otherReminder, partner: 1)) == ["email:accepted"])
        #expect(email.sent.count == 2)
    }

    @Test func aComplaintStopsThatPartnersMessagesAndTheCascadeMovesOn() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        _ = try f.store.addSuppression(NewSuppression(partnerID: f.partners[0], channel: .viber, address: "79991234567", reason: .complaint,
                                                      source: "operator:opr_1"), now: f.clock.now())
        let viber = ScriptedAdapter(.viber), sms = ScriptedAdapter(.sms)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.viber: viber, .sms: sms]), clock: f.clock)
        let contacts = #"{"phone": "+7 999 123-45-67", "viber": "+79991234567"}"#
        let paid = try #require(try await Self.post(f, "order.paid", contacts: contacts).first)
        let other = try #require(try await Self.post(f, "order.paid", partner: 1, contacts: contacts).first)
        #expect(await dispatcher.runOnce() == 2)
        // Transactional or not, the complained-of partner's Viber message does not go; SMS takes over.
        #expect(Self.outcomes(try Self.view(f, paid)) == ["viber:suppressed", "sms:accepted"])
        #expect(Self.outcomes(try Self.view(f, other, partner: 1)) == ["viber:accepted"])
        #expect(viber.sent.count == 1 && sms.sent.count == 1)
    }

    @Test func anEntryAddedAfterAcceptanceStillCounts() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        let email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock)
        let id = try #require(try await Self.post(f, "order.paid", contacts: #"{"email": "anna@example.ru"}"#).first)
        _ = try f.store.addSuppression(NewSuppression(partnerID: nil, channel: .email, address: "anna@example.ru", reason: .manual,
                                                      source: "operator:opr_1"), now: f.clock.now())
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, id)) == ["email:suppressed"])
        #expect(email.sent.isEmpty)
    }

    @Test func anSMTPNoSuchUserPutsTheAddressOnTheListForEveryPartner() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        // The failure exactly as the SMTP transport makes it from the server's RCPT answer.
        let bounce = try #require(SMTPReply.lastFailure(in: ["550 5.1.1 <ghost@example.ru>: Recipient address rejected: User unknown"])).failure
        let spam = try #require(SMTPReply.lastFailure(in: ["550 5.7.1 Message rejected as spam"])).failure
        let email = ScriptedAdapter(.email, [bounce, spam])
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock)
        let first = try #require(try await Self.post(f, "order.paid", contacts: #"{"email": "Ghost@example.ru"}"#).first)
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, first)) == ["email:failed"])
        #expect(try Self.view(f, first).attempts.first?.providerCode == "550 5.1.1")
        let entries = try f.store.suppressions(SuppressionFilter())
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.partnerID == nil && entry.channel == .email && entry.address == "ghost@example.ru")
        #expect(entry.reason == .hardBounce && entry.scope == .all && entry.source == "provider")
        #expect(entry.detail?.contains("550 5.1.1") == true)

        // Another partner's message to the address is not even tried.
        let second = try #require(try await Self.post(f, "order.reminder", partner: 1, contacts: #"{"email": "ghost@example.ru"}"#).first)
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, second, partner: 1)) == ["email:suppressed"])
        #expect(email.sent.count == 1)

        // A spam refusal is permanent too, but the address exists: it is not listed.
        let third = try #require(try await Self.post(f, "order.paid", contacts: #"{"email": "boris@example.ru"}"#).first)
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, third)) == ["email:failed"])
        #expect(try f.store.suppressions(SuppressionFilter()).count == 1)
    }

    @Test func aSandboxBounceListsNothing() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        let bounce = DeliveryFailure(.permanent, code: "550 5.1.1", reason: "User unknown", recipientUnknown: true)
        let sandbox = ChannelSet(adapters: [.email: ScriptedAdapter(.email, [bounce])])
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(), sandbox: sandbox, clock: f.clock)
        let (partner, _, token) = try f.store.createPartner(name: "S")
        for host in LinkHosts.hosts(inSamplesOf: EventCatalog.all) { try f.store.addLinkHost(host, partnerID: partner.id) }
        let event = try #require(EventCatalog.named("order.paid"))
        let body = #"{"id": "sb-1", "type": "order.paid", "order_id": "KO-1", "data": \#(event.sample.jsonString), "contacts": {"email": "ghost@example.ru"}}"#
        let response = await f.router.respond(to: HTTPRequest(method: "POST", uri: "/v1/events", headers: [("Authorization", "Bearer " + token.secret)],
                                                              body: Array(body.utf8)))
        #expect(response.status == 202)
        #expect(await dispatcher.runOnce() == 1)
        #expect(try f.store.suppressions(SuppressionFilter()).isEmpty)
    }

    // MARK: Unsubscribe links in e-mail

    @Test func onlyNonTransactionalEmailCarriesTheUnsubscribeLinkAndHeaders() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        let email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock, unsubscribe: Self.links)
        let reminderID = try #require(try await Self.post(f, "order.reminder", contacts: #"{"email": "Anna@example.ru"}"#).first)
        #expect(await dispatcher.runOnce() == 1)
        try await Self.post(f, "order.paid", contacts: #"{"email": "Anna@example.ru"}"#)
        #expect(await dispatcher.runOnce() == 1)
        let reminder = try #require(Self.email(email.sent.first))
        let paid = try #require(Self.email(email.sent.last))

        let unsubscribe = try #require(reminder.listUnsubscribe)
        let url = try #require(unsubscribe.url)
        #expect(url.hasPrefix("https://kassa.example/u/"))
        #expect(unsubscribe.oneClick)
        #expect(Self.links.verify(String(url.dropFirst("https://kassa.example/u/".count)))
                == .valid(.init(partnerID: f.partners[0], channel: .email, address: "anna@example.ru")))
        #expect(reminder.text.hasSuffix("Не хотите получать напоминания? Отписаться: \(url)"))
        // The history shows the message as sent, the line included.
        #expect(try Self.view(f, reminderID).messages.first?.text == reminder.text)
        #expect(try Self.view(f, reminderID).messages.first?.html == reminder.html)
        let html = try #require(reminder.html)
        #expect(html.contains("<a href=\"\(url)\""))
        // The line comes after the attribution, inside the body.
        let attribution = try #require(html.range(of: "АПИКАССА"))
        let line = try #require(html.range(of: "Отписаться</a>"))
        #expect(attribution.upperBound < line.lowerBound)
        #expect(html.range(of: "</body>", options: .caseInsensitive).map { line.upperBound < $0.lowerBound } ?? true)

        // The headers as written: one line each, and signed when DKIM signs.
        let bytes = try MIMEWriter.render(reminder)
        let head = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        #expect(head.contains("\r\nList-Unsubscribe: <\(url)>\r\n"))
        #expect(head.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(head.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 998 })

        #expect(paid.listUnsubscribe == nil)
        #expect(!paid.text.contains("Отписаться"))
        #expect(paid.html?.contains("Отписаться") == false)
    }

    @Test func withAPlainHTTPPublicURLTheLinkStaysButTheOneClickHeadersDoNot() async throws {
        let links = UnsubscribeLinks(baseURL: "http://127.0.0.1:8080", key: Array(repeating: 9, count: 32))
        let f = try Self.fixture(links: links)
        defer { f.cleanUp() }
        let email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock, unsubscribe: links)
        try await Self.post(f, "order.reminder", contacts: #"{"email": "anna@example.ru"}"#)
        #expect(await dispatcher.runOnce() == 1)
        let reminder = try #require(Self.email(email.sent.first))
        #expect(reminder.listUnsubscribe == nil)
        #expect(reminder.text.contains("Отписаться: http://127.0.0.1:8080/u/"))
    }

    // MARK: Quiet hours

    @Test func aReminderSMSAtTenAtNightWaitsUntilNineInTheMorning() async throws {
        let f = try Self.fixture(at: Self.night)
        defer { f.cleanUp() }
        let sms = ScriptedAdapter(.sms), email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.sms: sms, .email: email]), clock: f.clock)
        let ids = try await Self.post(f, "order.reminder", contacts: #"{"phone": "+79991234567", "email": "anna@example.ru"}"#)
        #expect(ids.count == 2)
        let paid = try #require(try await Self.post(f, "order.paid", contacts: #"{"phone": "+79991234567"}"#).first)
        #expect(await dispatcher.runOnce() == 3)
        let reminderSMS = try #require(try ids.first { try Self.view(f, $0).messages.first?.channel == .sms })
        let reminderEmail = try #require(ids.first { $0 != reminderSMS })
        // E-mail and transactional messages are not held.
        #expect(Self.outcomes(try Self.view(f, reminderEmail)) == ["email:accepted"])
        #expect(Self.outcomes(try Self.view(f, paid)) == ["sms:accepted"])
        // The reminder SMS is deferred, visibly, to 09:00 Moscow time.
        var held = try Self.view(f, reminderSMS)
        #expect(Self.outcomes(held) == ["sms:deferred"])
        #expect(held.status == "queued")
        #expect(held.attempts.first?.detail == "Тихие часы (21:00-09:00 по Москве): отправка в 09:00 30.11.2026 / quiet hours (21:00-09:00 Moscow time): sending at 2026-11-30T06:00:00.000Z")
        #expect(sms.sent.count == 1)

        #expect(await dispatcher.runOnce() == 0)
        f.clock.advance(by: Self.nextMorning.timeIntervalSince(Self.night) - 60)
        #expect(await dispatcher.runOnce() == 0)
        f.clock.advance(by: 60)
        #expect(await dispatcher.runOnce() == 1)
        held = try Self.view(f, reminderSMS)
        #expect(Self.outcomes(held) == ["sms:deferred", "sms:accepted"])
        #expect(held.status == "accepted")
        #expect(sms.sent.count == 2)
    }

    @Test func viberNotConfirmedAtNightKeepsWaitingSoALateReportStillCountsAndNoSMSGoesAtNight() async throws {
        // 20:55 Moscow time: Viber goes, and its 10 minutes run out at 21:05, inside quiet hours.
        let f = try Self.fixture(at: Self.night.addingTimeInterval(-65 * 60))
        defer { f.cleanUp() }
        let viber = ScriptedAdapter(.viber), sms = ScriptedAdapter(.sms)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.viber: viber, .sms: sms]), clock: f.clock)
        let contacts = #"{"phone": "+79991234567", "viber": "+79991234567"}"#
        let reported = try #require(try await Self.post(f, "order.reminder", contacts: contacts).first)
        let silent = try #require(try await Self.post(f, "order.reminder", partner: 1, contacts: contacts).first)
        #expect(await dispatcher.runOnce() == 2)
        #expect(try Self.view(f, reported).status == "awaiting_delivery")

        f.clock.advance(by: 11 * 60)
        #expect(await dispatcher.runOnce() == 2)
        #expect(try Self.view(f, silent, partner: 1).status == "awaiting_delivery")
        #expect(sms.sent.isEmpty)
        // Nothing is due again before 09:00.
        f.clock.advance(by: 3600)
        #expect(await dispatcher.runOnce() == 0)

        // The report comes at 22:06: the first is delivered, and no SMS follows it.
        let reportedID = try #require(try Self.view(f, reported).attempts.first?.providerMessageID)
        try await dispatcher.apply(DeliveryReport(providerMessageID: reportedID, status: .delivered), on: .viber)
        #expect(try Self.view(f, reported).status == "delivered")

        f.clock.advance(by: Self.nextMorning.timeIntervalSince(f.clock.now()))
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, silent, partner: 1)) == ["viber:accepted", "sms:accepted"])
        #expect(sms.sent.count == 1)
    }

    @Test func aReminderFallingBackToSMSAtNightIsDeferredToo() async throws {
        let f = try Self.fixture(at: Self.night)
        defer { f.cleanUp() }
        let vk = ScriptedAdapter(.vk, [DeliveryFailure(.permanent, code: "901", reason: "messages not allowed")]), sms = ScriptedAdapter(.sms)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.vk: vk, .sms: sms]), clock: f.clock)
        let id = try #require(try await Self.post(f, "order.reminder", contacts: #"{"vk": "42", "phone": "+79991234567"}"#).first)
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, id)) == ["vk:failed", "sms:deferred"])
        f.clock.advance(by: Self.nextMorning.timeIntervalSince(Self.night))
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, id)) == ["vk:failed", "sms:deferred", "sms:accepted"])
    }

    // MARK: Quotas and caps

    @Test func aPartnersDailyQuotaMovesTheCascadeOnAndANewDayResetsIt() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        let viber = ScriptedAdapter(.viber), sms = ScriptedAdapter(.sms)
        let metrics = Metrics()
        var policy = SendingPolicy()
        policy.partnerDaily[.viber] = 2
        policy.recipientHourly = [:]
        policy.recipientDaily = [:]
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.viber: viber, .sms: sms]), clock: f.clock,
                                          metrics: metrics, policy: policy)
        let contacts = #"{"phone": "+79991234567", "viber": "+79991234567"}"#
        var ids: [String] = []
        for _ in 0..<3 {
            ids += try await Self.post(f, "order.paid", contacts: contacts)
            #expect(await dispatcher.runOnce() == 1)
        }
        #expect(Self.outcomes(try Self.view(f, ids[0])) == ["viber:accepted"])
        #expect(Self.outcomes(try Self.view(f, ids[2])) == ["viber:quota_exceeded", "sms:accepted"])
        #expect(try Self.view(f, ids[2]).attempts.first?.detail?.contains("квота") == true)
        #expect(viber.sent.count == 2)
        #expect(metrics.exposition.contains(#"kassa_sends_total{channel="viber",outcome="quota_exceeded"} 1"#))
        // The other partner has its own quota.
        let other = try #require(try await Self.post(f, "order.paid", partner: 1, contacts: contacts).first)
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, other, partner: 1)) == ["viber:accepted"])

        // An operator raises this partner's quota: one more goes today.
        try f.store.setPartnerQuotas(partnerID: f.partners[0], [.viber: 3], now: f.clock.now())
        let raised = try #require(try await Self.post(f, "order.paid", contacts: contacts).first)
        #expect(await dispatcher.runOnce() == 1)
        #expect(Self.outcomes(try Self.view(f, raised)) == ["viber:accepted"])

        // Past Moscow midnight the count starts again (20:59 UTC is 23:59 in Moscow).
        f.clock.advance(by: 14 * 3600 + 44 * 60)
        let late = try #require(try await Self.post(f, "order.paid", contacts: contacts).first)
        _ = await dispatcher.runOnce()
        #expect(Self.outcomes(try Self.view(f, late)).first == "viber:quota_exceeded")
        f.clock.advance(by: 60)
        let tomorrow = try #require(try await Self.post(f, "order.paid", contacts: contacts).first)
        _ = await dispatcher.runOnce()
        #expect(Self.outcomes(try Self.view(f, tomorrow)) == ["viber:accepted"])
    }

    @Test func aRecipientsHourlyAndDailyCapsHoldAcrossPartners() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        let sms = ScriptedAdapter(.sms)
        var policy = SendingPolicy()
        policy.recipientHourly = [.sms: 2]
        policy.recipientDaily = [.sms: 3]
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.sms: sms]), clock: f.clock, policy: policy)
        let contacts = #"{"phone": "+79991234567"}"#
        func send(partner: Int) async throws -> [String] {
            let id = try #require(try await Self.post(f, "order.paid", partner: partner, contacts: contacts).first)
            _ = await dispatcher.runOnce()
            return Self.outcomes(try Self.view(f, id, partner: partner))
        }
        #expect(try await send(partner: 0) == ["sms:accepted"])
        #expect(try await send(partner: 1) == ["sms:accepted"])
        // A third within the hour, whoever sends it, is refused: the last channel, so it fails.
        #expect(try await send(partner: 0) == ["sms:recipient_cap"])
        // Another number is not affected.
        let other = try #require(try await Self.post(f, "order.paid", contacts: #"{"phone": "+79990001122"}"#).first)
        _ = await dispatcher.runOnce()
        #expect(Self.outcomes(try Self.view(f, other)) == ["sms:accepted"])
        f.clock.advance(by: 3600)
        #expect(try await send(partner: 1) == ["sms:accepted"])
        f.clock.advance(by: 3600)
        // The day's three are used up, whatever the hour.
        #expect(try await send(partner: 1) == ["sms:recipient_cap"])
        #expect(sms.sent.count == 4)
        // A refused send used nothing up: the partner's counter holds only what went.
        let day = SendingPolicy.dayPeriod(SendingPolicy.moscowDay(of: f.clock.now()).name)
        #expect(try f.store.sends(key: SendingPolicy.partnerCounterKey(partnerID: f.partners[0], channel: .sms, sandbox: false), period: day) == 2)
    }

    @Test func countersAreCountedBelowTheirLimitAndOldOnesArePruned() async throws {
        let f = try Self.fixture()
        defer { f.cleanUp() }
        let now = f.clock.now()
        let notification = try #require(try await Self.post(f, "order.paid", contacts: #"{"email": "anna@example.ru"}"#).first)
        func count(_ counters: [SendCounter]) async throws -> SendCounter? {
            try await f.store.startAttempt(notificationID: notification, channel: .email, number: 1, at: now, unless: nil, counting: counters).full
        }
        let a = SendCounter(kind: .partnerDaily, key: "a", period: "d:1", periodStart: now, limit: 2)
        let b = SendCounter(kind: .recipientHourly, key: "b", period: "h:1", periodStart: now.addingTimeInterval(-3 * 86400), limit: 1)
        #expect(try await count([a, b]) == nil)
        // b is full: a is not counted either, and the attempt is still recorded.
        #expect(try await count([a, b]) == b)
        #expect(try f.store.sends(key: "a", period: "d:1") == 1)
        #expect(try Self.view(f, notification).attempts.count == 2)
        #expect(try await count([SendCounter(kind: .partnerDaily, key: "z", period: "d:1", periodStart: now, limit: 0)]) != nil)
        // A suppressed address is found in the attempt's transaction, and then nothing is counted.
        _ = try f.store.addSuppression(NewSuppression(partnerID: nil, channel: .email, address: "anna@example.ru", reason: .complaint,
                                                      source: "test", detail: nil), now: now)
        let query = SuppressionQuery(partnerID: f.partners[0], channel: .email, address: "anna@example.ru", transactional: true)
        let held = try await f.store.startAttempt(notificationID: notification, channel: .email, number: 2, at: now, unless: query, counting: [a])
        #expect(held.suppressed?.reason == .complaint)
        #expect(held.full == nil)
        #expect(try f.store.sends(key: "a", period: "d:1") == 1)
        let other = SuppressionQuery(partnerID: f.partners[0], channel: .email, address: "boris@example.ru", transactional: true)
        #expect(try await f.store.startAttempt(notificationID: notification, channel: .email, number: 3, at: now, unless: other, counting: [a]).suppressed == nil)
        #expect(try f.store.sends(key: "a", period: "d:1") == 2)
        #expect(try f.store.pruneSendCounters(before: now.addingTimeInterval(-2 * 86400)) == 1)
        #expect(try f.store.sends(key: "b", period: "h:1") == 0)
        #expect(try f.store.sends(key: "a", period: "d:1") == 2)
    }

    @Test func sandboxSendsAreCountedApartFromLiveOnes() {
        let policy = SendingPolicy()
        let live = policy.counters(partnerID: "prt_1", channel: .sms, address: "79991234567", sandbox: false, partnerDaily: 10, now: Self.morning)
        let sandbox = policy.counters(partnerID: "prt_1", channel: .sms, address: "79991234567", sandbox: true, partnerDaily: 10, now: Self.morning)
        #expect(live.map(\.key) == ["partner:prt_1:sms", "recipient:sms:79991234567", "recipient:sms:79991234567"])
        #expect(live.map(\.period) == ["d:2026-11-29", "h:2026-11-29T06", "d:2026-11-29"])
        #expect(sandbox.map(\.key) == ["sandbox:prt_1:partner:prt_1:sms", "sandbox:prt_1:recipient:sms:79991234567", "sandbox:prt_1:recipient:sms:79991234567"])
        #expect(policy.counters(partnerID: "prt_1", channel: .email, address: "a@b.ru", sandbox: false, partnerDaily: nil, now: Self.morning).isEmpty)
    }
}

import Channels
import CSQLite
import Foundation
import Synchronization
import Testing
import TemplateEngine
@testable import KassaApp

/// The dispatcher with scripted adapters and a clock moved by hand: retries wait their backoff,
/// a permanent failure hands over to the next channel, a lease left by a crash comes back, and a
/// delivery report finishes a notification that was waiting for one.
@Suite struct OutboxDispatcherTests {
    /// An adapter that answers from a script (then accepts) and records what it was given.
    final class ScriptedAdapter: ChannelAdapter {
        let channel: ChannelKind
        private let state: Mutex<(script: [DeliveryFailure?], sent: [OutboundMessage])>

        init(_ channel: ChannelKind, _ script: [DeliveryFailure?] = []) {
            self.channel = channel
            state = Mutex((script, []))
        }

        var sent: [OutboundMessage] { state.withLock { $0.sent } }

        func send(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt {
            // The id is taken under the lock: two sends at once must not get the same one.
            let (failure, number) = state.withLock { s -> (DeliveryFailure?, Int) in
                s.sent.append(message)
                return (s.script.isEmpty ? nil : s.script.removeFirst(), s.sent.count)
            }
            if let failure { throw failure }
            return SendReceipt(providerMessageID: "\(channel.rawValue)-\(number)", status: .accepted)
        }
    }

    struct Fixture {
        let store: SQLiteStore
        let clock: ManualWallClock
        let router: Router
        let operatorToken: String
        let partnerID: String
        let dir: URL
    }

    private func fixture() throws -> Fixture {
        let dir = try temporaryDirectory()
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_932_900))
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        let (partner, _, _) = try store.createPartner(name: "P")
        for host in LinkHosts.hosts(inSamplesOf: EventCatalog.all) { try store.addLinkHost(host, partnerID: partner.id) }
        let (_, op) = try store.createOperator(name: "ops")
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library(), clock: clock)
        return Fixture(store: store, clock: clock, router: router, operatorToken: op.secret, partnerID: partner.id, dir: dir)
    }

    /// Posts order.paid's sample as a live event (an operator's) with these contacts.
    private func post(_ f: Fixture, id: String, contacts: String) async throws -> [String] {
        let event = try #require(EventCatalog.named("order.paid"))
        let body = #"{"id": "\#(id)", "type": "order.paid", "partner_id": "\#(f.partnerID)", "order_id": "KO-1", "data": \#(event.sample.jsonString), "contacts": \#(contacts)}"#
        let response = await f.router.respond(to: HTTPRequest(method: "POST", uri: "/v1/events", headers: [("Authorization", "Bearer " + f.operatorToken)],
                                                              body: Array(body.utf8)))
        #expect(response.status == 202, "\(String(decoding: response.body, as: UTF8.self))")
        guard case .object(let answer) = try Value(jsonBytes: response.body), case .array(let list)? = answer["notifications"] else { return [] }
        return list.compactMap { if case .object(let n) = $0 { return n["id"]?.stringValue } else { return nil } }
    }

    private func view(_ f: Fixture, _ id: String) throws -> NotificationView {
        try #require(try f.store.notification(id: id, partnerID: f.partnerID))
    }

    /// A batch of claimed notifications is read in one go: in the order asked for, each with its
    /// own messages in cascade order, and one that is gone left out.
    @Test func recordsAreReadTogetherInTheOrderAskedFor() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let first = try await post(f, id: "r1", contacts: #"{"email": "anna@example.ru", "phone": "+79991234567", "viber": "+79991234567"}"#)
        let second = try await post(f, id: "r2", contacts: #"{"email": "oleg@example.ru"}"#)
        let ids = [second[0], "ntf_gone", first[1], first[0]]
        let records = try f.store.dispatchRecords(ids: ids)
        #expect(records.map(\.id) == [second[0], first[1], first[0]])
        #expect(records.map { $0.messages.map(\.channel) } == [[.email], [.viber, .sms], [.email]])
        #expect(records[0].messages.first?.recipient == "oleg@example.ru")
        #expect(try f.store.dispatchRecord(id: first[1])?.messages.map(\.channel) == [.viber, .sms])
        #expect(try f.store.dispatchRecords(ids: []).isEmpty)
    }

    @Test func aRetryableFailureWaitsItsBackoffThenSucceeds() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let email = ScriptedAdapter(.email, [DeliveryFailure(.retryable(after: nil), code: "451 4.3.0", reason: "try later")])
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock, random: { 0 })
        let id = try #require(try await post(f, id: "e1", contacts: #"{"email": "anna@example.ru"}"#).first)

        #expect(await dispatcher.runOnce() == 1)
        var seen = try view(f, id)
        #expect(seen.status == "retrying")
        #expect(seen.attempts.map(\.outcome) == ["failed"])
        #expect(seen.attempts.first?.providerCode == "451 4.3.0")
        // Not due yet: nothing is claimed until the backoff has passed.
        #expect(await dispatcher.runOnce() == 0)
        f.clock.advance(by: 60)
        #expect(await dispatcher.runOnce() == 1)
        seen = try view(f, id)
        #expect(seen.status == "accepted")
        #expect(seen.attempts.map(\.outcome) == ["failed", "accepted"])
        #expect(try f.store.outboxDepth() == 0)
        // Both tries carried the same Message-ID, derived from the notification.
        let ids = email.sent.compactMap { message -> String? in
            if case .email(let e) = message.content { return e.messageID } else { return nil }
        }
        #expect(ids.count == 2 && Set(ids).count == 1)
        #expect(ids.first?.hasPrefix("<\(id).email@") == true)
    }

    @Test func aPermanentFailureHandsOverToTheNextChannelAtOnce() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let viber = ScriptedAdapter(.viber, [DeliveryFailure(.permanent, code: "not-viber-user", reason: "not a Viber user")])
        let sms = ScriptedAdapter(.sms)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.viber: viber, .sms: sms]), clock: f.clock)
        let id = try #require(try await post(f, id: "e2", contacts: #"{"phone": "+79991234567", "viber": "+79991234567"}"#).first)
        #expect(await dispatcher.runOnce() == 1)
        let seen = try view(f, id)
        #expect(seen.attempts.map { "\($0.channel.rawValue):\($0.outcome)" } == ["viber:failed", "sms:accepted"])
        #expect(seen.status == "accepted")
        #expect(seen.channel == .sms)
        guard case .text(let recipient, let body)? = sms.sent.first?.content else {
            Issue.record("SMS got no text message")
            return
        }
        #expect(recipient == "79991234567")
        #expect(body.contains("АПИЕГРН/АПИКАССА"))
    }

    /// An adapter that refuses some recipients for good and accepts the others.
    final class RefusingAdapter: ChannelAdapter {
        let channel: ChannelKind
        let refused: Set<String>
        private let sent = Mutex<[String]>([])

        init(_ channel: ChannelKind, refusing refused: Set<String>) {
            self.channel = channel
            self.refused = refused
        }

        var recipients: [String] { sent.withLock { $0 } }

        func send(_ message: OutboundMessage) async throws(DeliveryFailure) -> SendReceipt {
            guard case .text(let recipient, _) = message.content else { throw DeliveryFailure(.permanent, reason: "not a text") }
            sent.withLock { $0.append(recipient) }
            if refused.contains(recipient) { throw DeliveryFailure(.permanent, code: "refused", reason: "refused") }
            return SendReceipt(providerMessageID: "\(channel.rawValue)-\(recipient)", status: .accepted)
        }
    }

    /// A claim's notifications are carried out together (their attempts recorded in one write,
    /// their outcomes in as few as finish together), and each one's fall-back follows in the next
    /// round: every history comes out as if each had been sent alone.
    @Test func aClaimOfManyIsCarriedOutTogetherWithEachFallBack() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let viber = RefusingAdapter(.viber, refusing: ["79990000001", "79990000003"])
        let sms = RefusingAdapter(.sms, refusing: ["79990000003"])
        let email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.viber: viber, .sms: sms, .email: email]), clock: f.clock)
        var ids: [String] = []
        for (n, contacts) in [#"{"phone": "+79990000001", "viber": "+79990000001"}"#, #"{"phone": "+79990000002", "viber": "+79990000002"}"#,
                              #"{"email": "anna@example.ru"}"#, #"{"vk": "42", "phone": "+79990000004"}"#,
                              #"{"phone": "+79990000003", "viber": "+79990000003"}"#].enumerated() {
            ids.append(try #require(try await post(f, id: "m\(n)", contacts: contacts).first))
        }
        #expect(await dispatcher.runOnce() == 5)
        let histories = try ids.map { id in try view(f, id).attempts.map { "\($0.channel.rawValue):\($0.outcome)" } }
        #expect(histories == [["viber:failed", "sms:accepted"], ["viber:accepted"], ["email:accepted"], ["vk:failed", "sms:accepted"],
                              ["viber:failed", "sms:failed"]])
        #expect(try ids.map { try view(f, $0).status } == ["accepted", "awaiting_delivery", "accepted", "accepted", "failed"])
        #expect(Set(sms.recipients) == ["79990000001", "79990000004", "79990000003"])
        #expect(email.sent.count == 1)
        // Only the one waiting for Viber's report stays in the outbox.
        #expect(try f.store.outboxDepth() == 1)
    }

    /// A step whose write fails (here its notification is gone, so the attempt's row breaks a
    /// foreign key) fails alone: the others of its write are written one by one, and the failure is
    /// logged.
    @Test func aStepThatCannotBeWrittenHoldsUpNoOther() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let email = ScriptedAdapter(.email)
        let lines = Mutex<[String]>([])
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock,
                                          log: { line in lines.withLock { $0.append(line) } })
        let ids = try await post(f, id: "w1", contacts: #"{"email": "anna@example.ru"}"#) + post(f, id: "w2", contacts: #"{"email": "oleg@example.ru"}"#)
        let records = try f.store.dispatchRecords(ids: ids)
        let gone = DispatchRecord(id: "ntf_gone", partnerID: f.partnerID, eventType: records[0].eventType, sandbox: false, createdAt: records[0].createdAt,
                                  cascade: records[0].cascade, nextAction: records[0].nextAction, messages: records[0].messages)
        await dispatcher.carryOut([records[0], gone, records[1]])
        #expect(try ids.map { try view(f, $0).attempts.map(\.outcome) } == [["accepted"], ["accepted"]])
        #expect(email.sent.count == 2)
        #expect(try f.store.outboxDepth() == 0)
        let logged = lines.withLock { $0 }
        #expect(logged.count == 1 && logged.allSatisfy { $0.contains("ntf_gone") && $0.contains("a notification step failed") })
    }

    /// The store, except that recording attempts fails with `failure`; the writes are counted.
    final class FailingStarts: NotificationStore, SuppressionStore {
        let store: SQLiteStore
        let failure: SQLiteError
        let writes = Mutex(0)

        init(_ store: SQLiteStore, failure: SQLiteError) {
            self.store = store
            self.failure = failure
        }

        func startAttempts(_ requests: [AttemptRequest]) async throws -> [AttemptStart] {
            writes.withLock { $0 += 1 }
            throw failure
        }

        func finishSteps(_ steps: [FinishedStep]) async throws -> Bool { try await store.finishSteps(steps) }
        func linkHosts(partnerID: String) throws -> [String] { try store.linkHosts(partnerID: partnerID) }
        func addLinkHost(_ host: String, partnerID: String) throws { try store.addLinkHost(host, partnerID: partnerID) }
        func removeLinkHost(_ host: String, partnerID: String) throws -> Bool { try store.removeLinkHost(host, partnerID: partnerID) }
        func acceptedEvent(id: String, partnerID: String) throws -> (hash: [UInt8], answer: String)? { try store.acceptedEvent(id: id, partnerID: partnerID) }
        func accept(_ event: EventSubmission, hash: [UInt8], body: String, answer: String, notifications: [PlannedNotification],
                    idempotency: IdempotentRequest?, now: Date) async throws -> (answer: String, repeated: Bool, webhooksQueued: Bool) {
            try await store.accept(event, hash: hash, body: body, answer: answer, notifications: notifications, idempotency: idempotency, now: now)
        }
        func claimDue(now: Date, leaseUntil: Date, limit: Int, owner: String) async throws -> [String] {
            try await store.claimDue(now: now, leaseUntil: leaseUntil, limit: limit, owner: owner)
        }
        func releaseLeases(owner: String) throws -> Int { try store.releaseLeases(owner: owner) }
        func dispatchRecord(id: String) throws -> DispatchRecord? { try store.dispatchRecord(id: id) }
        func dispatchRecords(ids: [String]) throws -> [DispatchRecord] { try store.dispatchRecords(ids: ids) }
        func recordReport(_ report: DeliveryReport, channel: ChannelKind, now: Date) throws { try store.recordReport(report, channel: channel, now: now) }
        func notificationID(channel: ChannelKind, providerMessageID: String) throws -> String? {
            try store.notificationID(channel: channel, providerMessageID: providerMessageID)
        }
        func outboxDepth() throws -> Int { try store.outboxDepth() }
        func notifications(partnerID: String, orderID: String) throws -> [NotificationView] { try store.notifications(partnerID: partnerID, orderID: orderID) }
        func notification(id: String, partnerID: String) throws -> NotificationView? { try store.notification(id: id, partnerID: partnerID) }
        func addSuppression(_ entry: NewSuppression, now: Date) throws -> (entry: SuppressionEntry, created: Bool) { try store.addSuppression(entry, now: now) }
        func suppressions(_ filter: SuppressionFilter) throws -> [SuppressionEntry] { try store.suppressions(filter) }
        func suppression(id: String) throws -> SuppressionEntry? { try store.suppression(id: id) }
        func deleteSuppression(id: String) throws -> Bool { try store.deleteSuppression(id: id) }
        func partnerQuotas(partnerID: String) throws -> [ChannelKind: Int] { try store.partnerQuotas(partnerID: partnerID) }
        func setPartnerQuotas(partnerID: String, _ changes: [ChannelKind: Int?], now: Date) throws {
            try store.setPartnerQuotas(partnerID: partnerID, changes, now: now)
        }
        func sends(key: String, period: String) throws -> Int { try store.sends(key: key, period: period) }
        func pruneSendCounters(before date: Date) throws -> Int { try store.pruneSendCounters(before: date) }
    }

    /// A shared write that fails for what one step holds (a constraint) is tried again step by
    /// step; one that fails for the database itself (locked, here) is not: each step alone would
    /// wait out the same lock. Either way every step is logged, nothing is sent, and each comes
    /// back when its lease ends.
    @Test func onlyAStepsOwnFailureIsTriedAgainStepByStep() async throws {
        for (code, writes) in [(SQLITE_CONSTRAINT, 4), (SQLITE_BUSY, 1)] {
            let f = try fixture()
            defer { try? FileManager.default.removeItem(at: f.dir) }
            let store = FailingStarts(f.store, failure: SQLiteError(code: code, message: "failed", sql: nil))
            let lines = Mutex<[String]>([])
            let dispatcher = OutboxDispatcher(store: store, live: ChannelSet(adapters: [.email: ScriptedAdapter(.email)]), clock: f.clock,
                                              log: { line in lines.withLock { $0.append(line) } })
            var ids: [String] = []
            for n in 0..<3 { ids += try await post(f, id: "f\(n)", contacts: #"{"email": "anna@example.ru"}"#) }
            await dispatcher.carryOut(try f.store.dispatchRecords(ids: ids))
            #expect(store.writes.withLock { $0 } == writes, "code \(code)")
            #expect(lines.withLock { $0 }.filter { $0.contains("a notification step failed") }.count == 3)
            #expect(try f.store.outboxDepth() == 3)
            #expect(try ids.map { try view(f, $0).attempts.isEmpty } == [true, true, true])
        }
    }

    /// The messages the dispatcher takes from memory, just after the event was accepted, are the
    /// ones stored: a second store on the same file (with nothing in memory) reads the same, and
    /// so does the first once it has handed them over.
    @Test func messagesKeptInMemoryAreTheOnesStored() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let ids = try await post(f, id: "k1", contacts: #"{"email": "anna@example.ru", "phone": "+79991234567", "viber": "+79991234567"}"#)
            + post(f, id: "k2", contacts: #"{"email": "oleg@example.ru"}"#)
        let other = try SQLiteStore(dataDirectory: f.dir, clock: f.clock)
        let fromDisk = try other.dispatchRecords(ids: ids).map(\.messages)
        #expect(fromDisk.map { $0.map(\.channel) } == [[.email], [.viber, .sms], [.email]])
        #expect(try f.store.dispatchRecords(ids: ids).map(\.messages) == fromDisk)
        #expect(try f.store.dispatchRecords(ids: ids).map(\.messages) == fromDisk)
    }

    @Test func recentMessagesKeepTheNewestUpToTheirLimit() throws {
        let recent = RecentMessages(limit: 4)
        func planned(_ id: String) -> PlannedNotification {
            PlannedNotification(id: id, messages: [RenderedMessage(channel: .sms, recipient: id, template: "base", subject: nil, html: nil, text: id,
                                                                   providerTemplateID: nil)],
                                cascade: CascadeState(policy: CascadePolicy([])), firstAction: .nothing)
        }
        recent.keep(["a", "b", "c", "d", "e"].map(planned))
        // Past half the limit the older half goes: "a" and "b" are gone, the newest three are kept.
        #expect(recent.take(["a", "b", "c", "d", "e"]).keys.sorted() == ["c", "d", "e"])
        #expect(recent.take(["c"]).isEmpty)
        recent.keep(["f", "g"].map(planned))
        recent.forget([planned("f")])
        #expect(recent.take(["f", "g"]).mapValues { $0.map(\.text) } == ["g": ["g"]])
    }

    @Test func aChannelWithoutAProviderIsPassedOverAndTheLastFailureGivesUp() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(), clock: f.clock)
        let id = try #require(try await post(f, id: "e3", contacts: #"{"vk": "42", "phone": "+79991234567"}"#).first)
        #expect(await dispatcher.runOnce() == 1)
        let seen = try view(f, id)
        #expect(seen.status == "failed")
        #expect(seen.attempts.map(\.providerCode) == ["not configured", "not configured"])
    }

    @Test func aLeaseLeftByACrashComesBackAndTheStepRunsAgain() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        _ = try await post(f, id: "e4", contacts: #"{"email": "anna@example.ru"}"#)
        // Another node claims the notification and dies before sending.
        #expect(try await f.store.claimDue(now: f.clock.now(), leaseUntil: f.clock.now().addingTimeInterval(120), limit: 10, owner: "node-b").count == 1)
        let email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock, node: "node-a")
        #expect(try f.store.releaseLeases(owner: "node-a") == 0)
        #expect(await dispatcher.runOnce() == 0)
        f.clock.advance(by: 121)
        #expect(await dispatcher.runOnce() == 1)
        #expect(email.sent.count == 1)
        #expect(try f.store.outboxDepth() == 0)
    }

    @Test func aNodeStartingAgainTakesBackItsOwnLeasesAtOnce() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        _ = try await post(f, id: "e7", contacts: #"{"email": "anna@example.ru"}"#)
        #expect(try await f.store.claimDue(now: f.clock.now(), leaseUntil: f.clock.now().addingTimeInterval(120), limit: 10, owner: "node-a").count == 1)
        #expect(try f.store.releaseLeases(owner: "node-b") == 0)
        #expect(try f.store.releaseLeases(owner: "node-a") == 1)
        let email = ScriptedAdapter(.email)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.email: email]), clock: f.clock, node: "node-a")
        #expect(await dispatcher.runOnce() == 1)
        #expect(email.sent.count == 1)
    }

    @Test func viberWaitsForItsDeliveryReportThenSMSTakesOverOrNot() async throws {
        let f = try fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let viber = ScriptedAdapter(.viber), sms = ScriptedAdapter(.sms)
        let dispatcher = OutboxDispatcher(store: f.store, live: ChannelSet(adapters: [.viber: viber, .sms: sms]), clock: f.clock)
        let contacts = #"{"phone": "+79991234567", "viber": "+79991234567"}"#
        let reported = try #require(try await post(f, id: "e5", contacts: contacts).first)
        let silent = try #require(try await post(f, id: "e6", contacts: contacts).first)
        #expect(await dispatcher.runOnce() == 2)
        #expect(try view(f, reported).status == "awaiting_delivery")

        // One is reported delivered within the 10 minutes; the other stays silent.
        let reportedID = try #require(try view(f, reported).attempts.first?.providerMessageID)
        try await dispatcher.apply(DeliveryReport(providerMessageID: reportedID, status: .delivered, providerCode: "DELIVERED"), on: .viber)
        #expect(try view(f, reported).status == "delivered")
        #expect(try view(f, reported).attempts.first?.outcome == "delivered")

        f.clock.advance(by: 9 * 60)
        #expect(await dispatcher.runOnce() == 0)
        f.clock.advance(by: 61)
        #expect(await dispatcher.runOnce() == 1)
        let fellBack = try view(f, silent)
        #expect(fellBack.attempts.map(\.channel) == [.viber, .sms])
        #expect(fellBack.status == "accepted")
        #expect(sms.sent.count == 1)
        #expect(try f.store.outboxDepth() == 0)
    }
}

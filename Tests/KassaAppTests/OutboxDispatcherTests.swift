import Channels
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

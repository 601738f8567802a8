import Channels
import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

/// A provider's callback reaches the notification that sent the message: SMS.ru's delivery report,
/// checked by its hash, marks the SMS attempt delivered; a forged one changes nothing.
@Suite struct CallbackRoutesTests {
    @Test func smsRuDeliveryReportsAreCheckedAndApplied() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_932_900))
        let store = try SQLiteStore(dataDirectory: dir, clock: clock)
        let (partner, _, _) = try store.createPartner(name: "P")
        for host in LinkHosts.hosts(inSamplesOf: EventCatalog.all) { try store.addLinkHost(host, partnerID: partner.id) }
        let (_, op) = try store.createOperator(name: "ops")
        var channels = ChannelSet(adapters: [.sms: OutboxDispatcherTests.ScriptedAdapter(.sms)])
        channels.smsRu = try SMSRuConfiguration(apiID: "test-api-id")
        let dispatcher = OutboxDispatcher(store: store, live: channels, clock: clock)
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library(), clock: clock, channels: channels,
                                     deliveryReport: { report, channel in try await dispatcher.apply(report, on: channel) })
        let sample = try #require(EventCatalog.named("order.paid")).sample.jsonString
        let body = #"{"id": "e1", "type": "order.paid", "partner_id": "\#(partner.id)", "order_id": "KO-1", "data": \#(sample), "contacts": {"phone": "+79991234567"}}"#
        let accepted = await router.respond(to: HTTPRequest(method: "POST", uri: "/v1/events", headers: [("Authorization", "Bearer " + op.secret)],
                                                            body: Array(body.utf8)))
        #expect(accepted.status == 202)
        #expect(await dispatcher.runOnce() == 1)
        let id = try #require(try store.notifications(partnerID: partner.id, orderID: "KO-1").first?.id)
        #expect(try store.notification(id: id, partnerID: partner.id)?.attempts.first?.outcome == "accepted")

        func callback(_ hash: String) async -> KassaApp.HTTPResponse {
            let record = "sms_status\nsms-1\n103\n1795933000"
            let form = FormEncoding.encode([("data[0]", record), ("hash", hash)])
            return await router.respond(to: HTTPRequest(method: "POST", uri: "/v1/callbacks/sms-ru", headers: [], body: Array(form.utf8)))
        }
        let forged = await callback(String(repeating: "0", count: 64))
        #expect(forged.status == 403)
        #expect(try store.notification(id: id, partnerID: partner.id)?.attempts.first?.outcome == "accepted")

        let hash = Crypto.hex(Crypto.sha256(Array("test-api-id\("sms_status\nsms-1\n103\n1795933000")".utf8)))
        let genuine = await callback(hash)
        #expect(genuine.status == 200)
        #expect(String(decoding: genuine.body, as: UTF8.self) == "100")
        let seen = try #require(try store.notification(id: id, partnerID: partner.id))
        #expect(seen.attempts.first?.outcome == "delivered")
        #expect(seen.attempts.first?.providerCode == "103")

        // Without the provider configured, there is nothing to call.
        let bare = KassaAPI.router(store: store, base: try BaseTemplateTests.library())
        #expect(await bare.respond(to: HTTPRequest(method: "POST", uri: "/v1/callbacks/viber", headers: [], body: [])).status == 404)
    }
}

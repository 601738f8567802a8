import Channels
import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

@Suite struct ViberTemplateValuesTests {
    @Test(arguments: [
        ("Заказ {{ order.number }} оплачен: {{ paid.amount | money }}.", "Заказ KO-7 оплачен: 450,00 ₽.", ["KO-7", "450,00 ₽"] as [String]?),
        ("Заказ {{ n }} готов.", "Заказ A готов. готов.", ["A готов."]),
        ("Только текст.", "Только текст.", []),
        ("Только текст.", "Другой текст.", nil),
        // Not of the registrable form: tags, outputs side by side or at an end, more than five.
        ("Заказ {% if x %}{{ n }}{% endif %}.", "Заказ 1.", nil),
        ("Заказ {{ a }}{{ b }}.", "Заказ 12.", nil),
        ("{{ a }} оплачен.", "1 оплачен.", nil),
        ("a{{1}}b{{2}}c{{3}}d{{4}}e{{5}}f{{6}}g", "a1b2c3d4e5f6g", nil),
        // The text does not match the fixed pieces.
        ("Заказ {{ n }} оплачен.", "Счёт 1 оплачен.", nil),
    ])
    func valuesAreWhereTheOutputsStood(_ source: String, _ rendered: String, _ values: [String]?) {
        #expect(ViberTemplateValues.extract(source: source, rendered: rendered) == values)
    }

    @Test func aRegisteredViberTemplateSendsItsIdAndValues() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(dataDirectory: dir)
        let (partner, live, _) = try store.createPartner(name: "P")
        for host in LinkHosts.hosts(inSamplesOf: EventCatalog.all) { try store.addLinkHost(host, partnerID: partner.id) }
        let (_, moderator) = try store.createModerator(login: "anna")
        let (_, op) = try store.createOperator(name: "ops")
        let router = KassaAPI.router(store: store, base: try BaseTemplateTests.library())
        func call(_ method: String, _ path: String, _ token: String, _ body: String = "") async -> (Int, ValueObject) {
            let response = await router.respond(to: HTTPRequest(method: method, uri: path, headers: [("Authorization", "Bearer " + token)],
                                                                body: Array(body.utf8)))
            guard case .object(let o)? = try? Value(jsonBytes: response.body) else { return (response.status, ValueObject()) }
            return (response.status, o)
        }
        let (_, created) = await call("POST", "/v1/templates", live.secret,
                                      #"{"event": "order.paid", "channel": "viber", "name": "V", "content": {"body": "Заказ {{ order.number }} оплачен."}}"#)
        let id = try #require(created["id"]?.stringValue)
        #expect(await call("POST", "/v1/templates/\(id)/submit", live.secret).0 == 200)
        #expect(await call("POST", "/v1/moderation/templates/\(id)/versions/1/approve", moderator.secret).0 == 200)
        #expect(await call("POST", "/v1/moderation/templates/\(id)/registration", moderator.secret,
                           #"{"registered": true, "provider_template_id": "edna-77"}"#).0 == 200)
        let sample = try #require(EventCatalog.named("order.paid")).sample.jsonString
        let (status, answer) = await call("POST", "/v1/events", op.secret,
                                          #"{"id": "e1", "type": "order.paid", "partner_id": "\#(partner.id)", "order_id": "KO-1", "data": \#(sample), "contacts": {"viber": "+79991234567"}, "templates": {"viber": "V"}}"#)
        #expect(status == 202)
        guard case .array(let list)? = answer["notifications"], case .object(let first)? = list.first, let nid = first["id"]?.stringValue else {
            Issue.record("no notification in \(answer)")
            return
        }
        let message = try #require(try store.dispatchRecord(id: nid)?.messages.first { $0.channel == .viber })
        #expect(message.providerTemplateID == "edna-77")
        #expect(message.providerTemplateValues == ["KO-2026-001542"])
    }
}

import Testing
import TemplateEngine
@testable import KassaApp

@Suite struct EventCatalogTests {
    @Test func catalogHasTheProductEvents() {
        #expect(EventCatalog.names == ["order.paid", "order.delayed", "order.ready", "order.reminder", "order.refunded"])
    }

    /// Only the reminder can be unsubscribed from and waits out quiet hours.
    @Test func onlyTheReminderIsNonTransactional() {
        #expect(EventCatalog.all.filter { !$0.transactional }.map(\.name) == ["order.reminder"])
    }

    @Test(arguments: EventCatalog.all.map(\.name))
    func sampleDataConformsToTheSchema(_ name: String) throws {
        let event = try #require(EventCatalog.named(name))
        #expect(event.schema.validate(event.sample) == [])
        #expect(!event.description.isEmpty)
    }

    @Test func moneyFieldsAreIntegerKopecks() throws {
        let paid = try #require(EventCatalog.named("order.paid"))
        let amount = try #require(paid.schema.property("paid")?.property("amount"))
        #expect(amount.kind == .integer)
        #expect(amount.format == "money")
    }
}

import Testing
@testable import KassaApp

@Suite struct TemplateModerationTests {
    @Test func draftSubmitApproveServes() throws {
        var t = TemplateModeration(channel: .email)
        #expect(t.draft == 1)
        #expect(t.serving == nil)
        #expect(try t.submit(hasErrors: false) == [.enqueueForReview(number: 1), .audit("version 1 submitted")])
        #expect(try t.approve(1, by: "anna") == [.audit("version 1 approved by anna"), .startServing(number: 1, replacing: nil)])
        #expect(t.serving == 1)
    }

    @Test func approvedVersionsAreImmutableAndKeepServingUntilTheNextIsApproved() throws {
        var t = TemplateModeration(channel: .sms)
        _ = try t.submit(hasErrors: false)
        _ = try t.approve(1, by: "anna")
        #expect(t.edit() == [.storeDraft(number: 2)])
        #expect(t.versions[0].state == .approved)
        #expect(t.edit() == [.storeDraft(number: 2)])
        #expect(t.serving == 1)
        _ = try t.submit(hasErrors: false)
        #expect(t.serving == 1)
        _ = try t.reject(2, by: "anna", code: "misleading", reason: "Ссылка ведёт не на сайт партнёра")
        #expect(t.serving == 1)
        #expect(t.versions[1].rejection == .init(code: "misleading", reason: "Ссылка ведёт не на сайт партнёра"))
        #expect(t.edit() == [.storeDraft(number: 3)])
        _ = try t.submit(hasErrors: false)
        #expect(try t.approve(3, by: "boris").contains(.startServing(number: 3, replacing: 1)))
        #expect(t.serving == 3)
    }

    @Test func refusals() throws {
        var t = TemplateModeration(channel: .vk)
        #expect(throws: TemplateModeration.Refusal.self) { try t.submit(hasErrors: true) }
        #expect(throws: TemplateModeration.Refusal.self) { try t.approve(1, by: "anna") }
        _ = try t.submit(hasErrors: false)
        #expect(throws: TemplateModeration.Refusal.self) { try t.submit(hasErrors: false) }
        #expect(throws: TemplateModeration.Refusal.self) { try t.reject(1, by: "anna", code: "x", reason: " ") }
        #expect(throws: TemplateModeration.Refusal.self) { try t.approve(7, by: "anna") }
        #expect(throws: TemplateModeration.Refusal.self) { try t.registrationDecided(registered: true) }
    }

    @Test func viberServesOnlyOnceRegistered() throws {
        var t = TemplateModeration(channel: .viber)
        _ = try t.submit(hasErrors: false)
        #expect(try t.approve(1, by: "anna") == [.audit("version 1 approved by anna"), .requestRegistration(number: 1)])
        #expect(t.serving == nil)
        #expect(try t.registrationDecided(registered: true) == [.startServing(number: 1, replacing: nil), .audit("Viber registration granted")])
        #expect(t.serving == 1)
    }

    @Test func refusedViberRegistrationNeverServes() throws {
        var t = TemplateModeration(channel: .viber)
        _ = try t.submit(hasErrors: false)
        _ = try t.approve(1, by: "anna")
        _ = try t.registrationDecided(registered: false)
        #expect(t.serving == nil)
    }
}

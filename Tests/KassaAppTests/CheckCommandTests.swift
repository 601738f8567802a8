import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

@Suite struct CheckCommandTests {
    private func write(_ files: [String: String]) throws -> URL {
        let dir = try temporaryDirectory()
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func cleanSMSReportsEncodingAndParts() throws {
        let dir = try write(["sms.liquid": "Заказ {{ order.number }} оплачен, {{ paid.amount | money }}\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = kassa(["check", dir.appendingPathComponent("sms.liquid").path, "--event", "order.paid", "--json"])
        #expect(result.status == 0)
        let json = try Value(json: result.out)
        guard case .object(let o) = json else { Issue.record("not an object"); return }
        #expect(o["diagnostics"] == [])
        #expect(o["variables"] == ["order.number", "paid.amount"])
        // "Заказ KO-2026-001542 оплачен, 450,00 ₽" plus "\nАПИЕГРН/АПИКАССА": 55 UCS-2 units.
        #expect(o["sms"] == ["encoding": "UCS-2", "units": 55, "parts": 1])
    }

    @Test func longSMSWarnsPastMaxParts() throws {
        let dir = try write(["sms.liquid": "{{ order.report }} {{ order.address }} {{ order.report }}"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = kassa(["check", dir.appendingPathComponent("sms.liquid").path, "--event", "order.paid", "--max-parts", "1"])
        #expect(result.status == 0)
        #expect(result.out.contains("warning: with the sample data and the attribution the SMS takes 3 parts"))
        #expect(result.out.contains("sms: UCS-2, "))
    }

    @Test func errorsExitOneWithPositions() throws {
        let dir = try write(["viber.liquid": "Заказ {{ order.numbr }}\n{{ paid.amount | monye }}"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("viber.liquid").path
        let result = kassa(["check", path, "--event", "order.paid"])
        #expect(result.status == 1)
        #expect(result.out.contains("\(path):1:16: error: 'order' has no property 'numbr' (did you mean 'number'?)"))
        #expect(result.out.contains("\(path):2:18: error: unknown filter 'monye' (did you mean 'money'?)"))
    }

    @Test func emailFolderGetsHTMLChecksAndASubjectCheck() throws {
        let dir = try write([
            "email/subject.liquid": "Заказ {{ order.number }}",
            "email/html.liquid": "<p>Чек</p>\n<a href=\"http://x.ru\">x</a><script>1</script>",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = kassa(["check", dir.appendingPathComponent("email").path, "--event", "order.paid"])
        #expect(result.status == 1)
        #expect(result.out.contains("html.liquid:2:1: error: href of <a> uses http; links and images must use https: http://x.ru"))
        #expect(result.out.contains("html.liquid:2:1: error: <script> is not allowed in e-mail"))
    }

    @Test func aSubjectThatRendersALineBreakIsAnError() throws {
        let dir = try write([
            "email/subject.liquid": "{% capture nl %}\n{% endcapture %}Заказ{{ nl }}{{ order.number }}",
            "email/html.liquid": "<p>{{ order.number }}</p>",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = kassa(["check", dir.appendingPathComponent("email").path, "--event", "order.paid", "--json"])
        #expect(result.status == 1)
        #expect(result.out.contains("the rendered subject contains a line break"))
    }

    @Test func customSchemaFromAFile() throws {
        let dir = try write([
            "schema.json": #"{"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}"#,
            "vk.liquid": "Код {{ code }} {{ cod }}",
        ])
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = kassa(["check", dir.appendingPathComponent("vk.liquid").path, "--schema", dir.appendingPathComponent("schema.json").path])
        #expect(result.status == 1)
        #expect(result.out.contains("error: unknown variable 'cod' (did you mean 'code'?)"))
    }

    @Test func usageErrors() {
        #expect(kassa(["check", "x"]).status == 2)
        #expect(kassa(["check", "x", "--event", "order.paid", "--schema", "s.json"]).status == 2)
        #expect(kassa(["check", "-", "--event", "no.such"]).status == 2)
        #expect(kassa(["check", "-", "--event", "order.paid", "--max-parts", "0"]).status == 2)
    }

    @Test func eventsListsTheCatalogAsJSON() throws {
        let result = kassa(["events", "--json"])
        #expect(result.status == 0)
        guard case .object(let o) = try Value(json: result.out), case .array(let events)? = o["events"] else {
            Issue.record("bad JSON")
            return
        }
        #expect(events.count == EventCatalog.all.count)
        guard case .object(let first) = events[0] else { return }
        #expect(first["name"] == "order.paid")
        #expect(try Schema(value: first["schema"] ?? .nil) == EventCatalog.all[0].schema)
    }
}

@Suite struct AttributionTests {
    private func composeHTML(_ html: String) throws -> ComposedNotification {
        let subject = try Template(source: "Тема")
        return try NotificationComposer.compose(.email(subject: subject, html: try Template(source: html, name: "html.liquid"), text: nil),
                                                kind: .email, data: [:])
    }

    @Test func attributionIsAddedToEveryChannel() throws {
        let message = try composeHTML("<html><body><p>Чек</p></body></html>")
        #expect(message.html?.contains(Attribution.full) == true)
        #expect(message.text.hasSuffix(Attribution.full))
        let sms = try NotificationComposer.compose(.message(try Template(source: "Код 1234")), kind: .sms, data: [:])
        #expect(sms.text == "Код 1234\n" + Attribution.short)
        let vk = try NotificationComposer.compose(.message(try Template(source: "Готово")), kind: .vk, data: [:])
        #expect(vk.text == "Готово\n\n" + Attribution.full)
    }

    @Test(arguments: [
        "<html><body><p>Чек</p><!-- </body></html>",
        "<html><body><p>Чек</p><div style=\"display: none\"></body></html>",
        "<p>Чек</p><span style=\"font-size:0\">",
        "<p>Чек</p><div hidden>",
    ])
    func markupCannotHideTheAttribution(_ html: String) {
        #expect(throws: CompositionError.self) { try composeHTML(html) }
    }
}

@Suite struct RenderedHTMLCheckTests {
    @Test func problemsInPartialsAreFoundInTheRenderedMessage() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in [
            "t/email/subject.liquid": "Заказ {{ order.number }}",
            "t/email/html.liquid": "<p>{{ order.number }}</p>{% render 'footer' %}",
            "_partials/footer.liquid": "<a href=\"http://x.ru\">x</a><script>1</script>",
        ] {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let result = kassa(["check", dir.appendingPathComponent("t/email").path, "--event", "order.paid"])
        #expect(result.status == 1)
        #expect(result.out.contains("error: <script> is not allowed in e-mail (line 1 of the rendered message, from a partial or the layout)"))
        #expect(result.out.contains("uses http"))
    }
}

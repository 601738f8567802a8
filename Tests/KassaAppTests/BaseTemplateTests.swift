@testable import Channels
import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

/// The default templates: every event has all four channels, each passes `kassa check` with no
/// finding at all, and each composes with its sample data to the recorded golden output. Run with
/// RECORD_GOLDEN=1 to record the golden files again, on purpose.
@Suite struct BaseTemplateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("BaseTemplates")
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    /// The base template library, loaded once for every test that needs a router.
    static func library() throws -> BaseTemplateLibrary {
        try loaded.get()
    }
    private static let loaded = Result { try BaseTemplateLibrary(directory: root) }

    static var cases: [(String, ChannelKind)] {
        EventCatalog.names.flatMap { name in ChannelKind.allCases.map { (name, $0) } }
    }

    @Test(arguments: cases)
    func passesTheCheckerWithoutFindings(_ event: String, _ channel: ChannelKind) {
        let path = Self.root.appendingPathComponent(event).appendingPathComponent(channel == .email ? "email" : "\(channel.rawValue).liquid").path
        let result = kassa(["check", path, "--event", event])
        #expect(result.status == 0)
        #expect(result.out.split(separator: "\n").filter { $0.contains(": error:") || $0.contains(": warning:") } == [])
    }

    @Test(arguments: cases)
    func composesToTheGoldenOutput(_ event: String, _ channel: ChannelKind) throws {
        let definition = try #require(EventCatalog.named(event))
        let folder = try TemplateFolder(directory: Self.root.appendingPathComponent(event),
                                        partials: DirectoryTemplateLibrary(directory: Self.root.appendingPathComponent("_partials")))
        let template = try #require(folder.channels.first { $0.0 == channel }?.1)
        let message = try NotificationComposer.compose(template, kind: channel, data: definition.sample)
        var text = ""
        if let subject = message.subject { text += "Subject: \(subject)\n\n" }
        text += message.text + "\n"
        if let html = message.html { text += "\n" + html + "\n" }
        #expect(text.contains(Attribution.full) || text.contains(Attribution.short))
        if let html = message.html {
            // The base e-mails are plain enough for the quick visibility answer, without libxml2.
            #expect(PlainMarkup.shows(Array(Attribution.full.utf8), in: Array(html.utf8)) == true)
        }
        let file = Self.golden.appendingPathComponent("\(event).\(channel.rawValue).txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected)
    }

    @Test func theLibraryHasEveryEventOnEveryChannel() throws {
        let library = try Self.library()
        for (event, channel) in Self.cases {
            #expect(library.entry(event: event, channel: channel) != nil, "\(event) \(channel)")
        }
        #expect(library.entry(event: "order.paid", channel: .email)?.content.keys.sorted() == ["html", "subject", "text"])
    }

    @Test func aBrokenOrMissingBaseTemplateStopsTheLoadNamingTheFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("BaseTemplates")
        try FileManager.default.copyItem(at: Self.root, to: copy)
        let sms = copy.appendingPathComponent("order.ready/sms.liquid")
        try "Готово: {{ ready.download_urll }}\n".write(to: sms, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: copy.appendingPathComponent("order.paid/vk.liquid"))
        do {
            _ = try BaseTemplateLibrary(directory: copy)
            Issue.record("a broken library loaded")
        } catch let error as BaseTemplateLibrary.LoadError {
            #expect(error.findings.count == 2)
            #expect(error.findings.contains { $0.hasPrefix(sms.path + ":1:18: error:") && $0.contains("did you mean 'download_url'") })
            #expect(error.findings.contains { $0.contains("order.paid/vk.liquid") && $0.contains("vk.liquid is missing") })
        }
        #expect(throws: BaseTemplateLibrary.LoadError.self) { try BaseTemplateLibrary(directory: dir.appendingPathComponent("nothing")) }
    }
}

@Suite struct AttributionPlacementTests {
    @Test(arguments: [
        ("<html><body><p>Заказ</p></body></html>", "<html><body><p>Заказ</p>X\n</body></html>"),
        ("<BODY>а</Body><p>ещё</p></BODY>", "<BODY>а</Body><p>ещё</p>X\n</BODY>"),
        ("<p>без тела</p>", "<p>без тела</p>\nX"),
        ("", "\nX"),
        ("</body", "</body\nX"),
        ("</body>", "X\n</body>"),
    ])
    func theLineGoesBeforeTheLastBodyEnd(_ html: String, _ expected: String) {
        #expect(NotificationComposer.inserting("X", beforeBodyEndOf: html) == expected)
    }

    @Test func textGetsTheFullLineAndSMSTheShortOne() {
        #expect(NotificationComposer.withAttribution(text: "  Оплачено ✅ \n", short: false) == "Оплачено ✅\n\n" + Attribution.full)
        #expect(NotificationComposer.withAttribution(text: "Оплачено", short: true) == "Оплачено\n" + Attribution.short)
    }
}

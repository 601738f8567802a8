import Channels
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
        let file = Self.golden.appendingPathComponent("\(event).\(channel.rawValue).txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected)
    }
}

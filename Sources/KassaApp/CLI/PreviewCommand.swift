import Channels
import Foundation
import TemplateEngine

/// `kassa preview [--dir DIR] [--event NAME]`: renders every base template with its event's sample data.
enum PreviewCommand {
    static func run(_ words: [String], console: Console) throws -> Int32 {
        let args = try Arguments(words, options: ["dir", "event"], flags: [])
        _ = try args.expectPositional([])
        let root = URL(fileURLWithPath: args.option("dir") ?? "BaseTemplates")
        var events = EventCatalog.all
        if let name = args.option("event") {
            guard let event = EventCatalog.named(name) else {
                throw UsageError("unknown event '\(name)'; events: \(EventCatalog.names.joined(separator: ", "))")
            }
            events = [event]
        }
        guard FileManager.default.fileExists(atPath: root.path) else { throw CommandFailure("no template folder at '\(root.path)'") }
        let partials = DirectoryTemplateLibrary(directory: root.appendingPathComponent("_partials"))
        var failures = 0
        for event in events {
            let folder: TemplateFolder
            do {
                folder = try TemplateFolder(directory: root.appendingPathComponent(event.name), partials: partials)
            } catch let error as TemplateError {
                console.error(error.description)
                failures += 1
                continue
            }
            for (kind, channel) in folder.channels {
                console.print("━━━ \(event.name) · \(kind.displayName) ━━━")
                do {
                    let message = try NotificationComposer.compose(channel, kind: kind, data: event.sample)
                    if let subject = message.subject { console.print("Тема: " + subject) }
                    if kind == .sms {
                        let info = SMSInfo(text: message.text)
                        console.print("(\(info.encoding.rawValue), \(info.units) знаков, частей: \(info.parts))")
                    }
                    console.print(message.text)
                    if let html = message.html {
                        console.print("── HTML ──")
                        console.print(html)
                    }
                } catch {
                    console.error("\(error)")
                    failures += 1
                }
                console.print("")
            }
        }
        return failures == 0 ? 0 : 1
    }
}

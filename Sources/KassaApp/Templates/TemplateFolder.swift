import Channels
import Foundation
import TemplateEngine

/// The templates of one event in a folder: `email/subject.liquid`, `email/html.liquid`,
/// optionally `email/text.liquid`, and `sms.liquid`, `viber.liquid`, `vk.liquid`.
struct TemplateFolder {
    /// One channel's compiled templates.
    enum Channel: Sendable {
        case email(subject: Template, html: Template, text: Template?)
        case message(Template)
    }

    let channels: [(ChannelKind, Channel)]

    /// Loads and compiles what is there; `partials` is where `render` and `include` look.
    init(directory: URL, partials: any TemplateLibrary) throws {
        var channels: [(ChannelKind, Channel)] = []
        let emailDir = directory.appendingPathComponent("email")
        if FileManager.default.fileExists(atPath: emailDir.path) {
            let subject = try Self.load(emailDir.appendingPathComponent("subject.liquid"), partials: partials)
            let html = try Self.load(emailDir.appendingPathComponent("html.liquid"), partials: partials)
            guard let subject, let html else {
                throw CommandFailure("\(emailDir.path): an e-mail template needs subject.liquid and html.liquid")
            }
            let text = try Self.load(emailDir.appendingPathComponent("text.liquid"), partials: partials)
            channels.append((.email, .email(subject: subject, html: html, text: text)))
        }
        for kind in [ChannelKind.sms, .viber, .vk] {
            if let t = try Self.load(directory.appendingPathComponent("\(kind.rawValue).liquid"), partials: partials) {
                channels.append((kind, .message(t)))
            }
        }
        self.channels = channels
    }

    /// Reads and compiles a template file; one trailing newline, which editors add, is not part of it.
    static func load(_ url: URL, partials: any TemplateLibrary) throws -> Template? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        var bytes = [UInt8](try Data(contentsOf: url))
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        return try Template(bytes: bytes, name: url.path, library: partials)
    }
}

extension TemplateFolder.Channel {
    /// Compiles a stored template's parts (`subject`, `html`, `text`; or `body`); nil when the parts
    /// the channel needs are missing.
    init?(content: [String: String], channel: ChannelKind) throws {
        func compile(_ part: String) throws -> Template? {
            try content[part].map { try Template(source: $0, name: part) }
        }
        if channel == .email {
            guard let subject = try compile("subject"), let html = try compile("html") else { return nil }
            self = .email(subject: subject, html: html, text: try compile("text"))
        } else {
            guard let body = try compile("body") else { return nil }
            self = .message(body)
        }
    }
}

extension RenderOptions {
    /// How notifications render: Russian, Moscow time.
    static func notification(escaping: Escaping) -> RenderOptions {
        RenderOptions(escaping: escaping, locale: "ru", timeZone: TimeZone(identifier: "Europe/Moscow")!)
    }
}

import Channels
import Foundation
import TemplateEngine

/// Which template a notification uses for an event on a channel: the one the order names, when it
/// has an approved (and, for Viber, registered) version; else the partner's default, likewise; else
/// the base template, which is always approved.
struct TemplateChoice: Sendable {
    enum Source: Sendable {
        case partner(TemplateRecord, version: TemplateRecord.Version)
        case base(BaseTemplateLibrary.Entry)
    }

    let event: String
    let channel: ChannelKind
    let source: Source
    /// Why the named template or the default was passed over, when one was.
    let notes: [String]

    var json: Value {
        var o = ValueObject([("event", .string(event)), ("channel", .string(channel.rawValue))])
        switch source {
        case .partner(let record, let version):
            o["source"] = "partner"
            o["template_id"] = .string(record.id)
            o["name"] = .string(record.name)
            o["version"] = .int(version.number)
        case .base:
            o["source"] = "base"
        }
        o["notes"] = .array(notes.map { .string($0) })
        return .object(o)
    }

    /// The choice for `event` on `channel`; `requested` is a template id or name the order gave.
    static func choose(event: String, channel: ChannelKind, requested: String?, partnerID: String,
                       store: any TemplateStore, base: BaseTemplateLibrary) throws -> TemplateChoice? {
        let candidates = try store.templates(partnerID: partnerID).filter { $0.event == event && $0.channel == channel }
        var notes: [String] = []
        func serving(_ record: TemplateRecord, _ what: String) -> TemplateChoice? {
            if let version = record.serving {
                return TemplateChoice(event: event, channel: channel, source: .partner(record, version: version), notes: notes)
            }
            let why = record.channel == .viber && record.registration != .registered && record.versions.contains { $0.state == .approved }
                ? "is not registered with Viber yet" : "has no approved version"
            notes.append("\(what) '\(record.name)' \(why)")
            return nil
        }
        if let requested {
            if let record = candidates.first(where: { $0.id == requested || $0.name == requested }) {
                if let choice = serving(record, "the requested template") { return choice }
            } else {
                notes.append("no \(channel.displayName) template '\(requested)' for \(event)")
            }
        }
        if let record = candidates.first(where: \.isDefault), record.id != requested && record.name != requested {
            if let choice = serving(record, "the default template") { return choice }
        }
        guard let entry = base.entry(event: event, channel: channel) else { return nil }
        return TemplateChoice(event: event, channel: channel, source: .base(entry), notes: notes)
    }
}

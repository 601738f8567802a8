import Channels
import Foundation
import TemplateEngine

/// The line every notification carries, whatever its template: the product requires that payers
/// see the service is provided through APIEGRN and APIKASSA.
enum Attribution {
    static let full = "Услуга оказана с использованием сервиса АПИЕГРН и услуги АПИКАССА"
    /// The short form for SMS, where every character costs.
    static let short = "АПИЕГРН/АПИКАССА"

    static let html = """
        <p style="margin:12px 0 0 0;font-size:11px;color:#999;text-align:center;">\(full)</p>
        """
}

/// A message ready for a channel: rendered, checked, with the attribution added.
public struct ComposedNotification: Sendable, Equatable {
    public let channel: ChannelKind
    public let subject: String?
    public let html: String?
    public let text: String
}

/// A template rendered into something that cannot be sent.
struct CompositionError: Error, CustomStringConvertible {
    let file: String
    let message: String
    var description: String { "\(file): error: \(message)" }
}

/// Renders a channel's templates with event data and adds what every notification must carry.
enum NotificationComposer {
    static func compose(_ channel: TemplateFolder.Channel, kind: ChannelKind, data: Value) throws -> ComposedNotification {
        switch channel {
        case .email(let subjectTemplate, let htmlTemplate, let textTemplate):
            let subject = try subjectTemplate.render(data, options: .notification(escaping: .none))
            if subject.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
                throw CompositionError(file: subjectTemplate.name, message: "the rendered subject contains a line break; a subject must be one line")
            }
            let html = withAttribution(html: try htmlTemplate.render(data, options: .notification(escaping: .html)))
            // The attribution is added after the partner's markup, which could still hide it (an
            // unclosed comment, a hidden element left open): the reader must be able to see it.
            guard EmailHTML.shows(Attribution.full, inHTML: html) else {
                throw CompositionError(file: htmlTemplate.name,
                                       message: "the HTML hides the attribution line that every message carries (an unclosed comment or hidden element?)")
            }
            let text: String
            if let textTemplate {
                text = withAttribution(text: try textTemplate.render(data, options: .notification(escaping: .none)), short: false)
            } else {
                text = EmailHTML.plainText(fromHTML: html)
            }
            return ComposedNotification(channel: .email, subject: String(subject.trimmingWhitespace), html: html, text: text)
        case .message(let template):
            let body = try template.render(data, options: .notification(escaping: .none))
            return ComposedNotification(channel: kind, subject: nil, html: nil, text: withAttribution(text: body, short: kind == .sms))
        }
    }

    /// Puts the attribution before `</body>`, or at the end when there is none.
    static func withAttribution(html: String) -> String {
        inserting(Attribution.html, beforeBodyEndOf: html)
    }

    /// `fragment` on a line of its own before the last `</body>` (any case), or at the end when there
    /// is none. The tag is found by bytes: Foundation's case-insensitive search costs more than the
    /// rest of composing the message.
    static func inserting(_ fragment: String, beforeBodyEndOf html: String) -> String {
        let tag = Array("</body>".utf8)
        var html = html
        let found: Int? = html.withUTF8 { bytes in
            var index = bytes.count - tag.count
            while index >= 0 {
                if bytes[index] == UInt8(ascii: "<"), (0..<tag.count).allSatisfy({ bytes[index + $0] | 0x20 == tag[$0] | 0x20 }) {
                    return index
                }
                index -= 1
            }
            return nil
        }
        guard let found else { return html + "\n" + fragment }
        // Cut at an ASCII '<', so both halves are whole text: nothing to check again.
        let cut = html.utf8.index(html.utf8.startIndex, offsetBy: found)
        var result = String(html[..<cut])
        result.reserveCapacity(html.utf8.count + fragment.utf8.count + 1)
        result += fragment
        result += "\n"
        result += html[cut...]
        return result
    }

    static func withAttribution(text: String, short: Bool) -> String {
        // A String first: `Substring + String` counts the substring's characters, all of them.
        var body = String(text.trimmingWhitespace)
        body += short ? "\n" + Attribution.short : "\n\n" + Attribution.full
        return body
    }
}

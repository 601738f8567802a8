import Foundation

/// Writes an ``EmailMessage`` as an RFC 5322 / MIME message ready for SMTP DATA.
///
/// The output has CRLF line endings, no line longer than 998 octets, and is not dot-stuffed
/// (the SMTP transport does that). The part structure follows the content:
///
/// - text only: a single `text/plain` part;
/// - with HTML: `multipart/alternative` { text, html };
/// - with inline images: `multipart/related` { alternative, images };
/// - with attachments: `multipart/mixed` { the above, attachments }.
///
/// ```swift
/// let data = try MIMEWriter.render(message)                          // production
/// let same = try MIMEWriter.render(message, boundaries: .seeded(7))  // tests: same bytes every time
/// ```
public enum MIMEWriter {
    static let crlf: [UInt8] = [0x0D, 0x0A]
    /// RFC 5322 section 2.1.1: the hard limit on a line, excluding CRLF.
    static let maximumLineLength = 998

    /// The whole message as bytes; throws when a value is invalid or could inject a header.
    public static func render(_ message: EmailMessage, boundaries: MIMEBoundaries = .random) throws(EmailError) -> [UInt8] {
        try message.validate()
        var generator = boundaries.makeGenerator()
        let body = try bodyPart(of: message, boundaries: &generator)

        var fields = ["Date: " + EmailDate.format(message.date)]
        fields.append(addressField("From", [message.from]))
        if let replyTo = message.replyTo {
            fields.append(addressField("Reply-To", [replyTo]))
        }
        fields.append(addressField("To", message.to))
        fields.append("Message-ID: " + message.messageID)
        fields.append(try unstructuredField("Subject", message.subject, longestPlainWord: FoldedField.lineLimit - 1))
        fields.append("MIME-Version: 1.0")
        if let unsubscribe = message.listUnsubscribe {
            fields.append(contentsOf: try listUnsubscribeFields(unsubscribe))
        }
        for header in message.extraHeaders {
            fields.append(try unstructuredField(header.name, header.value,
                                                longestPlainWord: maximumLineLength - header.name.utf8.count - 2))
        }
        let top = MIMEPart(fields: fields + body.fields, body: body.body, contentType: body.contentType)

        var output = top.bytes
        if !output.suffix(2).elementsEqual(crlf) {
            output.append(contentsOf: crlf)
        }
        try checkLineLengths(output)
        return output
    }

    /// The MIME tree for the message's bodies and files.
    private static func bodyPart(of message: EmailMessage, boundaries: inout BoundaryGenerator) throws(EmailError) -> MIMEPart {
        var part = MIMEPart.text(message.text, subtype: "plain")
        if let html = message.html {
            part = try .multipart("alternative", [part, .text(html, subtype: "html")], boundaries: &boundaries)
        }
        if !message.inline.isEmpty {
            let images = message.inline.map { MIMEPart.file($0, inline: true) }
            part = try .multipart("related", [part] + images, typeParameter: part.contentType, boundaries: &boundaries)
        }
        if !message.attachments.isEmpty {
            let files = message.attachments.map { MIMEPart.file($0, inline: false) }
            part = try .multipart("mixed", [part] + files, boundaries: &boundaries)
        }
        return part
    }

    /// `Name: addr, "Display" <addr>, =?UTF-8?B?…?= <addr>`, folded between tokens.
    static func addressField(_ name: String, _ addresses: [EmailAddress]) -> String {
        var field = FoldedField(name)
        for (index, address) in addresses.enumerated() {
            let comma = index < addresses.count - 1 ? "," : ""
            if let displayName = address.name, !displayName.isEmpty {
                appendPhrase(displayName, to: &field)
                field.append("<\(address.address)>" + comma)
            } else {
                field.append(address.address + comma)
            }
        }
        return field.text
    }

    /// A display name: plain atoms, a quoted string when it has specials, encoded words when it is
    /// not printable ASCII (or is too long to stay on one line, since encoded words fold).
    private static func appendPhrase(_ name: String, to field: inout FoldedField) {
        let isPrintableASCII = name.utf8.allSatisfy { (32...126).contains($0) } && !name.contains("=?")
        guard isPrintableASCII, name.utf8.count <= 60 else {
            field.appendEncoded(name)
            return
        }
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        if words.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(EmailAddress.isAtext(_:)) }) {
            for word in words {
                field.append(String(word))
            }
        } else {
            var quoted = "\""
            for character in name {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            field.append(quoted + "\"")
        }
    }

    /// Unstructured text (Subject, extra headers): folded at spaces when it is printable ASCII with
    /// no word longer than `longestPlainWord`, encoded words otherwise.
    static func unstructuredField(_ name: String, _ text: String, longestPlainWord: Int) throws(EmailError) -> String {
        var field = FoldedField(name)
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let isPlain = text.utf8.allSatisfy { (32...126).contains($0) || $0 == 0x09 } && !text.contains("=?")
            && words.allSatisfy { $0.utf8.count <= longestPlainWord }
        if isPlain {
            for word in words {
                field.append(String(word))
            }
        } else {
            field.appendEncoded(text)
        }
        guard field.longestLine <= maximumLineLength else {
            throw .lineTooLong(field: "\(name) header")
        }
        return field.text
    }

    /// RFC 2369 and RFC 8058 headers, each on one unfolded line (folding List-Unsubscribe has broken DKIM).
    private static func listUnsubscribeFields(_ unsubscribe: ListUnsubscribe) throws(EmailError) -> [String] {
        let uris = [unsubscribe.url, unsubscribe.mailto].compactMap { $0 }.map { "<\($0)>" }
        let line = "List-Unsubscribe: " + uris.joined(separator: ", ")
        guard line.utf8.count <= maximumLineLength else {
            throw .lineTooLong(field: "List-Unsubscribe header")
        }
        return unsubscribe.oneClick ? [line, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"] : [line]
    }

    /// The last guard: no line of the message may pass the RFC 5322 limit.
    private static func checkLineLengths(_ output: [UInt8]) throws(EmailError) {
        let tooLong = output.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return false }
            var lineStart = 0
            while lineStart < bytes.count {
                let end = memchr(base + lineStart, 0x0A, bytes.count - lineStart).map { base.distance(to: $0) } ?? bytes.count
                // The line without its CR LF (or, for an unterminated last line, as it is).
                let length = end < bytes.count ? end - lineStart - 1 : end - lineStart
                if length > maximumLineLength { return true }
                lineStart = end + 1
            }
            return false
        }
        if tooLong {
            throw .lineTooLong(field: "message")
        }
    }
}

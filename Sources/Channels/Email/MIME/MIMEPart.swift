import Foundation
/// One MIME entity being written: its header fields and its encoded body.
struct MIMEPart {
    /// The header fields, each already folded, without their final CRLF.
    var fields: [String]
    /// The body exactly as written, without a line break after its last line.
    var body: [UInt8]
    /// The media type, for a parent's `type` parameter.
    var contentType: String

    /// Headers, blank line and body.
    var bytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count + 256)
        for field in fields {
            output.append(contentsOf: field.utf8)
            output.append(contentsOf: MIMEWriter.crlf)
        }
        output.append(contentsOf: MIMEWriter.crlf)
        output.append(contentsOf: body)
        return output
    }

    /// A UTF-8 text part, quoted-printable.
    static func text(_ text: String, subtype: String) -> MIMEPart {
        MIMEPart(fields: ["Content-Type: text/\(subtype); charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
                 body: QuotedPrintable.encode(text), contentType: "text/\(subtype)")
    }

    /// A file, base64, shown inline (with its Content-ID) or offered as an attachment.
    static func file(_ file: EmailAttachment, inline: Bool) -> MIMEPart {
        var type = MIMEWriter.FoldedField("Content-Type")
        type.append(file.contentType + ";")
        appendParameter("name", file.filename, to: &type)
        var disposition = MIMEWriter.FoldedField("Content-Disposition")
        disposition.append(inline ? "inline;" : "attachment;")
        appendParameter("filename", file.filename, to: &disposition)
        var fields = [type.text, "Content-Transfer-Encoding: base64", disposition.text]
        if let contentID = file.contentID {
            fields.append("Content-ID: <\(contentID)>")
        }
        return MIMEPart(fields: fields, body: MIMEBase64.body(file.data), contentType: file.contentType)
    }

    /// Whether `needle` occurs in `haystack`: memchr jumps to each occurrence of the needle's second
    /// byte (`_` in our boundaries, rare in bodies, where `=`, the first, is everywhere in
    /// quoted-printable), then memcmp checks. This runs over every part of every message.
    static func bytes(_ haystack: [UInt8], contain needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        let anchor = needle.count > 1 ? 1 : 0
        return haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                let base = h.baseAddress!, last = h.count - n.count
                var from = anchor
                while from <= last + anchor, let found = memchr(base + from, Int32(n[anchor]), last + anchor + 1 - from) {
                    let start = base.distance(to: found) - anchor
                    if memcmp(base + start, n.baseAddress!, n.count) == 0 { return true }
                    from = start + anchor + 1
                }
                return false
            }
        }
    }

    /// A multipart entity around `children`, with a boundary that occurs in none of them.
    static func multipart(_ subtype: String, _ children: [MIMEPart], typeParameter: String? = nil,
                          boundaries: inout BoundaryGenerator) throws(EmailError) -> MIMEPart {
        let contents = children.map(\.bytes)
        var chosen: String?
        for _ in 0..<16 {
            let candidate = boundaries.next()
            let needle = Array(candidate.utf8)
            if !contents.contains(where: { Self.bytes($0, contain: needle) }) {
                chosen = candidate
                break
            }
        }
        guard let boundary = chosen else { throw .noBoundary }
        var body: [UInt8] = []
        body.reserveCapacity(contents.reduce(0) { $0 + $1.count } + children.count * (boundary.utf8.count + 8) + 8)
        for content in contents {
            if !body.isEmpty { body.append(contentsOf: MIMEWriter.crlf) }
            body.append(contentsOf: "--\(boundary)".utf8)
            body.append(contentsOf: MIMEWriter.crlf)
            body.append(contentsOf: content)
        }
        body.append(contentsOf: MIMEWriter.crlf)
        body.append(contentsOf: "--\(boundary)--".utf8)
        var type = MIMEWriter.FoldedField("Content-Type")
        type.append("multipart/\(subtype);")
        if let typeParameter {
            type.append("type=\"\(typeParameter)\";")
        }
        type.append("boundary=\"\(boundary)\"")
        return MIMEPart(fields: [type.text], body: body, contentType: "multipart/\(subtype)")
    }

    private static func appendParameter(_ attribute: String, _ value: String, to field: inout MIMEWriter.FoldedField) {
        let pieces = MIMEParameter.pieces(attribute, value)
        for (index, piece) in pieces.enumerated() {
            field.append(index < pieces.count - 1 ? piece + ";" : piece)
        }
    }
}

/// Why an e-mail message, or one of its addresses or attachments, cannot be written.
///
/// Every description names the header or field at fault, so a partner's template error can be
/// shown as is: `the Subject header contains a line break (CR or LF), which could inject headers`.
public struct EmailError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        /// A value contains CR, LF or NUL, which would let it start a header of its own.
        case lineBreak(field: String)
        /// A value contains a control character other than a line break.
        case controlCharacter(field: String)
        /// An address is not a plain `local@domain` addr-spec.
        case invalidAddress(field: String, address: String, reason: String)
        /// An address's domain is not ASCII; it must be given in its `xn--` (punycode) form.
        case nonASCIIDomain(field: String, domain: String)
        /// The message has no recipient.
        case noRecipient
        /// The Message-ID is not `<id-left@domain>`.
        case invalidMessageID(String, reason: String)
        /// An extra header's name is not a valid field name.
        case invalidHeaderName(String)
        /// An extra header would replace one the writer sets itself.
        case reservedHeaderName(String)
        /// A header value, even folded, cannot fit in 998 octets per line.
        case lineTooLong(field: String)
        /// A content type is not `type/subtype`.
        case invalidContentType(field: String, value: String)
        /// An attachment's file name is empty or unusable.
        case invalidFilename(field: String, reason: String)
        /// A Content-ID is empty or has characters outside a message identifier.
        case invalidContentID(field: String, value: String)
        /// Two inline parts share one Content-ID.
        case duplicateContentID(String)
        /// Inline images were given without an HTML part to show them.
        case inlineWithoutHTML
        /// An inline part has no Content-ID, so the HTML cannot reference it.
        case missingContentID(field: String)
        /// A List-Unsubscribe URI is unusable.
        case invalidUnsubscribe(field: String, reason: String)
        /// No multipart boundary absent from the content was found.
        case noBoundary
    }

    private let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// The header or field the error is about, e.g. `Subject`, `From display name`, `attachment 1 filename`.
    public var field: String {
        switch kind {
        case .lineBreak(let field), .controlCharacter(let field), .invalidAddress(let field, _, _),
             .nonASCIIDomain(let field, _), .lineTooLong(let field), .invalidContentType(let field, _),
             .invalidFilename(let field, _), .invalidContentID(let field, _), .missingContentID(let field),
             .invalidUnsubscribe(let field, _):
            return field
        case .noRecipient: return "To"
        case .invalidMessageID: return "Message-ID"
        case .invalidHeaderName(let name), .reservedHeaderName(let name): return name
        case .duplicateContentID: return "Content-ID"
        case .inlineWithoutHTML: return "inline"
        case .noBoundary: return "boundary"
        }
    }

    public var description: String {
        switch kind {
        case .lineBreak(let field):
            return "the \(field) contains a line break (CR or LF) or NUL, which could inject headers"
        case .controlCharacter(let field):
            return "the \(field) contains a control character"
        case .invalidAddress(let field, let address, let reason):
            return "the \(field) '\(Self.excerpt(address))' is not a valid e-mail address: \(reason)"
        case .nonASCIIDomain(let field, let domain):
            return "the \(field) has the non-ASCII domain '\(Self.excerpt(domain))'; give it in punycode (xn--…) form"
        case .noRecipient:
            return "the message has no recipient in To"
        case .invalidMessageID(let value, let reason):
            return "the Message-ID '\(Self.excerpt(value))' is not '<id-left@domain>': \(reason)"
        case .invalidHeaderName(let name):
            return "the extra header name '\(Self.excerpt(name))' is not a valid field name (printable ASCII without ':' or spaces)"
        case .reservedHeaderName(let name):
            return "the extra header '\(Self.excerpt(name))' is set by the MIME writer itself and cannot be given"
        case .lineTooLong(let field):
            return "the \(field) cannot be written in lines of at most 998 octets"
        case .invalidContentType(let field, let value):
            return "the \(field) '\(Self.excerpt(value))' is not a 'type/subtype' media type"
        case .invalidFilename(let field, let reason):
            return "the \(field) is unusable: \(reason)"
        case .invalidContentID(let field, let value):
            return "the \(field) '\(Self.excerpt(value))' is not a Content-ID like 'logo@apikassa.ru' (without angle brackets)"
        case .duplicateContentID(let value):
            return "the Content-ID '\(Self.excerpt(value))' is used by more than one inline part"
        case .inlineWithoutHTML:
            return "the message has inline images but no HTML part to reference them"
        case .missingContentID(let field):
            return "the \(field) has no Content-ID, so the HTML cannot reference it"
        case .invalidUnsubscribe(let field, let reason):
            return "the \(field) is unusable: \(reason)"
        case .noBoundary:
            return "no multipart boundary absent from the content could be found"
        }
    }

    /// A short, printable excerpt of a caller's value for an error message (never the raw line break).
    private static func excerpt(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\r": escaped += "\\r"
            case "\n": escaped += "\\n"
            case "\0": escaped += "\\0"
            default:
                if scalar.isControl {
                    escaped += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped.count > 60 ? escaped.prefix(57) + "…" : escaped
    }

    static func lineBreak(field: String) -> EmailError { EmailError(.lineBreak(field: field)) }
    static func controlCharacter(field: String) -> EmailError { EmailError(.controlCharacter(field: field)) }
    static func invalidAddress(field: String, address: String, reason: String) -> EmailError {
        EmailError(.invalidAddress(field: field, address: address, reason: reason))
    }
    static func nonASCIIDomain(field: String, domain: String) -> EmailError {
        EmailError(.nonASCIIDomain(field: field, domain: domain))
    }
    static let noRecipient = EmailError(.noRecipient)
    static func invalidMessageID(_ value: String, reason: String) -> EmailError {
        EmailError(.invalidMessageID(value, reason: reason))
    }
    static func invalidHeaderName(_ name: String) -> EmailError { EmailError(.invalidHeaderName(name)) }
    static func reservedHeaderName(_ name: String) -> EmailError { EmailError(.reservedHeaderName(name)) }
    static func lineTooLong(field: String) -> EmailError { EmailError(.lineTooLong(field: field)) }
    static func invalidContentType(field: String, value: String) -> EmailError {
        EmailError(.invalidContentType(field: field, value: value))
    }
    static func invalidFilename(field: String, reason: String) -> EmailError {
        EmailError(.invalidFilename(field: field, reason: reason))
    }
    static func invalidContentID(field: String, value: String) -> EmailError {
        EmailError(.invalidContentID(field: field, value: value))
    }
    static func duplicateContentID(_ value: String) -> EmailError { EmailError(.duplicateContentID(value)) }
    static let inlineWithoutHTML = EmailError(.inlineWithoutHTML)
    static func missingContentID(field: String) -> EmailError { EmailError(.missingContentID(field: field)) }
    static func invalidUnsubscribe(field: String, reason: String) -> EmailError {
        EmailError(.invalidUnsubscribe(field: field, reason: reason))
    }
    static let noBoundary = EmailError(.noBoundary)
}

import Foundation

/// One rendered notification as an e-mail: addresses, subject, bodies, files and list headers.
///
/// The values are checked by ``validate()``, which ``MIMEWriter/render(_:boundaries:)`` calls first.
///
/// ```swift
/// let message = EmailMessage(
///     from: try EmailAddress("noreply@apikassa.ru", name: "ООО «Ромашка»"),
///     to: [try EmailAddress("buyer@example.com")],
///     subject: "Заказ R-77812 оплачен",
///     text: "Спасибо за заказ!",
///     messageID: "<n-4f1c9a@apikassa.ru>",
///     date: clock.now)
/// let bytes = try MIMEWriter.render(message)
/// ```
public struct EmailMessage: Sendable, Equatable {
    /// A header the writer does not set itself, such as `X-Apikassa-Notification`.
    public struct ExtraHeader: Sendable, Equatable {
        /// The field name, printable ASCII without spaces or colons, e.g. `X-Apikassa-Notification`.
        public var name: String
        /// Unstructured text; non-ASCII is written as RFC 2047 encoded words.
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Our sending address; its display name is the partner's name.
    public var from: EmailAddress
    /// The recipients; at least one.
    public var to: [EmailAddress]
    /// The partner's support address, where replies go.
    public var replyTo: EmailAddress?
    /// The subject line, any Unicode text without line breaks.
    public var subject: String
    /// The text/plain body, always present.
    public var text: String
    /// The text/html body, if any.
    public var html: String?
    /// Images the HTML references as `cid:<contentID>`; each needs a Content-ID.
    public var inline: [EmailAttachment]
    /// Files attached to the message, such as a PDF receipt.
    public var attachments: [EmailAttachment]
    /// The List-Unsubscribe headers, for non-transactional mail.
    public var listUnsubscribe: ListUnsubscribe?
    /// The Message-ID with its angle brackets, `<notification-id@apikassa.ru>`.
    public var messageID: String
    /// The origination date, from the injected clock; written in Europe/Moscow time.
    public var date: Date
    /// Further headers, written after the standard ones in the given order.
    public var extraHeaders: [ExtraHeader]

    public init(from: EmailAddress, to: [EmailAddress], replyTo: EmailAddress? = nil, subject: String, text: String,
                html: String? = nil, inline: [EmailAttachment] = [], attachments: [EmailAttachment] = [],
                listUnsubscribe: ListUnsubscribe? = nil, messageID: String, date: Date, extraHeaders: [ExtraHeader] = []) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.inline = inline
        self.attachments = attachments
        self.listUnsubscribe = listUnsubscribe
        self.messageID = messageID
        self.date = date
        self.extraHeaders = extraHeaders
    }

    /// Makes `<idLeft@domain>`, checking both sides, e.g. `try EmailMessage.messageID("n-4f1c9a", domain: "apikassa.ru")`.
    public static func messageID(_ idLeft: String, domain: String) throws(EmailError) -> String {
        let value = "<\(idLeft)@\(domain)>"
        try checkMessageID(value)
        return value
    }

    /// Checks everything the types themselves cannot: recipients, Subject, Message-ID, inline parts and extra headers.
    public func validate() throws(EmailError) {
        guard !to.isEmpty else { throw .noRecipient }
        try EmailError.checkHeaderText(subject, field: "Subject header")
        try Self.checkMessageID(messageID)
        if !inline.isEmpty, html == nil { throw .inlineWithoutHTML }
        var contentIDs: Set<String> = []
        for (index, part) in inline.enumerated() {
            guard let contentID = part.contentID else {
                throw .missingContentID(field: "inline part \(index + 1) ('\(part.filename)')")
            }
            guard contentIDs.insert(contentID.lowercased()).inserted else { throw .duplicateContentID(contentID) }
        }
        for header in extraHeaders {
            guard !header.name.isEmpty, header.name.utf8.count <= 76,
                  header.name.utf8.allSatisfy({ (33...126).contains($0) && $0 != UInt8(ascii: ":") }) else {
                throw .invalidHeaderName(header.name)
            }
            guard !Self.reservedHeaders.contains(header.name.lowercased()), !header.name.lowercased().hasPrefix("content-") else {
                throw .reservedHeaderName(header.name)
            }
            try EmailError.checkHeaderText(header.value, field: "\(header.name) header")
        }
    }

    /// Headers the writer owns; an extra header of the same name would duplicate or contradict them.
    static let reservedHeaders: Set<String> = [
        "from", "sender", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version",
        "list-unsubscribe", "list-unsubscribe-post", "return-path", "received", "dkim-signature",
    ]

    /// `<id-left@id-right>` with both sides dot-atom-text (RFC 5322 `msg-id` without the obsolete forms).
    static func checkMessageID(_ value: String) throws(EmailError) {
        try EmailError.checkHeaderText(value, field: "Message-ID header")
        guard value.utf8.first == UInt8(ascii: "<"), value.utf8.last == UInt8(ascii: ">"), value.utf8.count > 2 else {
            throw .invalidMessageID(value, reason: "it must be enclosed in angle brackets")
        }
        guard value.utf8.count <= 250 else {
            throw .invalidMessageID(value, reason: "it is longer than 250 characters")
        }
        // By bytes: every message sent has its id checked.
        let inner = value.utf8.dropFirst().dropLast()
        let sides = inner.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard sides.count == 2 else {
            throw .invalidMessageID(value, reason: "it must have exactly one '@'")
        }
        let dot = UInt8(ascii: ".")
        for side in sides {
            guard !side.isEmpty, side.first != dot, side.last != dot, !zip(side, side.dropFirst()).contains(where: { $0 == dot && $1 == dot }),
                  side.allSatisfy({ $0 == dot || EmailAddress.isAtext($0) }) else {
                throw .invalidMessageID(value, reason: "each side of '@' must be ASCII letters, digits, dots or !#$%&'*+-/=?^_`{|}~")
            }
        }
    }
}

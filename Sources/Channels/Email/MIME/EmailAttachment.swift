/// A file carried in a message: an attachment (a PDF receipt) or, with a Content-ID, an inline
/// image that the HTML shows as `<img src="cid:logo@apikassa.ru">`.
///
/// ```swift
/// let receipt = try EmailAttachment(filename: "Чек 77812.pdf", contentType: "application/pdf", data: pdf)
/// let logo = try EmailAttachment(filename: "logo.png", contentType: "image/png", data: png, contentID: "logo@apikassa.ru")
/// ```
public struct EmailAttachment: Sendable, Equatable {
    /// The file name offered to the reader; any Unicode, written with RFC 2231 encoding when not ASCII.
    public let filename: String
    /// The media type without parameters, e.g. `image/png` or `application/pdf`.
    public let contentType: String
    /// The file's bytes, written as base64.
    public let data: [UInt8]
    /// The Content-ID without angle brackets, e.g. `logo@apikassa.ru`; required for inline parts.
    public let contentID: String?

    /// Checks the file name, media type and Content-ID so that none can break the part's headers.
    public init(filename: String, contentType: String, data: [UInt8], contentID: String? = nil) throws(EmailError) {
        try EmailError.checkHeaderText(filename, field: "attachment filename")
        guard !filename.isEmpty else {
            throw .invalidFilename(field: "attachment filename", reason: "it is empty")
        }
        guard !filename.contains("/"), !filename.contains("\\") else {
            throw .invalidFilename(field: "attachment filename '\(filename)'", reason: "it must be a bare name without '/' or '\\'")
        }
        guard filename.count <= 255 else {
            throw .invalidFilename(field: "attachment filename", reason: "it is longer than 255 characters")
        }
        try EmailError.checkHeaderText(contentType, field: "content type of attachment '\(filename)'")
        guard Self.isMediaType(contentType) else {
            throw .invalidContentType(field: "content type of attachment '\(filename)'", value: contentType)
        }
        if let contentID {
            try EmailError.checkHeaderText(contentID, field: "Content-ID of attachment '\(filename)'")
            guard Self.isContentID(contentID) else {
                throw .invalidContentID(field: "Content-ID of attachment '\(filename)'", value: contentID)
            }
        }
        self.filename = filename
        self.contentType = contentType
        self.data = data
        self.contentID = contentID
    }

    /// `type/subtype`, both RFC 2045 tokens.
    static func isMediaType(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy(isToken(_:)) }
    }

    /// An RFC 2045 token character: printable ASCII except space and `()<>@,;:\"/[]?=`.
    static func isToken(_ byte: UInt8) -> Bool {
        (33...126).contains(byte) && !"()<>@,;:\\\"/[]?=".utf8.contains(byte)
    }

    /// `atext` and dots, optionally with one `@`: what fits in `<…>` and in a `cid:` URL.
    static func isContentID(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 250, value.utf8.filter({ $0 == UInt8(ascii: "@") }).count <= 1 else {
            return false
        }
        return value.split(separator: "@", omittingEmptySubsequences: false).allSatisfy { side in
            !side.isEmpty && !side.hasPrefix(".") && !side.hasSuffix(".") && !side.contains("..")
                && side.utf8.allSatisfy { $0 == UInt8(ascii: ".") || EmailAddress.isAtext($0) }
        }
    }
}

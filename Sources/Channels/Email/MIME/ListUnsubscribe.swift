import Foundation

/// The RFC 2369 `List-Unsubscribe` header and, for one-click, RFC 8058 `List-Unsubscribe-Post`.
///
/// One-click unsubscribe needs an https URL; the receiver POSTs `List-Unsubscribe=One-Click` to it.
///
/// ```swift
/// let unsubscribe = try ListUnsubscribe(url: "https://apikassa.ru/u/7Kq2Xw9p", mailto: "mailto:u+7Kq2Xw9p@apikassa.ru")
/// ```
public struct ListUnsubscribe: Sendable, Equatable {
    /// The https URL, if any.
    public let url: String?
    /// The `mailto:` URI, if any.
    public let mailto: String?
    /// Whether `List-Unsubscribe-Post: List-Unsubscribe=One-Click` is written.
    public let oneClick: Bool

    /// Checks both URIs; at least one is required, and one-click requires the https URL.
    public init(url: String?, mailto: String? = nil, oneClick: Bool = true) throws(EmailError) {
        guard url != nil || mailto != nil else {
            throw .invalidUnsubscribe(field: "List-Unsubscribe header", reason: "it needs an https URL, a mailto: URI or both")
        }
        if let url {
            try Self.checkURI(url, field: "List-Unsubscribe URL")
            guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
                  let host = components.host, !host.isEmpty else {
                throw .invalidUnsubscribe(field: "List-Unsubscribe URL", reason: "it must be an absolute https:// URL with a host")
            }
        } else if oneClick {
            throw .invalidUnsubscribe(field: "List-Unsubscribe header", reason: "one-click unsubscribe needs an https URL")
        }
        if let mailto {
            try Self.checkURI(mailto, field: "List-Unsubscribe mailto URI")
            guard mailto.lowercased().hasPrefix("mailto:"), mailto.count > 7 else {
                throw .invalidUnsubscribe(field: "List-Unsubscribe mailto URI", reason: "it must start with 'mailto:' and name an address")
            }
        }
        self.url = url
        self.mailto = mailto
        self.oneClick = oneClick
    }

    /// A URI inside `<…>` of a comma-separated list: printable ASCII without spaces, `<`, `>`, `"` or literal commas.
    private static func checkURI(_ uri: String, field: String) throws(EmailError) {
        try EmailError.checkHeaderText(uri, field: field)
        guard uri.utf8.allSatisfy({ (33...126).contains($0) && !"<>\",".utf8.contains($0) }) else {
            throw .invalidUnsubscribe(field: field, reason: "it must be printable ASCII without spaces, '<', '>', '\"' or literal commas (encode them as %2C)")
        }
        guard uri.utf8.count <= 900 else {
            throw .invalidUnsubscribe(field: field, reason: "it is longer than 900 characters and the header is never folded")
        }
    }
}

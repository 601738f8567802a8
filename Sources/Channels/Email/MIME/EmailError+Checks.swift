extension EmailError {
    /// Refuses CR, LF and NUL (header injection) and other control characters except tab in a
    /// value that ends up in a header.
    static func checkHeaderText(_ value: String, field: String) throws(EmailError) {
        // Printable ASCII and tabs, the usual case, need no look at scalars.
        if value.utf8.allSatisfy({ (0x20...0x7E).contains($0) || $0 == 0x09 }) { return }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\r", "\n", "\0", "\u{85}", "\u{2028}", "\u{2029}":
                throw .lineBreak(field: field)
            case "\t":
                continue
            default:
                if scalar.isControl {
                    throw .controlCharacter(field: field)
                }
            }
        }
    }
}

extension Unicode.Scalar {
    /// Whether this is a control character (general category Cc, which Unicode fixes as
    /// U+0000–U+001F and U+007F–U+009F): a range test, not a property table lookup per character.
    var isControl: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }
}

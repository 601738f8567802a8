extension EmailError {
    /// Refuses CR, LF and NUL (header injection) and other control characters except tab in a
    /// value that ends up in a header.
    static func checkHeaderText(_ value: String, field: String) throws(EmailError) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\r", "\n", "\0", "\u{85}", "\u{2028}", "\u{2029}":
                throw .lineBreak(field: field)
            case "\t":
                continue
            default:
                if scalar.properties.generalCategory == .control {
                    throw .controlCharacter(field: field)
                }
            }
        }
    }
}

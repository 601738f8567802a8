/// A problem in e-mail HTML: a forbidden element or attribute, an unsafe link, malformed markup.
public struct HTMLFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    /// 1-based line in the checked HTML.
    public let line: Int
    /// 1-based column when the parser gives one.
    public let column: Int?
    public let severity: Severity
    /// `forbidden-element`, `event-handler`, `javascript-url`, `insecure-url`, `relative-url`, `malformed-html`.
    public let code: String
    public let message: String

    public var description: String { "\(line):\(column ?? 1): \(severity.rawValue): \(message)" }
}

/// What e-mail HTML may not contain, and how its plain-text alternative is derived.
public enum EmailHTML {
    /// Elements that run code, embed other documents or submit data: never in an e-mail.
    static let forbiddenElements: Set<String> = ["script", "iframe", "object", "embed", "form", "applet", "frame", "frameset", "base"]
    /// Attributes whose values are URLs.
    static let urlAttributes: Set<String> = ["href", "src", "action", "formaction", "background", "poster", "cite", "longdesc", "usemap"]
    /// HTML5 elements libxml2's HTML 4 parser does not know; they are not malformed.
    static let html5Elements: Set<String> = ["section", "article", "header", "footer", "nav", "main", "aside", "figure",
                                             "figcaption", "picture", "source", "time", "mark", "svg", "path", "template"]

    /// The problems of an HTML e-mail body. A URL containing `{{` comes from template data and is not
    /// judged here (event data is checked when the event arrives).
    public static func findings(in html: String) -> [HTMLFinding] {
        var findings: [HTMLFinding] = []
        for event in scanHTML(html) {
            switch event {
            case .start(let name, let attributes, let line):
                if forbiddenElements.contains(name) {
                    findings.append(HTMLFinding(line: line, column: nil, severity: .error, code: "forbidden-element",
                                                message: "<\(name)> is not allowed in e-mail"))
                }
                for (attribute, value) in attributes {
                    let lower = attribute.lowercased()
                    if lower.hasPrefix("on") {
                        findings.append(HTMLFinding(line: line, column: nil, severity: .error, code: "event-handler",
                                                    message: "event handler attribute '\(attribute)' on <\(name)> is not allowed in e-mail"))
                    }
                    if urlAttributes.contains(lower) || (lower == "srcset") {
                        findings += urlFindings(value, element: name, attribute: lower, line: line)
                    }
                    if lower == "style", value.lowercased().contains("javascript:") || value.lowercased().contains("expression(") {
                        findings.append(HTMLFinding(line: line, column: nil, severity: .error, code: "javascript-url",
                                                    message: "style on <\(name)> runs script"))
                    }
                }
            case .problem(let message, let line, let column):
                if let tag = unknownTag(message), html5Elements.contains(tag) { continue }
                findings.append(HTMLFinding(line: line, column: column > 0 ? column : nil, severity: .warning,
                                            code: "malformed-html", message: "malformed HTML: \(message)"))
            case .end, .text:
                continue
            }
        }
        return findings
    }

    private static func unknownTag(_ message: String) -> String? {
        guard message.hasPrefix("Tag "), message.hasSuffix(" invalid") else { return nil }
        return String(message.dropFirst(4).dropLast(8))
    }

    private static func urlFindings(_ raw: String, element: String, attribute: String, line: Int) -> [HTMLFinding] {
        // Browsers ignore control characters and spaces inside a scheme; so must we.
        let url = String(raw.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F })
        let lower = url.lowercased()
        if lower.contains("{{") { return [] }
        if lower.hasPrefix("javascript:") || lower.hasPrefix("vbscript:") || (lower.hasPrefix("data:") && element != "img") {
            return [HTMLFinding(line: line, column: nil, severity: .error, code: "javascript-url",
                                message: "\(attribute) of <\(element)> is a '\(lower.prefix { $0 != ":" }):' URL, which is not allowed in e-mail")]
        }
        if lower.hasPrefix("http:") {
            return [HTMLFinding(line: line, column: nil, severity: .error, code: "insecure-url",
                                message: "\(attribute) of <\(element)> uses http; links and images must use https: \(url)")]
        }
        let allowedSchemes = element == "img" ? ["https:", "cid:", "data:image/"] : ["https:", "mailto:", "tel:", "cid:", "#"]
        if url.isEmpty || allowedSchemes.contains(where: { lower.hasPrefix($0) }) { return [] }
        if let colon = lower.firstIndex(of: ":"), lower[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            return [HTMLFinding(line: line, column: nil, severity: .error, code: "insecure-url",
                                message: "\(attribute) of <\(element)> uses the scheme '\(lower[..<colon])'; use https")]
        }
        return [HTMLFinding(line: line, column: nil, severity: .warning, code: "relative-url",
                            message: "\(attribute) of <\(element)> is relative ('\(url)'); in e-mail it leads nowhere, use a full https URL")]
    }
}

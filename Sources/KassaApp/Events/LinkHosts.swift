import Foundation
import TemplateEngine

/// The hosts a partner registered for links in event data: an approved template must not become a
/// phishing message because its data carries someone else's link. A registered host covers its
/// subdomains (`kadastr-online.ru` covers `cdn.kadastr-online.ru`).
struct LinkHosts: Sendable {
    let hosts: Set<String>

    /// A host as partners write it: lowercase letters, digits, hyphens and dots, no scheme or port.
    static func normalize(_ text: String) -> String? {
        let host = text.lowercased().trimmingCharacters(in: .whitespaces)
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard host.utf8.count <= 253, labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
        }) else { return nil }
        return host
    }

    func allows(_ host: String) -> Bool {
        let host = host.lowercased()
        if hosts.contains(host) { return true }
        // A subdomain: each parent domain in turn.
        var rest = Substring(host)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            if hosts.contains(String(rest)) { return true }
        }
        return false
    }

    /// The host of a link such as URLComponents reads the same way: `http` or `https` in any case,
    /// `://`, a host of ASCII letters, digits, dots and hyphens, an optional port, then nothing or
    /// a path, query or fragment of characters a URL may hold as they are (no `%`). Anything else
    /// is left to URLComponents (nil).
    static func plainHost(of text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var i = 0
            func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
            for byte in "http".utf8 {
                guard i < bytes.count, lower(bytes[i]) == byte else { return nil }
                i += 1
            }
            if i < bytes.count, lower(bytes[i]) == UInt8(ascii: "s") { i += 1 }
            guard bytes.count - i >= 3, bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: "/"), bytes[i + 2] == UInt8(ascii: "/") else {
                return nil
            }
            i += 3
            let hostStart = i
            while i < bytes.count, isHostByte(bytes[i]) { i += 1 }
            guard i > hostStart else { return nil }
            let host = String(decoding: UnsafeBufferPointer(rebasing: bytes[hostStart..<i]), as: UTF8.self)
            if i < bytes.count, bytes[i] == UInt8(ascii: ":") {
                i += 1
                let portStart = i
                while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
                guard i > portStart, i - portStart <= 5 else { return nil }
            }
            guard i == bytes.count || bytes[i] == UInt8(ascii: "/") || bytes[i] == UInt8(ascii: "?") || bytes[i] == UInt8(ascii: "#") else {
                return nil
            }
            var fragment = false
            while i < bytes.count {
                let byte = bytes[i]
                // A second `#` is no URL to URLComponents.
                if byte == UInt8(ascii: "#") {
                    if fragment { return nil }
                    fragment = true
                }
                guard isPlainURLByte(byte) else { return nil }
                i += 1
            }
            return host
        }
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }

    /// Unreserved and reserved characters of RFC 3986 but `[` and `]`, which only a host may hold.
    private static func isPlainURLByte(_ byte: UInt8) -> Bool {
        isHostByte(byte) || "_~:/?#@!$&'()*+,;=".utf8.contains(byte)
    }

    /// The first link in `data` that is not allowed, as `path: why`; a link is any string that starts
    /// with a scheme (`https:`, `http:`, `javascript:`…) or sits in a field the schema calls a URI,
    /// and any `scheme://…` written inside other text, which mail clients and messengers link as well.
    func firstViolation(in data: Value, schema: Schema?) -> String? {
        firstViolation(in: data, schema: schema) { "data" }
    }

    /// The path is written only for a violation: most values are no link, and every event's data
    /// is walked.
    private func firstViolation(in data: Value, schema: Schema?, path: () -> String) -> String? {
        switch data {
        case .string(let text):
            guard schema?.format == "uri" || Self.looksLikeLink(text) else {
                for link in Self.embeddedLinks(in: text) {
                    if let found = violation(ofLink: link, path: path) { return found }
                }
                return nil
            }
            return violation(ofLink: text, path: path)
        case .array(let items):
            for (i, item) in items.enumerated() {
                if let found = firstViolation(in: item, schema: schema?.itemSchema, path: { "\(path())[\(i)]" }) { return found }
            }
            return nil
        case .object(let o):
            for (key, value) in o.pairs {
                if let found = firstViolation(in: value, schema: schema?.property(key), path: { "\(path()).\(key)" }) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    private func violation(ofLink text: String, path: () -> String) -> String? {
        if let host = Self.plainHost(of: text) {
            return allows(host) ? nil : "\(path()): \(host) is not among the partner's registered link hosts"
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased() else {
            return "\(path()): '\(text.prefix(80))' is not a URL"
        }
        guard scheme == "https" || scheme == "http" else {
            return "\(path()): links must be http or https, not \(scheme):"
        }
        guard let host = url.host, !host.isEmpty else { return "\(path()): the link has no host" }
        guard url.user == nil, url.password == nil else { return "\(path()): the link carries a user name or password" }
        guard allows(host) else {
            return "\(path()): \(host) is not among the partner's registered link hosts"
        }
        return nil
    }

    /// The `scheme://…` links inside text (`Отчёт: https://host/path.`): from the scheme to the next
    /// space or quote, without the punctuation that ends a sentence.
    static func embeddedLinks(in text: String) -> [String] {
        // Most text has no `://` at all.
        guard Self.containsSchemeSeparator(text) else { return [] }
        let scalars = Array(text.unicodeScalars)
        func isSchemeScalar(_ s: Unicode.Scalar) -> Bool { s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "+-.".unicodeScalars.contains(s)) }
        var links: [String] = []
        var i = 0
        while i + 2 < scalars.count {
            guard scalars[i] == ":", scalars[i + 1] == "/", scalars[i + 2] == "/" else { i += 1; continue }
            var start = i
            while start > 0, isSchemeScalar(scalars[start - 1]) { start -= 1 }
            var end = i + 3
            while end < scalars.count, !scalars[end].properties.isWhitespace, !"<>\"'".unicodeScalars.contains(scalars[end]) { end += 1 }
            if start < i {
                var link = String(String.UnicodeScalarView(scalars[start..<end]))
                while let last = link.last, ".,;:!?)]}»".contains(last) { link.removeLast() }
                links.append(link)
            }
            i = end
        }
        return links
    }

    /// The hosts of the links in the events' sample data (for a demo partner).
    static func hosts(inSamplesOf events: [EventDefinition]) -> [String] {
        func collect(_ value: Value, into hosts: inout Set<String>) {
            switch value {
            case .string(let text) where looksLikeLink(text):
                if let host = URLComponents(string: text)?.host?.lowercased() { hosts.insert(host) }
            case .array(let items): for item in items { collect(item, into: &hosts) }
            case .object(let o): for (_, v) in o.pairs { collect(v, into: &hosts) }
            default: break
            }
        }
        var hosts: Set<String> = []
        for event in events { collect(event.sample, into: &hosts) }
        return hosts.sorted()
    }

    /// Text that a mail client or messenger would turn into a link: a URL scheme at the start.
    /// Read by bytes: it runs on every string of every event.
    static func looksLikeLink(_ text: String) -> Bool {
        let utf8 = text.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex, utf8[i] == UInt8(ascii: " ") || utf8[i] == UInt8(ascii: "\t") { i = utf8.index(after: i) }
        if i != utf8.endIndex, utf8[i] < 0x20 { return false }
        // Text that starts with a letter of another alphabet is no link; other leading white space
        // (a no-break space…) is rare enough for the general reading.
        if i != utf8.endIndex, utf8[i] >= 0x80 {
            return text.unicodeScalars[i].properties.isWhitespace && looksLikeLinkSlowly(text)
        }
        var scheme: [UInt8] = []
        while i != utf8.endIndex, scheme.count < 16 {
            let byte = utf8[i] | 0x20
            if byte == UInt8(ascii: ".") && scheme == Array("www".utf8) { return true }
            guard (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || utf8[i] == UInt8(ascii: "+") || utf8[i] == UInt8(ascii: "-")
                    || utf8[i] == UInt8(ascii: ".")
            else { break }
            scheme.append(utf8[i] == UInt8(ascii: ".") ? utf8[i] : byte)
            i = utf8.index(after: i)
        }
        guard !scheme.isEmpty, i != utf8.endIndex, utf8[i] == UInt8(ascii: ":") else { return false }
        if utf8[i...].starts(with: "://".utf8) { return true }
        return Self.schemesWithoutSlashes.contains(scheme)
    }

    private static func containsSchemeSeparator(_ text: String) -> Bool {
        var run = 0
        for byte in text.utf8 {
            switch (run, byte) {
            case (_, UInt8(ascii: ":")): run = 1
            case (1, UInt8(ascii: "/")): run = 2
            case (2, UInt8(ascii: "/")): return true
            default: run = 0
            }
        }
        return false
    }

    private static let schemesWithoutSlashes: Set<[UInt8]> = Set(["javascript", "data", "vbscript", "file"].map { Array($0.utf8) })

    private static func looksLikeLinkSlowly(_ text: String) -> Bool {
        let lowered = text.prefix(16).lowercased().trimmingCharacters(in: .whitespaces)
        if lowered.hasPrefix("www.") { return true }
        guard let colon = lowered.firstIndex(of: ":") else { return false }
        let scheme = lowered[..<colon]
        return !scheme.isEmpty && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "+" || $0 == "-" || $0 == ".") }
            && lowered[colon...].hasPrefix("://") || ["javascript", "data", "vbscript", "file"].contains(String(scheme))
    }
}

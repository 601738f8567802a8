import Foundation

/// Output checks done before any timing.
enum Verify {
    /// nil when equal; otherwise the first differing byte offset with context from both sides.
    static func firstDifference(actual: [UInt8], expected: [UInt8], context: Int = 60) -> String? {
        if actual == expected { return nil }
        var i = 0
        let n = min(actual.count, expected.count)
        while i < n && actual[i] == expected[i] { i += 1 }
        // The difference may fall inside a multi-byte UTF-8 character: show context from that
        // character's first byte (the common prefix is the same on both sides).
        var cs = i
        let prefixSource = i < expected.count ? expected : actual
        while cs > 0 && cs < prefixSource.count && prefixSource[cs] & 0xC0 == 0x80 { cs -= 1 }
        // Line and column (in bytes) of the offset, for orientation.
        var line = 1, col = 1
        for b in expected[..<min(cs, expected.count)] { if b == 0x0A { line += 1; col = 1 } else { col += 1 } }
        func show(_ bytes: [UInt8]) -> String {
            var lo = max(0, cs - context)
            while lo < cs && bytes[lo] & 0xC0 == 0x80 { lo += 1 }
            var hi = min(bytes.count, cs + context)
            while hi > cs && hi < bytes.count && bytes[hi] & 0xC0 == 0x80 { hi -= 1 }
            let before = describe(bytes[lo..<min(cs, bytes.count)])
            let after = cs < bytes.count ? describe(bytes[cs..<hi]) : "<end of output>"
            let hex = cs < bytes.count ? bytes[cs..<min(bytes.count, cs + 12)].map { hex2($0) }.joined(separator: " ") : "-"
            return "…\(before)⟦HERE⟧\(after)…\n              bytes from offset \(cs): \(hex)"
        }
        let inside = cs == i ? "" : " (inside the UTF-8 character starting at offset \(cs))"
        return """
            first difference at byte offset \(i)\(inside), line \(line), byte column \(col); \
            lengths: actual \(actual.count), expected \(expected.count)
              expected: \(show(expected))
              actual:   \(show(actual))
            """
    }

    private static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    /// Bytes as text with newlines and other control characters made visible; invalid UTF-8 (a cut
    /// through a multi-byte character) is repaired by the decoder.
    private static func describe(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
            .replacingOccurrences(of: "\r", with: "\\r")
    }

    /// bench_python.py's `norm`: `re.sub(r"\s+", " ", html.unescape(s)).strip()`.
    static func norm(_ s: String) -> String {
        let text = unescapeHTML(s)
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for u in text.unicodeScalars {
            if isPythonWhitespace(u) { pendingSpace = true; continue }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(u)
        }
        return String(out)
    }

    /// Python's `\s` for str patterns: Unicode whitespace plus the ASCII separators 0x1C–0x1F.
    private static func isPythonWhitespace(_ u: Unicode.Scalar) -> Bool {
        u.properties.isWhitespace || (0x1C...0x1F).contains(u.value)
    }

    private static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "mdash": "—", "ndash": "–", "laquo": "«", "raquo": "»", "copy": "©", "minus": "−", "bull": "•",
        "times": "×", "hellip": "…",
    ]

    /// Decodes numeric character references and the named entities an engine is likely to write
    /// (enough for these fixtures; `html.unescape` knows all of HTML5's).
    static func unescapeHTML(_ s: String) -> String {
        guard s.contains("&") else { return s }
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let u = scalars[i]
            if u == "&", let semi = scalars[(i + 1)...].prefix(32).firstIndex(of: ";") {
                let body = String(String.UnicodeScalarView(scalars[(i + 1)..<semi]))
                var replacement: String?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    replacement = UInt32(body.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if body.hasPrefix("#") {
                    replacement = UInt32(body.dropFirst(1)).flatMap(Unicode.Scalar.init).map { String($0) }
                } else {
                    replacement = namedEntities[body]
                }
                if let r = replacement {
                    out.append(contentsOf: r.unicodeScalars)
                    i = semi + 1
                    continue
                }
            }
            out.append(u)
            i += 1
        }
        return String(out)
    }
}

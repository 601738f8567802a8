import Foundation

extension StandardFilters {
    /// Filters that encode or decode text: HTML escaping, URL and Base64 encodings, and HTML stripping.
    static let encodingFilters: [FilterDefinition] = [
        FilterDefinition("escape") { input, _, ctx in try escape(input, ctx) },
        FilterDefinition("h") { input, _, ctx in try escape(input, ctx) },
        FilterDefinition("escape_once") { input, _, ctx in
            let bytes = Array(input.toStringValue.utf8)
            var out = BoundedBytes(ctx, reserve: bytes.count)
            for (i, b) in bytes.enumerated() {
                if b == UInt8(ascii: "&") && startsEntity(bytes, at: i + 1) {
                    try out.append(b)
                } else if let entity = htmlEntity(b) {
                    try out.append(contentsOf: entity)
                } else {
                    try out.append(b)
                }
            }
            return .string(out.string)
        },
        FilterDefinition("url_encode") { input, _, ctx in
            if input.isNil { return .nil }
            let bytes = Array(input.toStringValue.utf8)
            var out = BoundedBytes(ctx, reserve: bytes.count)
            for b in bytes {
                switch b {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                     UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."),
                     UInt8(ascii: "-"), UInt8(ascii: "~"):
                    try out.append(b)
                case UInt8(ascii: " "):
                    try out.append(UInt8(ascii: "+"))
                default:
                    try out.append(contentsOf: [UInt8(ascii: "%"), hexDigits[Int(b >> 4)], hexDigits[Int(b & 0x0F)]])
                }
            }
            return .string(out.string)
        },
        FilterDefinition("url_decode") { input, _, _ in
            if input.isNil { return .nil }
            let bytes = Array(input.toStringValue.utf8)
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "%"), i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]),
                   let lo = hexValue(bytes[i + 2]) {
                    out.append(hi << 4 | lo)
                    i += 3
                    continue
                }
                out.append(b == UInt8(ascii: "+") ? UInt8(ascii: " ") : b)
                i += 1
            }
            guard let text = String(validating: out, as: UTF8.self) else {
                throw FilterError("invalid byte sequence in UTF-8")
            }
            return .string(text)
        },
        FilterDefinition("base64_encode") { input, _, ctx in
            let data = Data(input.toStringValue.utf8)
            try ctx.checkLength((data.count + 2) / 3 * 4)
            return .string(data.base64EncodedString())
        },
        FilterDefinition("base64_url_safe_encode") { input, _, ctx in
            let data = Data(input.toStringValue.utf8)
            try ctx.checkLength((data.count + 2) / 3 * 4)
            let standard = data.base64EncodedString()
            return .string(String(standard.map { $0 == "+" ? "-" : ($0 == "/" ? "_" : $0) }))
        },
        FilterDefinition("base64_decode") { input, _, _ in
            guard let text = decodeBase64(Array(input.toStringValue.utf8), urlSafe: false) else {
                throw FilterError("invalid base64 provided to base64_decode")
            }
            return .string(text)
        },
        FilterDefinition("base64_url_safe_decode") { input, _, _ in
            guard let text = decodeBase64(Array(input.toStringValue.utf8), urlSafe: true) else {
                throw FilterError("invalid base64 provided to base64_url_safe_decode")
            }
            return .string(text)
        },
        FilterDefinition("strip_html") { input, _, _ in
            .string(stripHTML(input.toStringValue))
        },
        // In HTML output the text is escaped here, so that only the `<br />` it adds is markup.
        FilterDefinition("newline_to_br") { input, _, ctx in
            let bytes = Array(input.toStringValue.utf8)
            var out = BoundedBytes(ctx, reserve: bytes.count)
            let br = Array("<br />\n".utf8)
            let escaping = ctx.options.escaping == .html
            var i = 0
            while i < bytes.count {
                if bytes[i] == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A {
                    try out.append(contentsOf: br)
                    i += 2
                } else if bytes[i] == 0x0A {
                    try out.append(contentsOf: br)
                    i += 1
                } else if escaping, let entity = htmlEntity(bytes[i]) {
                    try out.append(contentsOf: entity)
                    i += 1
                } else {
                    try out.append(bytes[i])
                    i += 1
                }
            }
            return .string(out.string)
        },
    ]
}

/// Upper-case hexadecimal digits, as CGI.escape writes them.
private let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

/// The value of a hexadecimal digit byte, either case.
private func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// The entity CGI.escapeHTML writes for a byte, if it is one of the five it escapes.
private func htmlEntity(_ b: UInt8) -> [UInt8]? {
    switch b {
    case UInt8(ascii: "&"): return Array("&amp;".utf8)
    case UInt8(ascii: "<"): return Array("&lt;".utf8)
    case UInt8(ascii: ">"): return Array("&gt;".utf8)
    case UInt8(ascii: "\""): return Array("&quot;".utf8)
    case UInt8(ascii: "'"): return Array("&#39;".utf8)
    default: return nil
    }
}

/// `escape`: nil stays nil, anything else is written as text with `& < > " '` escaped.
private func escape(_ input: Value, _ ctx: FilterContext) throws -> Value {
    if input.isNil { return .nil }
    let bytes = Array(input.toStringValue.utf8)
    var out = BoundedBytes(ctx, reserve: bytes.count)
    for b in bytes {
        if let entity = htmlEntity(b) { try out.append(contentsOf: entity) } else { try out.append(b) }
    }
    return .string(out.string)
}

/// Whether the bytes from `start` read as the rest of an entity, `name;` or `#digits;`, which
/// `escape_once` leaves alone (its regex: `&(?!([a-zA-Z]+|(#\d+));)`).
private func startsEntity(_ bytes: [UInt8], at start: Int) -> Bool {
    var i = start
    if i < bytes.count && bytes[i] == UInt8(ascii: "#") {
        i += 1
        let digits = i
        while i < bytes.count && isASCIIDigit(bytes[i]) { i += 1 }
        return i > digits && i < bytes.count && bytes[i] == UInt8(ascii: ";")
    }
    let letters = i
    while i < bytes.count && ((bytes[i] | 0x20) >= UInt8(ascii: "a") && (bytes[i] | 0x20) <= UInt8(ascii: "z")) {
        i += 1
    }
    return i > letters && i < bytes.count && bytes[i] == UInt8(ascii: ";")
}

/// Ruby's strict Base64 decoding (`strict_decode64`, or `urlsafe_decode64`, which first restores
/// missing padding), giving nil for malformed input or bytes that are not UTF-8 text.
private func decodeBase64(_ input: [UInt8], urlSafe: Bool) -> String? {
    var chars = input
    if urlSafe {
        if chars.last != UInt8(ascii: "="), chars.count % 4 != 0 {
            chars.append(contentsOf: [UInt8](repeating: UInt8(ascii: "="), count: 4 - chars.count % 4))
        }
        chars = chars.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : ($0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0) }
    }
    guard chars.count % 4 == 0 else { return nil }
    func sextet(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(c - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 4 * 3)
    var i = 0
    while i < chars.count {
        let isLast = i + 4 == chars.count
        let padding = isLast ? (chars[i + 3] == UInt8(ascii: "=") ? (chars[i + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
        var group: UInt32 = 0
        for k in 0..<(4 - padding) {
            guard let v = sextet(chars[i + k]) else { return nil }
            group = group << 6 | v
        }
        switch padding {
        case 0:
            out.append(UInt8(group >> 16 & 0xFF))
            out.append(UInt8(group >> 8 & 0xFF))
            out.append(UInt8(group & 0xFF))
        case 1:
            // Three symbols carry 18 bits: two bytes and two bits that must be zero.
            guard group & 0x3 == 0 else { return nil }
            out.append(UInt8(group >> 10 & 0xFF))
            out.append(UInt8(group >> 2 & 0xFF))
        default:
            // Two symbols carry 12 bits: one byte and four bits that must be zero.
            guard group & 0xF == 0 else { return nil }
            out.append(UInt8(group >> 4 & 0xFF))
        }
        i += 4
    }
    return String(validating: out, as: UTF8.self)
}

/// Finds successive occurrences of one marker in a byte string for queries whose positions never
/// decrease, so that the repeated searches of `strip_html` scan each byte only once overall.
private struct ForwardFinder {
    let bytes: [UInt8]
    let needle: [UInt8]
    private var found: Int?
    private var exhausted = false

    init(_ bytes: [UInt8], _ marker: String) {
        self.bytes = bytes
        self.needle = Array(marker.utf8)
    }

    /// The first occurrence at or after `position`.
    mutating func next(from position: Int) -> Int? {
        if exhausted { return nil }
        if let f = found, f >= position { return f }
        found = byteIndex(of: needle, in: bytes, from: position)
        if found == nil { exhausted = true }
        return found
    }
}

/// Liquid's `strip_html` without regular expressions: first `<script…</script>`, `<!--…-->` and
/// `<style…</style>` blocks are removed, then every `<…>` tag, each in one forward pass.
func stripHTML(_ text: String) -> String {
    let bytes = Array(text.utf8)
    guard bytes.contains(UInt8(ascii: "<")) else { return text }
    var scriptEnd = ForwardFinder(bytes, "</script>")
    var commentEnd = ForwardFinder(bytes, "-->")
    var styleEnd = ForwardFinder(bytes, "</style>")
    let script = Array("<script".utf8)
    let comment = Array("<!--".utf8)
    let style = Array("<style".utf8)

    func starts(_ prefix: [UInt8], at i: Int) -> Bool {
        guard i + prefix.count <= bytes.count else { return false }
        for k in 1..<prefix.count where bytes[i + k] != prefix[k] { return false }
        return true
    }

    var withoutBlocks: [UInt8] = []
    withoutBlocks.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "<"), i + 1 < bytes.count,
           bytes[i + 1] == UInt8(ascii: "s") || bytes[i + 1] == UInt8(ascii: "!") {
            if starts(script, at: i), let end = scriptEnd.next(from: i + script.count) {
                i = end + 9
                continue
            }
            if starts(comment, at: i), let end = commentEnd.next(from: i + comment.count) {
                i = end + 3
                continue
            }
            if starts(style, at: i), let end = styleEnd.next(from: i + style.count) {
                i = end + 8
                continue
            }
        }
        withoutBlocks.append(bytes[i])
        i += 1
    }

    var out: [UInt8] = []
    out.reserveCapacity(withoutBlocks.count)
    var tagEnd = ForwardFinder(withoutBlocks, ">")
    i = 0
    while i < withoutBlocks.count {
        if withoutBlocks[i] == UInt8(ascii: "<") {
            guard let end = tagEnd.next(from: i + 1) else {
                out.append(contentsOf: withoutBlocks[i...])
                break
            }
            i = end + 1
            continue
        }
        out.append(withoutBlocks[i])
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

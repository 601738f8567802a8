import Foundation

extension StandardFilters {
    /// Filters that read their input as text and build text (or, for `split`, a list of text).
    static let stringFilters: [FilterDefinition] = [
        FilterDefinition("append", arity: 1...1) { input, args, ctx in
            let head = input.toStringValue
            let tail = filterArgument(args, 0).toStringValue
            try ctx.checkLength(head.utf8.count + tail.utf8.count)
            return .string(head + tail)
        },
        FilterDefinition("prepend", arity: 1...1) { input, args, ctx in
            let head = filterArgument(args, 0).toStringValue
            let tail = input.toStringValue
            try ctx.checkLength(head.utf8.count + tail.utf8.count)
            return .string(head + tail)
        },
        FilterDefinition("downcase") { input, _, ctx in
            let s = input.toStringValue
            return try caseMapped(mapCyrillicAndASCII(s, .lower) ?? s.lowercased(), ctx)
        },
        FilterDefinition("upcase") { input, _, ctx in
            let s = input.toStringValue
            return try caseMapped(mapCyrillicAndASCII(s, .upper) ?? s.uppercased(), ctx)
        },
        FilterDefinition("capitalize") { input, _, ctx in
            let s = input.toStringValue
            return try caseMapped(mapCyrillicAndASCII(s, .capitalize) ?? capitalize(s), ctx)
        },
        FilterDefinition("strip") { input, _, _ in
            .string(trim(input.toStringValue, leading: true, trailing: true))
        },
        FilterDefinition("lstrip") { input, _, _ in
            .string(trim(input.toStringValue, leading: true, trailing: false))
        },
        FilterDefinition("rstrip") { input, _, _ in
            .string(trim(input.toStringValue, leading: false, trailing: true))
        },
        FilterDefinition("strip_newlines") { input, _, _ in
            var out: [UInt8] = []
            let bytes = Array(input.toStringValue.utf8)
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                if bytes[i] == 0x0A || (bytes[i] == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) {
                    i += bytes[i] == 0x0D ? 2 : 1
                    continue
                }
                out.append(bytes[i])
                i += 1
            }
            return .string(String(decoding: out, as: UTF8.self))
        },
        FilterDefinition("replace", arity: 1...2) { input, args, ctx in
            .string(try rubySubstitute(input.toStringValue, filterArgument(args, 0).toStringValue,
                                   filterArgument(args, 1).toStringValue, global: true, ctx))
        },
        FilterDefinition("replace_first", arity: 1...2) { input, args, ctx in
            .string(try rubySubstitute(input.toStringValue, filterArgument(args, 0).toStringValue,
                                   filterArgument(args, 1).toStringValue, global: false, ctx))
        },
        FilterDefinition("replace_last", arity: 2...2) { input, args, ctx in
            .string(try rubyReplaceLast(input.toStringValue, filterArgument(args, 0).toStringValue,
                                    filterArgument(args, 1).toStringValue, ctx))
        },
        FilterDefinition("remove", arity: 1...1) { input, args, ctx in
            .string(try rubySubstitute(input.toStringValue, filterArgument(args, 0).toStringValue, "", global: true, ctx))
        },
        FilterDefinition("remove_first", arity: 1...1) { input, args, ctx in
            .string(try rubySubstitute(input.toStringValue, filterArgument(args, 0).toStringValue, "", global: false, ctx))
        },
        FilterDefinition("remove_last", arity: 1...1) { input, args, ctx in
            .string(try rubyReplaceLast(input.toStringValue, filterArgument(args, 0).toStringValue, "", ctx))
        },
        FilterDefinition("slice", arity: 1...2) { input, args, ctx in
            let offset = try filterArgument(args, 0).toInteger()
            let lengthArgument = filterArgument(args, 1)
            let length = lengthArgument.isTruthy ? try lengthArgument.toInteger() : 1
            if case .array(let a) = input {
                guard let r = rubySliceRange(count: a.count, offset: offset, length: length) else { return .array([]) }
                return .array(Array(a[r]))
            }
            let scalars = Array(input.toStringValue.unicodeScalars)
            guard let r = rubySliceRange(count: scalars.count, offset: offset, length: length) else { return .string("") }
            var out = String.UnicodeScalarView()
            out.append(contentsOf: scalars[r])
            let result = String(out)
            try ctx.checkLength(result.utf8.count)
            return .string(result)
        },
        FilterDefinition("split", arity: 1...1) { input, args, ctx in
            .array(try rubySplit(input.toStringValue, by: filterArgument(args, 0).toStringValue, ctx).map { .string($0) })
        },
        FilterDefinition("truncate", arity: 0...2) { input, args, ctx in
            if input.isNil { return .nil }
            let text = input.toStringValue
            let length = try (suppliedArgument(args, 0) ?? .int(50)).toInteger()
            let ellipsis = (suppliedArgument(args, 1) ?? .string("...")).toStringValue
            let scalars = text.unicodeScalars
            guard scalars.count > length else { return .string(text) }
            let ellipsisCount = ellipsis.unicodeScalars.count
            let keep = length <= ellipsisCount ? 0 : length - ellipsisCount
            var out = String.UnicodeScalarView()
            out.append(contentsOf: scalars.prefix(keep))
            let head = String(out)
            try ctx.checkLength(head.utf8.count + ellipsis.utf8.count)
            return .string(head + ellipsis)
        },
        FilterDefinition("truncatewords", arity: 0...2) { input, args, ctx in
            if input.isNil { return .nil }
            let text = input.toStringValue
            var words = try (suppliedArgument(args, 0) ?? .int(15)).toInteger()
            if words <= 0 { words = 1 }
            let bytes = Array(text.utf8)
            var kept: [Range<Int>] = []
            var i = 0
            var more = false
            while i < bytes.count {
                while i < bytes.count && isRubySpaceByte(bytes[i]) { i += 1 }
                guard i < bytes.count else { break }
                if kept.count == words {
                    more = true
                    break
                }
                let start = i
                while i < bytes.count && !isRubySpaceByte(bytes[i]) { i += 1 }
                kept.append(start..<i)
            }
            guard more else { return .string(text) }
            let ellipsis = (suppliedArgument(args, 1) ?? .string("...")).toStringValue
            var out = BoundedBytes(ctx, reserve: i + ellipsis.utf8.count)
            for (n, word) in kept.enumerated() {
                if n > 0 { try out.append(0x20) }
                try out.append(contentsOf: bytes[word])
            }
            try out.append(contentsOf: ellipsis.utf8)
            return .string(out.string)
        },
    ]
}

/// A case-mapped string, refused when the mapping grew it past the string bound.
private func caseMapped(_ s: String, _ ctx: FilterContext) throws -> Value {
    try ctx.checkLength(s.utf8.count)
    return .string(s)
}

enum CaseMapping {
    case upper
    case lower
    /// The first character in title case, the rest in lower case.
    case capitalize
}

/// The case mapping of text made only of ASCII and the Cyrillic letters U+0400–U+045F (Russian
/// and the other modern Cyrillic alphabets), or nil for any other text.
///
/// Why: these are nearly all the text our notifications hold, and for them the standard library's
/// `uppercased()`/`lowercased()` walk its general Unicode tables at thousands of instructions per
/// call, more than a whole output of a render. In this range every letter maps one to one, to a
/// letter of the same UTF-8 length, with title case equal to upper case and nothing depending on
/// context, so a byte walk gives exactly the standard library's result (`CaseMappingTests` checks
/// every scalar of the range against it).
func mapCyrillicAndASCII(_ s: String, _ mapping: CaseMapping) -> String? {
    // Every mapping keeps the byte length, so the bytes are mapped in place.
    var bytes = Array(s.utf8)
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        let upper = mapping == .upper || (mapping == .capitalize && i == 0)
        if b < 0x80 {
            if upper {
                if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") { bytes[i] = b - 0x20 }
            } else if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") {
                bytes[i] = b + 0x20
            }
            i += 1
            continue
        }
        // U+0400–U+045F are the two-byte sequences with lead byte 0xD0, or 0xD1 and 0x80–0x9F after it.
        guard b == 0xD0 || b == 0xD1, i + 1 < bytes.count else { return nil }
        var scalar = UInt32(b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
        switch scalar {
        case 0x430...0x44F where upper: scalar -= 0x20  // а–я → А–Я
        case 0x450...0x45F where upper: scalar -= 0x50  // ѐ–џ → Ѐ–Џ
        case 0x410...0x42F where !upper: scalar += 0x20
        case 0x400...0x40F where !upper: scalar += 0x50
        case 0x400...0x45F: break
        default: return nil
        }
        bytes[i] = UInt8(0xC0 | scalar >> 6)
        bytes[i + 1] = UInt8(0x80 | scalar & 0x3F)
        i += 2
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Ruby's `String#capitalize`: the first character in title case, the rest in lower case.
private func capitalize(_ s: String) -> String {
    guard let first = s.unicodeScalars.first else { return s }
    let rest = String(s.unicodeScalars.dropFirst())
    return first.properties.titlecaseMapping + rest.lowercased()
}

/// Ruby's `strip`, `lstrip` and `rstrip`: ASCII whitespace and NUL removed from the chosen ends.
private func trim(_ s: String, leading: Bool, trailing: Bool) -> String {
    let bytes = Array(s.utf8)
    var start = 0
    var end = bytes.count
    if leading { while start < end && isRubyStripByte(bytes[start]) { start += 1 } }
    if trailing { while end > start && isRubyStripByte(bytes[end - 1]) { end -= 1 } }
    if start == 0 && end == bytes.count { return s }
    return String(decoding: bytes[start..<end], as: UTF8.self)
}

/// The index range Ruby's `slice(offset, length)` selects from `count` items, or nil where Ruby
/// answers nil (an offset past the end or a negative length).
func rubySliceRange(count: Int, offset: Int, length: Int) -> Range<Int>? {
    let start = offset < 0 ? count + offset : offset
    guard start >= 0, start <= count, length >= 0 else { return nil }
    let end = start + min(length, count - start)
    return start..<end
}

/// Ruby's `String#split(string)`: a single space splits on runs of whitespace (ignoring leading
/// whitespace), an empty pattern splits into characters, anything else splits on the exact text;
/// trailing empty fields are dropped.
func rubySplit(_ text: String, by pattern: String, _ ctx: FilterContext) throws -> [String] {
    if text.isEmpty { return [] }
    let bytes = Array(text.utf8)
    var fields: [String] = []
    if pattern == " " {
        var i = 0
        while i < bytes.count {
            while i < bytes.count && isRubySpaceByte(bytes[i]) { i += 1 }
            guard i < bytes.count else { break }
            let start = i
            while i < bytes.count && !isRubySpaceByte(bytes[i]) { i += 1 }
            fields.append(String(decoding: bytes[start..<i], as: UTF8.self))
        }
        return fields
    }
    if pattern.isEmpty {
        return text.unicodeScalars.map { String($0) }
    }
    var matcher = ByteMatcher(Array(pattern.utf8))
    let width = matcher.needle.count
    var fieldStart = 0
    for (i, b) in bytes.enumerated() where matcher.feed(b) {
        let matchStart = i + 1 - width
        fields.append(String(decoding: bytes[fieldStart..<matchStart], as: UTF8.self))
        fieldStart = i + 1
        matcher.reset()
    }
    fields.append(String(decoding: bytes[fieldStart...], as: UTF8.self))
    while let last = fields.last, last.isEmpty { fields.removeLast() }
    return fields
}

/// Ruby's `sub` (first) and `gsub` (every) with a plain-text pattern, including Ruby's reading of
/// `\0`, `\&`, `` \` ``, `\'`, `\\` and `\1`…`\9` in the replacement; the result is bounded as it grows.
func rubySubstitute(_ text: String, _ pattern: String, _ replacement: String, global: Bool,
                _ ctx: FilterContext) throws -> String {
    let bytes = Array(text.utf8)
    let needle = Array(pattern.utf8)
    let template = Array(replacement.utf8)
    let literal = !template.contains(UInt8(ascii: "\\"))
    var out = BoundedBytes(ctx, reserve: bytes.count)

    func emit(matchStart: Int, matchEnd: Int) throws {
        if literal {
            try out.append(contentsOf: template)
        } else {
            try expandReplacement(template, bytes, matchStart..<matchEnd, into: &out)
        }
    }

    if needle.isEmpty {
        // An empty pattern matches before every character and at the end.
        var i = 0
        try emit(matchStart: 0, matchEnd: 0)
        guard global else {
            try out.append(contentsOf: bytes)
            return out.string
        }
        while i < bytes.count {
            let width = utf8Width(bytes[i])
            let end = min(i + width, bytes.count)
            try out.append(contentsOf: bytes[i..<end])
            i = end
            try emit(matchStart: i, matchEnd: i)
        }
        return out.string
    }

    var matcher = ByteMatcher(needle)
    var copied = 0
    var i = 0
    while i < bytes.count {
        if matcher.feed(bytes[i]) {
            let start = i + 1 - needle.count
            try out.append(contentsOf: bytes[copied..<start])
            try emit(matchStart: start, matchEnd: i + 1)
            copied = i + 1
            matcher.reset()
            if !global { break }
        }
        i += 1
    }
    try out.append(contentsOf: bytes[copied...])
    return out.string
}

/// The replacement text for one match, with Ruby's backslash sequences expanded.
private func expandReplacement(_ template: [UInt8], _ subject: [UInt8], _ match: Range<Int>,
                               into out: inout BoundedBytes) throws {
    var i = 0
    while i < template.count {
        let b = template[i]
        guard b == UInt8(ascii: "\\"), i + 1 < template.count else {
            try out.append(b)
            i += 1
            continue
        }
        let next = template[i + 1]
        switch next {
        case UInt8(ascii: "0"), UInt8(ascii: "&"): try out.append(contentsOf: subject[match])
        case UInt8(ascii: "`"): try out.append(contentsOf: subject[..<match.lowerBound])
        case UInt8(ascii: "'"): try out.append(contentsOf: subject[match.upperBound...])
        case UInt8(ascii: "\\"): try out.append(next)
        case UInt8(ascii: "1")...UInt8(ascii: "9"): break  // A plain-text pattern has no groups.
        default:
            try out.append(b)
            try out.append(next)
        }
        i += 2
    }
}

/// The byte length of the UTF-8 sequence a lead byte starts.
@inline(__always) func utf8Width(_ lead: UInt8) -> Int {
    switch lead {
    case 0xF0...: return 4
    case 0xE0...: return 3
    case 0xC0...: return 2
    default: return 1
    }
}

/// Liquid's `replace_last`: the last occurrence of `pattern` (found with `rindex`) replaced literally.
func rubyReplaceLast(_ text: String, _ pattern: String, _ replacement: String, _ ctx: FilterContext) throws -> String {
    let bytes = Array(text.utf8)
    let needle = Array(pattern.utf8)
    var start: Int?
    if needle.isEmpty {
        start = bytes.count
    } else {
        var matcher = ByteMatcher(needle)
        for (i, b) in bytes.enumerated() where matcher.feed(b) { start = i + 1 - needle.count }
    }
    guard let start else { return text }
    let replacementBytes = Array(replacement.utf8)
    try ctx.checkLength(bytes.count - needle.count + replacementBytes.count)
    var out = bytes[..<start].map { $0 }
    out.append(contentsOf: replacementBytes)
    out.append(contentsOf: bytes[(start + needle.count)...])
    return String(decoding: out, as: UTF8.self)
}

import Foundation

/// One piece of a template's source: literal text, an output `{{ … }}`, or a tag `{% … %}`.
struct Token {
    enum Kind: Equatable {
        case text
        case output
        case tag
        /// A `{{` or `{%` with no closing delimiter.
        case unterminated
        /// The body of a `raw` block, between `{% raw %}` and `{% endraw %}`.
        case rawText
    }

    var kind: Kind
    /// Where the token starts in the source (the `{` of a delimiter, or the first text byte).
    var start: Int
    /// The token's content: the text itself, or the markup between the delimiters and dashes.
    var content: Range<Int>
    /// `{{-` or `{%-`: strip the whitespace before this token.
    var trimBefore = false
    /// `-}}` or `-%}`: strip the whitespace after this token.
    var trimAfter = false
    /// Where the token ends in the source.
    var end: Int
    /// A tag's name (its leading word, `#` for an inline comment), found once when lexing.
    var name = ""
}

/// Splits a template's UTF-8 source into text, output and tag tokens, as Liquid's tokenizer does:
/// an output ends at the first `}` (or `}}`), a tag at the first `%}`.
struct Lexer {
    let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func tokenize() -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 32)
        var i = 0
        var textStart = 0
        let n = bytes.count
        while i < n - 1 {
            // Jump to the next '{' with memchr, not byte by byte.
            guard let brace = nextBrace(from: i) else { break }
            i = brace
            guard i < n - 1 else { break }
            let next = bytes[i + 1]
            guard next == UInt8(ascii: "{") || next == UInt8(ascii: "%") else {
                i += 1
                continue
            }
            if i > textStart {
                tokens.append(Token(kind: .text, start: textStart, content: textStart..<i, end: i))
            }
            let token = next == UInt8(ascii: "{") ? lexOutput(at: i) : lexTag(at: i)
            tokens.append(token)
            i = token.end
            textStart = i
            if token.kind == .tag, token.name == "raw" || token.name == "doc", let verbatim = Self.verbatimTags[token.name],
               let end = findEnd(verbatim, from: token.end) {
                tokens.append(Token(kind: .rawText, start: token.end, content: token.end..<end.start, end: end.start))
                tokens.append(end)
                i = end.end
                textStart = i
            }
        }
        if textStart < n {
            tokens.append(Token(kind: .text, start: textStart, content: textStart..<n, end: n))
        }
        return tokens
    }

    private func nextBrace(from start: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            guard start < buffer.count, let base = buffer.baseAddress,
                  let hit = memchr(base + start, Int32(UInt8(ascii: "{")), buffer.count - start)
            else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    private func lexOutput(at start: Int) -> Token {
        var j = start + 2
        var trimBefore = false
        if j < bytes.count, bytes[j] == UInt8(ascii: "-") {
            trimBefore = true
            j += 1
        }
        let contentStart = j
        while j < bytes.count, bytes[j] != UInt8(ascii: "}") { j += 1 }
        guard j < bytes.count else {
            return Token(kind: .unterminated, start: start, content: contentStart..<bytes.count, end: bytes.count)
        }
        var contentEnd = j
        var end = j + 1
        if end < bytes.count, bytes[end] == UInt8(ascii: "}") { end += 1 }
        var trimAfter = false
        if contentEnd > contentStart, bytes[contentEnd - 1] == UInt8(ascii: "-") {
            trimAfter = true
            contentEnd -= 1
        }
        return Token(kind: .output, start: start, content: contentStart..<contentEnd,
                     trimBefore: trimBefore, trimAfter: trimAfter, end: end)
    }

    private func lexTag(at start: Int) -> Token {
        var j = start + 2
        var trimBefore = false
        if j < bytes.count, bytes[j] == UInt8(ascii: "-") {
            trimBefore = true
            j += 1
        }
        let contentStart = j
        while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: "%") && bytes[j + 1] == UInt8(ascii: "}")) { j += 1 }
        guard j + 1 < bytes.count else {
            return Token(kind: .unterminated, start: start, content: contentStart..<bytes.count, end: bytes.count)
        }
        var contentEnd = j
        var trimAfter = false
        if contentEnd > contentStart, bytes[contentEnd - 1] == UInt8(ascii: "-") {
            trimAfter = true
            contentEnd -= 1
        }
        var token = Token(kind: .tag, start: start, content: contentStart..<contentEnd,
                          trimBefore: trimBefore, trimAfter: trimAfter, end: j + 2)
        token.name = tagName(of: token)
        return token
    }

    /// Tags whose bodies are not parsed at all, and the tag that ends each.
    static let verbatimTags = ["raw": "endraw", "doc": "enddoc"]

    /// Finds the end of a `raw` body: the token of its `{% endraw %}`.
    func findEndRaw(from start: Int) -> Token? { findEnd("endraw", from: start) }

    /// Finds the first `{% name %}` tag token at or after `start`, ignoring every other delimiter.
    func findEnd(_ name: String, from start: Int) -> Token? {
        var i = start
        while i + 1 < bytes.count {
            if bytes[i] == UInt8(ascii: "{"), bytes[i + 1] == UInt8(ascii: "%") {
                let token = lexTag(at: i)
                if token.kind == .tag, token.name == name, markupAfterName(of: token).isEmpty {
                    return token
                }
            }
            i += 1
        }
        return nil
    }

    /// The tag's name: the leading word of its markup (`#` for an inline comment).
    func tagName(of token: Token) -> String {
        var i = token.content.lowerBound
        while i < token.content.upperBound, isWhitespace(bytes[i]) { i += 1 }
        if i < token.content.upperBound, bytes[i] == UInt8(ascii: "#") { return "#" }
        let s = i
        while i < token.content.upperBound, isWordByte(bytes[i]) { i += 1 }
        return String(decoding: bytes[s..<i], as: UTF8.self)
    }

    /// The markup after the tag's name, with surrounding whitespace removed.
    func markupAfterName(of token: Token) -> Range<Int> {
        var i = token.content.lowerBound
        while i < token.content.upperBound, isWhitespace(bytes[i]) { i += 1 }
        if i < token.content.upperBound, bytes[i] == UInt8(ascii: "#") {
            i += 1
        } else {
            while i < token.content.upperBound, isWordByte(bytes[i]) { i += 1 }
        }
        return trimmed(i..<token.content.upperBound)
    }

    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi, isWhitespace(bytes[lo]) { lo += 1 }
        while hi > lo, isWhitespace(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }
}

@inline(__always) func isWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C || b == 0x0B
}

@inline(__always) func isWordByte(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
        || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
}

/// A token of the markup inside `{{ }}` and `{% %}`.
struct ExprToken: Equatable {
    enum Kind: Equatable {
        case identifier(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case comparison(String)
        case dot, dotDot, leftBracket, rightBracket, leftParen, rightParen
        case pipe, colon, comma, equals, question, minus
        case end
    }

    let kind: Kind
    /// Byte offset of the token in the template source.
    let offset: Int

    var describe: String {
        switch kind {
        case .identifier(let s): return "'\(s)'"
        case .string(let s): return "string '\(s)'"
        case .integer(let i): return "number \(i)"
        case .float(let d): return "number \(d)"
        case .comparison(let op): return "'\(op)'"
        case .dot: return "'.'"
        case .dotDot: return "'..'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .pipe: return "'|'"
        case .colon: return "':'"
        case .comma: return "','"
        case .equals: return "'='"
        case .question: return "'?'"
        case .minus: return "'-'"
        case .end: return "end of tag"
        }
    }
}

/// Splits markup into expression tokens, following Liquid's strict lexer.
struct ExpressionLexer {
    let bytes: [UInt8]

    /// Tokenizes `range` of the source; the last token is always `.end`.
    func tokenize(_ range: Range<Int>) throws(SyntaxIssue) -> [ExprToken] {
        var tokens: [ExprToken] = []
        tokens.reserveCapacity(16)
        var i = range.lowerBound
        let end = range.upperBound
        func peek(_ k: Int) -> UInt8? { i + k < end ? bytes[i + k] : nil }
        while i < end {
            let b = bytes[i]
            if isWhitespace(b) {
                i += 1
                continue
            }
            let start = i
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                var j = i + 1
                while j < end, bytes[j] != b { j += 1 }
                guard j < end else { throw SyntaxIssue("unterminated string literal", at: start) }
                tokens.append(ExprToken(kind: .string(String(decoding: bytes[(i + 1)..<j], as: UTF8.self)), offset: start))
                i = j + 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                tokens.append(try number(&i, end: end, negative: false))
            case UInt8(ascii: "-"):
                if let next = peek(1), next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") {
                    i += 1
                    let t = try number(&i, end: end, negative: true)
                    tokens.append(ExprToken(kind: t.kind, offset: start))
                } else {
                    tokens.append(ExprToken(kind: .minus, offset: start))
                    i += 1
                }
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                var j = i + 1
                while j < end, isWordByte(bytes[j]) || bytes[j] == UInt8(ascii: "-") { j += 1 }
                if j < end, bytes[j] == UInt8(ascii: "?") { j += 1 }
                let word = String(decoding: bytes[i..<j], as: UTF8.self)
                if word == "contains", j == end || isWhitespace(bytes[j]) {
                    tokens.append(ExprToken(kind: .comparison(word), offset: start))
                } else {
                    tokens.append(ExprToken(kind: .identifier(word), offset: start))
                }
                i = j
            case UInt8(ascii: "="):
                if peek(1) == UInt8(ascii: "=") {
                    tokens.append(ExprToken(kind: .comparison("=="), offset: start))
                    i += 2
                } else {
                    tokens.append(ExprToken(kind: .equals, offset: start))
                    i += 1
                }
            case UInt8(ascii: "!"):
                guard peek(1) == UInt8(ascii: "=") else { throw SyntaxIssue("unexpected character '!'", at: start) }
                tokens.append(ExprToken(kind: .comparison("!="), offset: start))
                i += 2
            case UInt8(ascii: "<"):
                if peek(1) == UInt8(ascii: ">") {
                    tokens.append(ExprToken(kind: .comparison("<>"), offset: start))
                    i += 2
                } else if peek(1) == UInt8(ascii: "=") {
                    tokens.append(ExprToken(kind: .comparison("<="), offset: start))
                    i += 2
                } else {
                    tokens.append(ExprToken(kind: .comparison("<"), offset: start))
                    i += 1
                }
            case UInt8(ascii: ">"):
                if peek(1) == UInt8(ascii: "=") {
                    tokens.append(ExprToken(kind: .comparison(">="), offset: start))
                    i += 2
                } else {
                    tokens.append(ExprToken(kind: .comparison(">"), offset: start))
                    i += 1
                }
            case UInt8(ascii: "."):
                if peek(1) == UInt8(ascii: ".") {
                    tokens.append(ExprToken(kind: .dotDot, offset: start))
                    i += 2
                } else {
                    tokens.append(ExprToken(kind: .dot, offset: start))
                    i += 1
                }
            case UInt8(ascii: "["): tokens.append(ExprToken(kind: .leftBracket, offset: start)); i += 1
            case UInt8(ascii: "]"): tokens.append(ExprToken(kind: .rightBracket, offset: start)); i += 1
            case UInt8(ascii: "("): tokens.append(ExprToken(kind: .leftParen, offset: start)); i += 1
            case UInt8(ascii: ")"): tokens.append(ExprToken(kind: .rightParen, offset: start)); i += 1
            case UInt8(ascii: "|"): tokens.append(ExprToken(kind: .pipe, offset: start)); i += 1
            case UInt8(ascii: ":"): tokens.append(ExprToken(kind: .colon, offset: start)); i += 1
            case UInt8(ascii: ","): tokens.append(ExprToken(kind: .comma, offset: start)); i += 1
            case UInt8(ascii: "?"): tokens.append(ExprToken(kind: .question, offset: start)); i += 1
            default:
                let scalarEnd = min(end, i + utf8Length(b))
                let ch = String(decoding: bytes[i..<scalarEnd], as: UTF8.self)
                throw SyntaxIssue("unexpected character '\(ch)'", at: start)
            }
        }
        var markupEnd = end
        while markupEnd > range.lowerBound, isWhitespace(bytes[markupEnd - 1]) { markupEnd -= 1 }
        tokens.append(ExprToken(kind: .end, offset: markupEnd))
        return tokens
    }

    private func number(_ i: inout Int, end: Int, negative: Bool) throws(SyntaxIssue) -> ExprToken {
        let start = i
        while i < end, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
        var isFloat = false
        if i + 1 < end, bytes[i] == UInt8(ascii: "."), bytes[i + 1] >= UInt8(ascii: "0"), bytes[i + 1] <= UInt8(ascii: "9") {
            isFloat = true
            i += 1
            while i < end, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
        }
        let text = (negative ? "-" : "") + String(decoding: bytes[start..<i], as: UTF8.self)
        if !isFloat {
            guard let value = Int(text) else { throw SyntaxIssue("integer literal \(text) is too large", at: start) }
            return ExprToken(kind: .integer(value), offset: start)
        }
        return ExprToken(kind: .float(Double(text) ?? 0), offset: start)
    }
}

@inline(__always) func utf8Length(_ lead: UInt8) -> Int {
    if lead < 0x80 { return 1 }
    if lead >> 5 == 0b110 { return 2 }
    if lead >> 4 == 0b1110 { return 3 }
    return 4
}

/// A syntax problem found while parsing, before the template's name and source are attached.
struct SyntaxIssue: Error {
    let message: String
    let offset: Int
    init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }
}

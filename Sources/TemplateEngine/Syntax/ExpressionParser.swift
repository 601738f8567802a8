/// Parses the markup of one output or tag into expressions, filter chains and conditions, following
/// Liquid's strict grammar.
struct ExpressionParser {
    let tokens: [ExprToken]
    var index = 0
    /// The source, for quoting markup (`forloop.name`, cycle groups).
    let bytes: [UInt8]

    init(tokens: [ExprToken], bytes: [UInt8]) {
        self.tokens = tokens
        self.bytes = bytes
    }

    var current: ExprToken { tokens[index] }
    var atEnd: Bool { if case .end = current.kind { return true } else { return false } }

    mutating func advance() -> ExprToken {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func unexpected(_ expected: String) -> SyntaxIssue {
        SyntaxIssue("expected \(expected), found \(current.describe)", at: current.offset)
    }

    mutating func consume(_ kind: ExprToken.Kind, _ what: String) throws(SyntaxIssue) {
        guard current.kind == kind else { throw unexpected(what) }
        _ = advance()
    }

    mutating func consumeIf(_ kind: ExprToken.Kind) -> Bool {
        if current.kind == kind {
            _ = advance()
            return true
        }
        return false
    }

    mutating func expectEnd() throws(SyntaxIssue) {
        guard atEnd else { throw SyntaxIssue("unexpected \(current.describe)", at: current.offset) }
    }

    mutating func identifier(_ what: String = "a name") throws(SyntaxIssue) -> String {
        guard case .identifier(let name) = current.kind else { throw unexpected(what) }
        _ = advance()
        return name
    }

    func peekIdentifier() -> String? {
        if case .identifier(let name) = current.kind { return name }
        return nil
    }

    // MARK: Expressions

    mutating func expression() throws(SyntaxIssue) -> ExprNode {
        let token = current
        switch token.kind {
        case .string(let s):
            _ = advance()
            return ExprNode(expr: .literal(.string(s)), offset: token.offset)
        case .integer(let i):
            _ = advance()
            return ExprNode(expr: .literal(.int(i)), offset: token.offset)
        case .float(let d):
            _ = advance()
            return ExprNode(expr: .literal(.double(d)), offset: token.offset)
        case .leftParen:
            _ = advance()
            let start = try expression()
            try consume(.dotDot, "'..' in a range")
            let end = try expression()
            try consume(.rightParen, "')' to close the range")
            return ExprNode(expr: .range(start, end), offset: token.offset)
        case .identifier(let name):
            _ = advance()
            switch name {
            case "nil", "null": return ExprNode(expr: .literal(.nil), offset: token.offset)
            case "true": return ExprNode(expr: .literal(.bool(true)), offset: token.offset)
            case "false": return ExprNode(expr: .literal(.bool(false)), offset: token.offset)
            case "empty": return ExprNode(expr: .empty, offset: token.offset)
            case "blank": return ExprNode(expr: .blank, offset: token.offset)
            default:
                return ExprNode(expr: .variable(root: .name(name), lookups: try lookups()), offset: token.offset)
            }
        case .leftBracket:
            _ = advance()
            let inner = try expression()
            try consume(.rightBracket, "']'")
            let root: VariableRoot
            if case .literal(.string(let s)) = inner.expr {
                root = .name(s)
            } else {
                root = .dynamic(inner)
            }
            return ExprNode(expr: .variable(root: root, lookups: try lookups()), offset: token.offset)
        default:
            throw unexpected("a value")
        }
    }

    /// `.name` and `[expr]` after a variable's root.
    mutating func lookups() throws(SyntaxIssue) -> [Lookup] {
        var result: [Lookup] = []
        while true {
            switch current.kind {
            case .dot:
                _ = advance()
                let t = current
                guard case .identifier(let name) = t.kind else { throw unexpected("a property name after '.'") }
                _ = advance()
                result.append(.key(name, offset: t.offset, dotted: true))
            case .leftBracket:
                _ = advance()
                let inner = try expression()
                try consume(.rightBracket, "']'")
                if case .literal(.string(let s)) = inner.expr {
                    result.append(.key(s, offset: inner.offset, dotted: false))
                } else {
                    result.append(.index(inner))
                }
            default:
                return result
            }
        }
    }

    /// An expression followed by `| filter: args` calls.
    mutating func filteredExpression() throws(SyntaxIssue) -> FilteredExpression {
        let base = try expression()
        return FilteredExpression(base: base, filters: try filters())
    }

    mutating func filters() throws(SyntaxIssue) -> [FilterCall] {
        var result: [FilterCall] = []
        while consumeIf(.pipe) {
            let nameToken = current
            let name = try identifier("a filter name after '|'")
            var arguments: [ExprNode] = []
            var keywords: [(name: String, value: ExprNode)] = []
            if consumeIf(.colon) {
                repeat {
                    if case .identifier(let key) = current.kind, index + 1 < tokens.count, tokens[index + 1].kind == .colon {
                        _ = advance()
                        _ = advance()
                        keywords.append((key, try expression()))
                    } else {
                        arguments.append(try expression())
                    }
                } while consumeIf(.comma)
            }
            result.append(FilterCall(name: name, offset: nameToken.offset, arguments: arguments, keywords: keywords))
        }
        return result
    }

    // MARK: Conditions

    /// `a == b and c or d`: Liquid groups from the right, `a and (b or c)`, with no precedence.
    mutating func condition() throws(SyntaxIssue) -> Condition {
        let left = try comparison()
        if let word = peekIdentifier(), word == "and" || word == "or" {
            _ = advance()
            let right = try condition()
            return word == "and" ? .and(left, right) : .or(left, right)
        }
        return left
    }

    mutating func comparison() throws(SyntaxIssue) -> Condition {
        let left = try expression()
        if case .comparison(let op) = current.kind {
            _ = advance()
            let right = try expression()
            let oper: ComparisonOperator = op == "<>" ? .notEqual : ComparisonOperator(rawValue: op)!
            return .comparison(left, oper, right)
        }
        return .test(left)
    }

    /// The source text of the tokens from `start` up to the current one, for names built from markup.
    func markup(from start: Int) -> String {
        let lo = tokens[start].offset
        let hi = index > start ? endOffset(of: index - 1) : lo
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }

    private func endOffset(of tokenIndex: Int) -> Int {
        let next = tokens[tokenIndex + 1].offset
        var hi = next
        while hi > tokens[tokenIndex].offset, isWhitespace(bytes[hi - 1]) { hi -= 1 }
        return hi
    }
}

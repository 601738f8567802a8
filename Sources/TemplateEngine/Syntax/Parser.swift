/// Builds the `Document` of a template from its tokens: the block structure, whitespace control,
/// and Liquid's suppression of whitespace-only blocks.
struct Parser {
    let name: String
    let source: String
    let bytes: [UInt8]
    let limits: TemplateLimits
    private let lexer: Lexer
    private var tokens: [Token]
    private var position = 0
    private var depth = 0

    /// The tags that open a block, and the tags that may appear inside each.
    static let blockTags: [String: Set<String>] = [
        "if": ["elsif", "else"], "unless": ["elsif", "else"], "case": ["when", "else"],
        "for": ["else"], "tablerow": [], "capture": [], "ifchanged": [], "block": [],
    ]

    init(source: String, name: String, limits: TemplateLimits) {
        self.name = name
        self.source = source
        self.bytes = Array(source.utf8)
        self.limits = limits
        self.lexer = Lexer(bytes: bytes)
        self.tokens = []
    }

    mutating func parse() throws(TemplateError) -> Document {
        guard bytes.count <= limits.maxSourceBytes else {
            throw error(.limit, "the template is \(bytes.count) bytes, more than the limit of \(limits.maxSourceBytes)", at: 0)
        }
        tokens = lexer.tokenize()
        do throws(SyntaxIssue) {
            let (nodes, end) = try parseBody(closing: [], opener: nil)
            if let end { throw SyntaxIssue("unexpected '\(end.name)'", at: end.token.start) }
            return Document(name: name, nodes: nodes)
        } catch let issue {
            throw error(.syntax, issue.message, at: issue.offset)
        }
    }

    func error(_ kind: TemplateError.Kind, _ message: String, at offset: Int) -> TemplateError {
        TemplateError(kind, message, name: name, source: source, offset: offset)
    }

    // MARK: Blocks

    struct EndTag {
        let name: String
        let token: Token
    }

    /// Parses nodes until one of `closing` (or the end of input, when `opener` is nil).
    private mutating func parseBody(closing: Set<String>, opener: (name: String, offset: Int)?) throws(SyntaxIssue) -> ([Node], EndTag?) {
        var nodes: [Node] = []
        while position < tokens.count {
            let token = tokens[position]
            position += 1
            switch token.kind {
            case .text:
                if let text = trimmedText(token, index: position - 1), !text.isEmpty {
                    nodes.append(Node(.text(text), at: token.start))
                }
            case .rawText:
                continue
            case .unterminated:
                let what = bytes[token.start + 1] == UInt8(ascii: "{") ? "output '{{' was never closed with '}}'" : "tag '{%' was never closed with '%}'"
                throw SyntaxIssue(what, at: token.start)
            case .output:
                var p = try expressionParser(token.content)
                if p.atEnd {
                    continue
                }
                let value = try p.filteredExpression()
                try p.expectEnd()
                nodes.append(Node(.output(value), at: token.start))
            case .tag:
                let tagName = token.name
                if closing.contains(tagName) {
                    return (nodes, EndTag(name: tagName, token: token))
                }
                nodes += try parseTag(tagName, token: token, markup: lexer.markupAfterName(of: token), closing: closing)
            }
        }
        if let opener {
            throw SyntaxIssue("'\(opener.name)' tag was never closed; expected '{% end\(opener.name) %}'", at: opener.offset)
        }
        return (nodes, nil)
    }

    /// Text with whitespace control applied from the neighbouring tokens.
    private func trimmedText(_ token: Token, index: Int) -> String? {
        var lo = token.content.lowerBound
        var hi = token.content.upperBound
        if index > 0, tokens[index - 1].trimAfter {
            while lo < hi, isWhitespace(bytes[lo]) { lo += 1 }
        }
        if index + 1 < tokens.count, tokens[index + 1].trimBefore {
            while hi > lo, isWhitespace(bytes[hi - 1]) { hi -= 1 }
        }
        return sourceText(lo..<hi)
    }

    /// The source between two byte offsets that fall on ASCII delimiters or ASCII whitespace, so on
    /// character boundaries: a copy of the already valid text, with no UTF-8 validation.
    func sourceText(_ range: Range<Int>) -> String {
        let utf8 = source.utf8
        let lo = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
        let hi = utf8.index(lo, offsetBy: range.count)
        return String(source[lo..<hi])
    }

    private func expressionParser(_ range: Range<Int>) throws(SyntaxIssue) -> ExpressionParser {
        ExpressionParser(tokens: try ExpressionLexer(bytes: bytes).tokenize(range), bytes: bytes)
    }

    private mutating func enterBlock(_ tag: String, at offset: Int) throws(SyntaxIssue) {
        depth += 1
        if depth > limits.maxNestingDepth {
            throw SyntaxIssue("blocks are nested more than \(limits.maxNestingDepth) deep", at: offset)
        }
    }

    private mutating func parseBlockBody(_ tag: String, token: Token, closing: Set<String>) throws(SyntaxIssue) -> ([Node], EndTag) {
        let (nodes, end) = try parseBody(closing: closing, opener: (tag, token.start))
        guard let end else {
            throw SyntaxIssue("'\(tag)' tag was never closed; expected '{% end\(tag) %}'", at: token.start)
        }
        return (nodes, end)
    }

    // MARK: Tags

    private mutating func parseTag(_ tag: String, token: Token, markup: Range<Int>, closing: Set<String>) throws(SyntaxIssue) -> [Node] {
        let at = token.start
        switch tag {
        case "#":
            try checkInlineComment(token)
            return []
        case "comment":
            try skipComment(token)
            return []
        case "doc":
            guard markup.isEmpty else { throw SyntaxIssue("'doc' takes no arguments", at: markup.lowerBound) }
            guard position + 1 < tokens.count, tokens[position].kind == .rawText else {
                throw SyntaxIssue("'doc' tag was never closed; expected '{% enddoc %}'", at: at)
            }
            position += 2
            return []
        case "raw":
            guard markup.isEmpty else { throw SyntaxIssue("'raw' takes no arguments", at: markup.lowerBound) }
            guard position + 1 < tokens.count, tokens[position].kind == .rawText else {
                throw SyntaxIssue("'raw' tag was never closed; expected '{% endraw %}'", at: at)
            }
            let body = tokens[position].content
            position += 2
            return body.isEmpty ? [] : [Node(.text(String(decoding: bytes[body], as: UTF8.self)), at: body.lowerBound)]
        case "liquid":
            return try parseLiquidTag(token, markup: markup)
        case "assign":
            var p = try expressionParser(markup)
            let target = try assignTarget(&p)
            guard p.consumeIf(.equals) else { throw SyntaxIssue("expected '=' in 'assign'", at: p.current.offset) }
            let value = try p.filteredExpression()
            try p.expectEnd()
            return [Node(.assign(name: target, value: value), at: at)]
        case "capture":
            var p = try expressionParser(markup)
            let target: String
            if case .string(let s) = p.current.kind {
                target = s
                _ = p.advance()
            } else {
                target = try assignTarget(&p)
            }
            try p.expectEnd()
            try enterBlock(tag, at: at)
            defer { depth -= 1 }
            let (body, _) = try parseBlockBody(tag, token: token, closing: ["endcapture"])
            return [Node(.capture(name: target, body: body), at: at)]
        case "echo":
            var p = try expressionParser(markup)
            if p.atEnd { return [] }
            let value = try p.filteredExpression()
            try p.expectEnd()
            return [Node(.echo(value), at: at)]
        case "if", "unless":
            return [try parseConditional(tag, token: token, markup: markup)]
        case "case":
            return [try parseCase(token: token, markup: markup)]
        case "for", "tablerow":
            return [try parseLoop(tag, token: token, markup: markup)]
        case "break", "continue":
            guard markup.isEmpty else { throw SyntaxIssue("'\(tag)' takes no arguments", at: markup.lowerBound) }
            return [Node(tag == "break" ? .breakLoop : .continueLoop, at: at)]
        case "cycle":
            return [try parseCycle(token: token, markup: markup)]
        case "increment", "decrement":
            var p = try expressionParser(markup)
            let counter = try p.identifier("a counter name")
            try p.expectEnd()
            return [Node(tag == "increment" ? .increment(counter) : .decrement(counter), at: at)]
        case "ifchanged":
            try enterBlock(tag, at: at)
            defer { depth -= 1 }
            let (body, _) = try parseBlockBody(tag, token: token, closing: ["endifchanged"])
            return [Node(.ifchanged(body: body), at: at)]
        case "render", "include":
            return [try parsePartial(tag, token: token, markup: markup)]
        case "layout":
            var p = try expressionParser(markup)
            guard case .string = p.current.kind else { throw p.unexpected("the layout's name as a quoted string") }
            let name = try p.expression()
            try p.expectEnd()
            guard depth == 0 else { throw SyntaxIssue("'layout' must stand at the top level of a template, outside any block", at: at) }
            return [Node(.layout(name), at: at)]
        case "block":
            var p = try expressionParser(markup)
            let blockName = try p.identifier("a block name")
            try p.expectEnd()
            try enterBlock(tag, at: at)
            defer { depth -= 1 }
            let (body, _) = try parseBlockBody(tag, token: token, closing: ["endblock"])
            return [Node(.block(name: blockName, body: body), at: at)]
        default:
            if tag.hasPrefix("end"), let opener = closingOpener(closing) {
                throw SyntaxIssue("unexpected '\(tag)'; the innermost block that needs to be closed is '\(opener)'", at: at)
            }
            if tag.hasPrefix("end") || ["else", "elsif", "when"].contains(tag) {
                throw SyntaxIssue("unexpected '\(tag)' outside of a block that takes it", at: at)
            }
            if tag.isEmpty { throw SyntaxIssue("expected a tag name after '{%'", at: at) }
            throw SyntaxIssue("unknown tag '\(tag)'", at: at)
        }
    }

    private func closingOpener(_ closing: Set<String>) -> String? {
        closing.first { $0.hasPrefix("end") }.map { String($0.dropFirst(3)) }
    }

    /// Assignment targets may be any run of word characters and hyphens, as in Liquid.
    private func assignTarget(_ p: inout ExpressionParser) throws(SyntaxIssue) -> String {
        switch p.current.kind {
        case .identifier(let name):
            if name.hasSuffix("?") { throw SyntaxIssue("a variable name cannot end with '?'", at: p.current.offset) }
            _ = p.advance()
            return name
        case .integer(let i) where i >= 0:
            _ = p.advance()
            return String(i)
        default:
            throw p.unexpected("a variable name")
        }
    }

    private func checkInlineComment(_ token: Token) throws(SyntaxIssue) {
        // Every line of a multi-line inline comment must start with '#'.
        var lineStart = token.content.lowerBound
        var i = token.content.lowerBound
        while i <= token.content.upperBound {
            if i == token.content.upperBound || bytes[i] == UInt8(ascii: "\n") {
                let line = lexer.trimmed(lineStart..<i)
                if !line.isEmpty, bytes[line.lowerBound] != UInt8(ascii: "#") {
                    throw SyntaxIssue("each line of an inline comment must start with '#'", at: line.lowerBound)
                }
                lineStart = i + 1
            }
            i += 1
        }
    }

    /// Skips a `comment` block, honouring nested comments and raw blocks inside it.
    private mutating func skipComment(_ opener: Token) throws(SyntaxIssue) {
        var nesting = 1
        while position < tokens.count {
            let token = tokens[position]
            position += 1
            guard token.kind == .tag else { continue }
            switch token.name {
            case "comment": nesting += 1
            case "endcomment":
                nesting -= 1
                if nesting == 0 { return }
            case "raw":
                guard let end = lexer.findEndRaw(from: token.end) else {
                    throw SyntaxIssue("'raw' tag was never closed; expected '{% endraw %}'", at: token.start)
                }
                while position < tokens.count, tokens[position].start < end.end { position += 1 }
            default: break
            }
        }
        throw SyntaxIssue("'comment' tag was never closed; expected '{% endcomment %}'", at: opener.start)
    }

    /// `{% liquid %}`: one tag per line, parsed as if each were written as `{% line %}`.
    private mutating func parseLiquidTag(_ token: Token, markup: Range<Int>) throws(SyntaxIssue) -> [Node] {
        var lineTokens: [Token] = []
        var lineStart = markup.lowerBound
        var i = markup.lowerBound
        while i <= markup.upperBound {
            if i == markup.upperBound || bytes[i] == UInt8(ascii: "\n") {
                let line = lexer.trimmed(lineStart..<i)
                if !line.isEmpty {
                    var token = Token(kind: .tag, start: line.lowerBound, content: line, end: line.upperBound)
                    token.name = lexer.tagName(of: token)
                    lineTokens.append(token)
                }
                lineStart = i + 1
            }
            i += 1
        }
        var inner = Parser(source: source, name: name, limits: limits, tokens: lineTokens, depth: depth)
        let (nodes, _) = try inner.parseBody(closing: [], opener: nil)
        return nodes
    }

    private init(source: String, name: String, limits: TemplateLimits, tokens: [Token], depth: Int) {
        self.init(source: source, name: name, limits: limits)
        self.tokens = tokens
        self.depth = depth
    }

    private mutating func parseConditional(_ tag: String, token: Token, markup: Range<Int>) throws(SyntaxIssue) -> Node {
        try enterBlock(tag, at: token.start)
        defer { depth -= 1 }
        var branches: [ConditionalBranch] = []
        var elseBody: [Node]?
        var conditionMarkup = markup
        var negated = tag == "unless"
        var conditionOffset = token.start
        while true {
            var p = try expressionParser(conditionMarkup)
            if p.atEnd { throw SyntaxIssue("'\(tag)' needs a condition", at: conditionOffset) }
            let condition = try p.condition()
            try p.expectEnd()
            let (body, end) = try parseBlockBody(tag, token: token, closing: ["elsif", "else", "end\(tag)"])
            branches.append(ConditionalBranch(condition: condition, body: body, negated: negated))
            negated = false
            switch end.name {
            case "elsif":
                conditionMarkup = lexer.markupAfterName(of: end.token)
                conditionOffset = end.token.start
                continue
            case "else":
                var (body, final) = try parseBlockBody(tag, token: token, closing: ["end\(tag)", "else", "elsif"])
                elseBody = body
                // Liquid ignores any `else` or `elsif` after the first `else`.
                while final.name != "end\(tag)" {
                    (body, final) = try parseBlockBody(tag, token: token, closing: ["end\(tag)", "else", "elsif"])
                }
            default:
                break
            }
            break
        }
        if isBlank(branches.flatMap(\.body)) && isBlank(elseBody ?? []) {
            branches = branches.map { ConditionalBranch(condition: $0.condition, body: removeBlankText($0.body), negated: $0.negated) }
            elseBody = elseBody.map(removeBlankText)
        }
        return Node(.conditional(branches: branches, elseBody: elseBody), at: token.start)
    }

    private mutating func parseCase(token: Token, markup: Range<Int>) throws(SyntaxIssue) -> Node {
        try enterBlock("case", at: token.start)
        defer { depth -= 1 }
        var p = try expressionParser(markup)
        if p.atEnd { throw SyntaxIssue("'case' needs a value", at: token.start) }
        let subject = try p.expression()
        try p.expectEnd()
        // Text between `case` and the first `when` is never rendered.
        var (_, end) = try parseBlockBody("case", token: token, closing: ["when", "else", "endcase"])
        var clauses: [CaseClause] = []
        while end.name != "endcase" {
            let (body, next) = try parseBlockBody("case", token: token, closing: ["when", "else", "endcase"])
            if end.name == "when" {
                var wp = try expressionParser(lexer.markupAfterName(of: end.token))
                var values: [ExprNode] = []
                while true {
                    values.append(try wp.expression())
                    if wp.consumeIf(.comma) { continue }
                    if wp.peekIdentifier() == "or" {
                        _ = wp.advance()
                        continue
                    }
                    break
                }
                try wp.expectEnd()
                clauses.append(.when(values: values, body: body))
            } else {
                clauses.append(.otherwise(body: body))
            }
            end = next
        }
        let bodies = clauses.flatMap { clause -> [Node] in
            switch clause {
            case .when(_, let body), .otherwise(let body): return body
            }
        }
        if isBlank(bodies) {
            clauses = clauses.map { clause in
                switch clause {
                case .when(let values, let body): return .when(values: values, body: removeBlankText(body))
                case .otherwise(let body): return .otherwise(body: removeBlankText(body))
                }
            }
        }
        return Node(.caseBlock(subject: subject, clauses: clauses), at: token.start)
    }

    private mutating func parseLoop(_ tag: String, token: Token, markup: Range<Int>) throws(SyntaxIssue) -> Node {
        try enterBlock(tag, at: token.start)
        defer { depth -= 1 }
        var p = try expressionParser(markup)
        let variable = try p.identifier("a loop variable name")
        guard p.peekIdentifier() == "in" else { throw p.unexpected("'in'") }
        _ = p.advance()
        let collectionStart = p.index
        let collection = try p.expression()
        let loopName = "\(variable)-\(p.markup(from: collectionStart))"
        var limit: ExprNode?
        var offset: ForLoop.Offset?
        var cols: ExprNode?
        var reversed = false
        while !p.atEnd {
            if p.consumeIf(.comma) { continue }
            let word = try p.identifier("'limit', 'offset', 'reversed' or the end of the tag")
            switch word {
            case "reversed" where tag == "for":
                reversed = true
            case "limit", "offset", "cols":
                guard word != "cols" || tag == "tablerow" else { fallthrough }
                try p.consume(.colon, "':' after '\(word)'")
                if word == "offset", p.peekIdentifier() == "continue", tag == "for" {
                    _ = p.advance()
                    offset = .continuation
                } else {
                    let value = try p.expression()
                    if word == "limit" { limit = value } else if word == "offset" { offset = .expression(value) } else { cols = value }
                }
            default:
                throw SyntaxIssue("unknown '\(tag)' argument '\(word)'", at: p.tokens[p.index - 1].offset)
            }
        }
        let (body, end) = try parseBlockBody(tag, token: token, closing: tag == "for" ? ["else", "endfor"] : ["endtablerow"])
        var elseBody: [Node]?
        if end.name == "else" {
            let (body, _) = try parseBlockBody(tag, token: token, closing: ["endfor"])
            elseBody = body
        }
        var loopBody = body
        if tag == "for", isBlank(body) && isBlank(elseBody ?? []) {
            loopBody = removeBlankText(body)
            elseBody = elseBody.map(removeBlankText)
        }
        let loop = ForLoop(variable: variable, collection: collection, name: loopName, limit: limit, offset: offset,
                           reversed: reversed, body: loopBody, elseBody: elseBody)
        return Node(tag == "for" ? .forLoop(loop) : .tablerow(loop, cols: cols), at: token.start)
    }

    private mutating func parseCycle(token: Token, markup: Range<Int>) throws(SyntaxIssue) -> Node {
        var p = try expressionParser(markup)
        var group: ExprNode?
        var values: [ExprNode] = []
        let first = try p.expression()
        if p.consumeIf(.colon) {
            group = first
        } else {
            values.append(first)
            if !p.atEnd { try p.consume(.comma, "',' between cycle values") }
        }
        while !p.atEnd {
            values.append(try p.expression())
            if !p.atEnd { try p.consume(.comma, "',' between cycle values") }
        }
        if values.isEmpty { throw SyntaxIssue("'cycle' needs at least one value", at: token.start) }
        return Node(.cycle(group: group, values: values), at: token.start)
    }

    private mutating func parsePartial(_ tag: String, token: Token, markup: Range<Int>) throws(SyntaxIssue) -> Node {
        var p = try expressionParser(markup)
        let nameExpr = try p.expression()
        if tag == "render" {
            guard case .literal(.string) = nameExpr.expr else {
                throw SyntaxIssue("'render' takes the partial's name as a quoted string", at: nameExpr.offset)
            }
        }
        var binding = PartialCall.Binding.none
        if let word = p.peekIdentifier(), word == "with" || word == "for" {
            _ = p.advance()
            let value = try p.expression()
            var alias: String?
            if p.peekIdentifier() == "as" {
                _ = p.advance()
                alias = try p.identifier("an alias after 'as'")
            }
            binding = word == "with" ? .with(value, alias: alias) : .forEach(value, alias: alias)
        }
        var arguments: [(name: String, value: ExprNode)] = []
        while !p.atEnd {
            if p.consumeIf(.comma) { continue }
            let key = try p.identifier("an argument name")
            try p.consume(.colon, "':' after '\(key)'")
            arguments.append((key, try p.expression()))
        }
        let call = PartialCall(name: nameExpr, binding: binding, arguments: arguments)
        return Node(tag == "render" ? .render(call) : .include(call), at: token.start)
    }
}

/// Liquid's notion of a blank body: only whitespace and tags that write nothing.
func isBlank(_ nodes: [Node]) -> Bool {
    nodes.allSatisfy { node in
        switch node.kind {
        case .text(let s): return s.allSatisfy(\.isWhitespace)
        case .assign, .capture: return true
        case .conditional(let branches, let elseBody):
            return branches.allSatisfy { isBlank($0.body) } && isBlank(elseBody ?? [])
        case .caseBlock(_, let clauses):
            return clauses.allSatisfy { clause in
                switch clause {
                case .when(_, let body), .otherwise(let body): return isBlank(body)
                }
            }
        case .forLoop(let loop): return isBlank(loop.body) && isBlank(loop.elseBody ?? [])
        default: return false
        }
    }
}

/// Drops the whitespace-only text of a blank body, as Liquid does for control-flow blocks.
func removeBlankText(_ nodes: [Node]) -> [Node] {
    nodes.filter { node in
        if case .text = node.kind { return false }
        return true
    }
}

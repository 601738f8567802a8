/// Lowers a parsed `Document` into a `Program`: variables become slots or global names, filters are
/// bound to their definitions (an unknown filter or a wrong number of arguments is an error here,
/// before anything renders), literal `include`s are compiled in place and `render` partials once each.
struct Compiler {
    /// The template being compiled; an included partial's while its body compiles.
    private(set) var unit: SourceUnit
    let environment: CompileEnvironment
    private var assigned: [String: Int] = [:]
    private var scopes: [[String: Int]] = []
    private var loopKinds: [LoopKind] = []
    private var slotNames: [String] = []
    private var includeDepth = 0
    /// In an `include` compiled at render time, names new to the frame are assigned by name.
    private var assignsByName = false
    /// The blocks of the templates that use the layout being compiled, by name; the innermost wins.
    private var blockOverrides: [String: (nodes: [Node], unit: SourceUnit)] = [:]

    init(unit: SourceUnit, environment: CompileEnvironment) {
        self.unit = unit
        self.environment = environment
    }

    /// A compiler that continues the frame described by `scope`, for an `include` met at render time.
    init(unit: SourceUnit, environment: CompileEnvironment, continuing scope: ScopeSnapshot, includeDepth: Int) {
        self.unit = unit
        self.environment = environment
        self.assigned = scope.assigned
        self.scopes = scope.scopes
        self.loopKinds = scope.loopKinds
        self.slotNames = Array(repeating: "", count: scope.slotCount)
        self.includeDepth = includeDepth
        self.assignsByName = true
    }

    mutating func compile(_ document: Document) throws(TemplateError) -> Program {
        try declareAssignments(document.nodes, unit: unit, depth: 0)
        let instructions = try compileTemplate(document.nodes, depth: 0)
        return Program(instructions: instructions, slotCount: slotNames.count, slotNames: slotNames, unit: unit)
    }

    /// Compiles an `include` met at render time into the frame it continues.
    mutating func compileDynamicInclude(_ call: PartialCall, name: String, at: Int) throws(TemplateError) -> (InlineInclude, slotCount: Int) {
        guard includeDepth < environment.limits.maxPartialDepth else {
            throw error(.limit, "'include' is nested more than \(environment.limits.maxPartialDepth) deep (does '\(name)' include itself?)", at: at)
        }
        let (document, partialUnit) = try environment.document(named: name, at: at, from: unit)
        let include = try compileIncludeBody(call, name: name, document: document, partialUnit: partialUnit, at: at)
        return (include, slotNames.count)
    }

    private mutating func newSlot(_ name: String) -> Int {
        slotNames.append(name)
        return slotNames.count - 1
    }

    private func error(_ kind: TemplateError.Kind, _ message: String, at offset: Int) -> TemplateError {
        unit.error(kind, message, at: offset)
    }

    /// Gives every name the template (and its literal includes) assigns a slot before compiling, so
    /// that a read before the first assignment in a loop still finds later iterations' values.
    private mutating func declareAssignments(_ nodes: [Node], unit: SourceUnit, depth: Int) throws(TemplateError) {
        for node in nodes {
            switch node.kind {
            case .assign(let name, _):
                if assigned[name] == nil { assigned[name] = newSlot(name) }
            case .capture(let name, let body):
                if assigned[name] == nil { assigned[name] = newSlot(name) }
                try declareAssignments(body, unit: unit, depth: depth)
            case .conditional(let branches, let elseBody):
                for b in branches { try declareAssignments(b.body, unit: unit, depth: depth) }
                try declareAssignments(elseBody ?? [], unit: unit, depth: depth)
            case .caseBlock(_, let clauses):
                for clause in clauses {
                    switch clause {
                    case .when(_, let body), .otherwise(let body): try declareAssignments(body, unit: unit, depth: depth)
                    }
                }
            case .forLoop(let loop), .tablerow(let loop, _):
                try declareAssignments(loop.body, unit: unit, depth: depth)
                try declareAssignments(loop.elseBody ?? [], unit: unit, depth: depth)
            case .ifchanged(let body), .block(_, let body):
                try declareAssignments(body, unit: unit, depth: depth)
            case .include(let call):
                guard case .literal(.string(let name)) = call.name.expr, depth < environment.limits.maxPartialDepth else { continue }
                if let (document, partialUnit) = try? environment.document(named: name) {
                    try declareAssignments(document.nodes, unit: partialUnit, depth: depth + 1)
                }
            default:
                continue
            }
        }
    }

    // MARK: Layouts

    /// A template's body; when it names a layout, its assignments followed by the layout with its blocks.
    private mutating func compileTemplate(_ nodes: [Node], depth: Int) throws(TemplateError) -> [Instruction] {
        guard let layoutNode = nodes.first(where: { if case .layout = $0.kind { return true } else { return false } }),
              case .layout(let nameNode) = layoutNode.kind, case .literal(.string(let layoutName)) = nameNode.expr
        else {
            return try compile(nodes)
        }
        var prelude: [Node] = []
        for node in nodes {
            switch node.kind {
            case .layout(let other) where other.offset != nameNode.offset:
                throw error(.compile, "a template can name only one layout", at: node.offset)
            case .layout:
                continue
            case .block(let name, let body):
                if blockOverrides[name] == nil { blockOverrides[name] = (body, unit) }
            case .assign, .capture:
                prelude.append(node)
            case .text(let text) where text.allSatisfy(\.isWhitespace):
                continue
            default:
                throw error(.compile, "a template with a layout shows only what is inside its {% block %} tags; put this in a block", at: node.offset)
            }
        }
        guard depth < environment.limits.maxPartialDepth else {
            throw error(.limit, "layouts are nested more than \(environment.limits.maxPartialDepth) deep (does '\(layoutName)' use itself?)", at: layoutNode.offset)
        }
        let (layout, layoutUnit) = try environment.document(named: layoutName, at: nameNode.offset, from: unit)
        try declareAssignments(layout.nodes, unit: layoutUnit, depth: depth + 1)
        var result = try compile(prelude)
        let outerUnit = unit
        unit = layoutUnit
        defer { unit = outerUnit }
        let body = try compileTemplate(layout.nodes, depth: depth + 1)
        result.append(.inlineInclude(InlineInclude(binding: .none, arguments: [], body: body, unit: layoutUnit, at: layoutNode.offset)))
        return result
    }

    // MARK: Nodes

    private mutating func compile(_ nodes: [Node]) throws(TemplateError) -> [Instruction] {
        var result: [Instruction] = []
        result.reserveCapacity(nodes.count)
        for node in nodes {
            if let instruction = try compile(node) {
                // Adjacent text merges into one write.
                if case .text(let text) = instruction, case .text(let previous)? = result.last {
                    result[result.count - 1] = .text(previous + text)
                } else {
                    result.append(instruction)
                }
            }
        }
        return result
    }

    private mutating func compile(_ node: Node) throws(TemplateError) -> Instruction? {
        let at = node.offset
        switch node.kind {
        case .text(let s):
            return .text(s)
        case .output(let value), .echo(let value):
            return .output(try compile(value), safe: producesHTML(value), at: at)
        case .assign(let name, let value):
            let compiled = try compile(value)
            if let slot = assigned[name] { return .assign(slot: slot, compiled, safe: producesHTML(value), at: at) }
            if assignsByName { return .assignDynamic(name: name, compiled, at: at) }
            let slot = newSlot(name)
            assigned[name] = slot
            return .assign(slot: slot, compiled, safe: producesHTML(value), at: at)
        case .capture(let name, let body):
            let compiledBody = try compile(body)
            if let slot = assigned[name] { return .capture(slot: slot, name: name, compiledBody, at: at) }
            if assignsByName { return .capture(slot: nil, name: name, compiledBody, at: at) }
            let slot = newSlot(name)
            assigned[name] = slot
            return .capture(slot: slot, name: name, compiledBody, at: at)
        case .conditional(let branches, let elseBody):
            var compiled: [CompiledBranch] = []
            for branch in branches {
                compiled.append(CompiledBranch(condition: try compile(branch.condition), body: try compile(branch.body), negated: branch.negated))
            }
            return .conditional(compiled, elseBody: try elseBody.map { (body) throws(TemplateError) in try compile(body) })
        case .caseBlock(let subject, let clauses):
            var compiled: [CompiledCaseClause] = []
            for clause in clauses {
                switch clause {
                case .when(let values, let body):
                    var exprs: [CompiledExpression] = []
                    for v in values { exprs.append(try compile(v)) }
                    compiled.append(.when(exprs, try compile(body)))
                case .otherwise(let body):
                    compiled.append(.otherwise(try compile(body)))
                }
            }
            return .caseBlock(try compile(subject), compiled)
        case .forLoop(let loop):
            return .forLoop(try compile(loop, kind: .forLoop, at: at))
        case .tablerow(let loop, let cols):
            let compiledCols = try cols.map { (c) throws(TemplateError) in try compile(c) }
            return .tablerow(try compile(loop, kind: .tablerow, at: at), cols: compiledCols)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .cycle(let group, let values):
            var compiled: [CompiledExpression] = []
            for v in values { compiled.append(try compile(v)) }
            let key = values.map { describe($0) }.joined(separator: ", ")
            return .cycle(group: try group.map { (g) throws(TemplateError) in try compile(g) }, key: key, values: compiled, at: at)
        case .increment(let name):
            return .increment(name)
        case .decrement(let name):
            return .decrement(name)
        case .ifchanged(let body):
            return .ifchanged(try compile(body))
        case .render(let call):
            return .render(try compileRender(call, at: at))
        case .include(let call):
            return try compileInclude(call, at: at)
        case .layout:
            throw error(.compile, "'layout' must be the template's own, not inside an included partial", at: at)
        case .block(let name, let body):
            guard let override = blockOverrides[name] else {
                return .inlineInclude(InlineInclude(binding: .none, arguments: [], body: try compile(body), unit: unit, at: at))
            }
            let outerUnit = unit
            unit = override.unit
            defer { unit = outerUnit }
            return .inlineInclude(InlineInclude(binding: .none, arguments: [], body: try compile(override.nodes), unit: override.unit, at: at))
        }
    }

    private mutating func compile(_ loop: ForLoop, kind: LoopKind, at: Int) throws(TemplateError) -> CompiledLoop {
        let collection = try compile(loop.collection)
        let limit = try loop.limit.map { (l) throws(TemplateError) in try compile(l) }
        var offset: CompiledLoop.Offset?
        switch loop.offset {
        case .expression(let e)?: offset = .expression(try compile(e))
        case .continuation?: offset = .continuation
        case nil: offset = nil
        }
        let slot = newSlot(loop.variable)
        scopes.append([loop.variable: slot])
        loopKinds.append(kind)
        let body = try compile(loop.body)
        loopKinds.removeLast()
        scopes.removeLast()
        let elseBody = try loop.elseBody.map { (b) throws(TemplateError) in try compile(b) }
        return CompiledLoop(slot: slot, collection: collection, name: loop.name, limit: limit, offset: offset,
                            reversed: loop.reversed, body: body, elseBody: elseBody, at: at)
    }

    // MARK: Partials

    private mutating func compileRender(_ call: PartialCall, at: Int) throws(TemplateError) -> PartialRender {
        guard case .literal(.string(let name)) = call.name.expr else {
            throw error(.syntax, "'render' takes the partial's name as a quoted string", at: call.name.offset)
        }
        let partial = try environment.partialProgram(named: name, at: at, from: unit)
        var arguments: [(name: String, value: CompiledExpression)] = []
        for (argName, value) in call.arguments {
            arguments.append((argName, try compile(value)))
        }
        let binding: PartialRender.Binding
        switch call.binding {
        case .none: binding = .none
        case .with(let value, let alias):
            binding = .with(try compile(value), name: alias ?? name)
        case .forEach(let value, let alias):
            binding = .forEach(try compile(value), name: alias ?? name, loopName: "\(alias ?? name)-\(describe(value))")
        }
        return PartialRender(program: partial, binding: binding, arguments: arguments, at: at)
    }

    private mutating func compileInclude(_ call: PartialCall, at: Int) throws(TemplateError) -> Instruction {
        guard case .literal(.string(let name)) = call.name.expr else {
            let snapshot = ScopeSnapshot(assigned: assigned, scopes: scopes, loopKinds: loopKinds, slotCount: slotNames.count)
            return .dynamicInclude(DynamicInclude(name: try compile(call.name), call: call, scope: snapshot, unit: unit,
                                                  includeDepth: includeDepth, at: at))
        }
        guard includeDepth < environment.limits.maxPartialDepth else {
            throw error(.limit, "'include' is nested more than \(environment.limits.maxPartialDepth) deep (does '\(name)' include itself?)", at: at)
        }
        let (document, partialUnit) = try environment.document(named: name, at: at, from: unit)
        return .inlineInclude(try compileIncludeBody(call, name: name, document: document, partialUnit: partialUnit, at: at))
    }

    /// Compiles an included partial into this frame: its arguments in a new scope, its assignments shared.
    mutating func compileIncludeBody(_ call: PartialCall, name: String, document: Document, partialUnit: SourceUnit, at: Int) throws(TemplateError) -> InlineInclude {
        var arguments: [(slot: Int, value: CompiledExpression)] = []
        var scope: [String: Int] = [:]
        for (argName, value) in call.arguments {
            let slot = newSlot(argName)
            arguments.append((slot, try compile(value)))
            scope[argName] = slot
        }
        var binding = InlineInclude.Binding.none
        switch call.binding {
        case .none: break
        case .with(let value, let alias), .forEach(let value, let alias):
            let slot = newSlot(alias ?? name)
            let compiled = try compile(value)
            scope[alias ?? name] = slot
            if case .with = call.binding { binding = .with(compiled, slot: slot) } else { binding = .forEach(compiled, slot: slot) }
        }
        scopes.append(scope)
        includeDepth += 1
        let outerUnit = unit
        unit = partialUnit
        defer {
            unit = outerUnit
            includeDepth -= 1
            scopes.removeLast()
        }
        let body = try compile(document.nodes)
        return InlineInclude(binding: binding, arguments: arguments, body: body, unit: partialUnit, at: at)
    }

    /// Whether an expression's value is already HTML: its last filter makes it so.
    private func producesHTML(_ value: FilteredExpression) -> Bool {
        value.filters.last.map { FilterRegistry.htmlSafeFilters.contains($0.name) } ?? false
    }

    // MARK: Expressions

    private mutating func compile(_ value: FilteredExpression) throws(TemplateError) -> CompiledExpression {
        let base = try compile(value.base)
        if value.filters.isEmpty { return base }
        var filters: [CompiledFilter] = []
        for call in value.filters {
            guard let definition = environment.filters[call.name] else {
                throw error(.compile, "unknown filter '\(call.name)'\(suggestion(for: call.name, among: environment.filters.names))", at: call.offset)
            }
            guard definition.arity.contains(call.arguments.count) else {
                throw error(.compile, "filter '\(call.name)' takes \(describeArity(definition.arity)), not \(call.arguments.count)", at: call.offset)
            }
            var arguments: [CompiledExpression] = []
            for a in call.arguments { arguments.append(try compile(a)) }
            var keywords: [(name: String, value: CompiledExpression)] = []
            for (key, v) in call.keywords {
                guard definition.keywords.contains(key) else {
                    throw error(.compile, "filter '\(call.name)' has no argument '\(key)'", at: v.offset)
                }
                keywords.append((key, try compile(v)))
            }
            filters.append(CompiledFilter(definition: definition, arguments: arguments, keywords: keywords, at: call.offset))
        }
        return .filtered(base, filters)
    }

    mutating func compile(_ node: ExprNode) throws(TemplateError) -> CompiledExpression {
        switch node.expr {
        case .literal(let v): return .constant(v)
        case .empty: return .empty
        case .blank: return .blank
        case .range(let a, let b):
            let start = try compile(a)
            let end = try compile(b)
            if case .constant(let x) = start, case .constant(let y) = end {
                return .constant(try makeRange(x, y, unit: unit, at: node.offset))
            }
            return .range(start, end, at: node.offset)
        case .variable(let root, let lookups):
            var compiledLookups: [CompiledLookup] = []
            for lookup in lookups {
                switch lookup {
                case .key(let k, _, let dotted): compiledLookups.append(.key(LookupKey(k), dotted: dotted))
                case .index(let e): compiledLookups.append(.index(try compile(e)))
                }
            }
            switch root {
            case .dynamic(let e):
                return .dynamicRoot(try compile(e), compiledLookups)
            case .name(let name):
                return resolve(name, compiledLookups)
            }
        }
    }

    private func resolve(_ name: String, _ lookups: [CompiledLookup]) -> CompiledExpression {
        for scope in scopes.reversed() {
            if let slot = scope[name] { return .local(slot, name, lookups) }
        }
        if let slot = assigned[name] { return .local(slot, name, lookups) }
        if name == "forloop" || name == "tablerowloop" {
            let kind: LoopKind = name == "forloop" ? .forLoop : .tablerow
            var rest = lookups[...]
            var up = 0
            while kind == .forLoop, case .key(let k, true)? = rest.first, k.name == "parentloop" {
                up += 1
                rest = rest.dropFirst()
            }
            guard case .key(let k, _)? = rest.first else { return .loopVariable(kind, up: up, nil, Array(rest)) }
            guard let property = LoopProperty(rawValue: k.name) else {
                // No such property: the loop is still looked up, so that outside a loop the global wins.
                return .loopVariable(kind, up: up, nil, Array(rest))
            }
            return .loopVariable(kind, up: up, property, Array(rest.dropFirst()))
        }
        return .global(LookupKey(name), lookups)
    }

    private mutating func compile(_ condition: Condition) throws(TemplateError) -> CompiledCondition {
        switch condition {
        case .test(let e): return .test(try compile(e))
        case .comparison(let a, let op, let b): return .comparison(try compile(a), op, try compile(b), at: a.offset)
        case .and(let a, let b): return .and(try compile(a), try compile(b))
        case .or(let a, let b): return .or(try compile(a), try compile(b))
        }
    }
}

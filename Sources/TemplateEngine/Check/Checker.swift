/// Checks a parsed template against the schema of its data before it is ever rendered: unknown
/// variables and properties (with a "did you mean"), unknown filters and wrong arguments, type
/// errors, optional values written without a guard or default, and missing partials. It also
/// collects the schema paths the template reads.
struct Checker {
    /// What the checker knows of an expression's value.
    struct Typed {
        var schema: Schema
        /// The value's path in the schema (`order.items[].name`), when it comes from the data.
        var path: String?
        /// The parts of the value's path that may be missing or null (`payer`, `payer.name`), or the
        /// local variable they were assigned to; each needs a guard before the value is written.
        var optionalPaths: [String] = []

        var optional: Bool { !optionalPaths.isEmpty }

        static let any = Typed(schema: Schema(kind: .any), path: nil)
        static func of(_ kind: Schema.Kind) -> Typed {
            Typed(schema: Schema(kind: kind), path: nil)
        }

        /// This value's path with `suffix`, which may itself be missing.
        func child(_ schema: Schema, _ suffix: String, mayBeMissing: Bool) -> Typed {
            let childPath = path.map { $0 + suffix }
            var paths = optionalPaths
            if mayBeMissing, let childPath { paths.append(childPath) }
            return Typed(schema: schema, path: childPath, optionalPaths: paths)
        }
    }

    private(set) var unit: SourceUnit
    let environment: CompileEnvironment
    /// The variables the template's data has (for `render`ed partials, the arguments passed).
    private var root: Schema
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var variables: Set<String> = []
    private var scopes: [[String: Typed]] = []
    private var assigned: [String: Typed] = [:]
    private var counters: Set<String> = []
    private var guards: [Set<String>] = []
    private var loops: [LoopKind] = []
    private var partials: [String] = []

    init(unit: SourceUnit, schema: Schema, environment: CompileEnvironment) {
        self.unit = unit
        self.root = schema
        self.environment = environment
    }

    mutating func check(_ nodes: [Node]) {
        // A template with a layout runs its own assignments first, then the layout.
        let layouts = nodes.filter { if case .layout = $0.kind { return true } else { return false } }
        for node in nodes where layouts.isEmpty || !(layouts.contains { $0.offset == node.offset }) { check(node) }
        for node in layouts { check(node) }
    }

    mutating func report(_ severity: Diagnostic.Severity, _ code: String, _ message: String, at offset: Int) {
        let diagnostic = Diagnostic(severity, code, message, unit: unit, at: offset)
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    // MARK: Nodes

    private mutating func check(_ node: Node) {
        switch node.kind {
        case .text:
            break
        case .output(let value), .echo(let value):
            let typed = type(value)
            if let missing = typed.optionalPaths.first(where: { !isGuarded($0) }) {
                report(.warning, "optional-unguarded",
                       "'\(missing)' may be missing; write it inside {% if \(missing) %} or give it a default: {{ \(typed.path ?? missing) | default: \"…\" }}",
                       at: value.base.offset)
            }
        case .assign(let name, let value):
            var typed = type(value)
            typed.path = nil
            // A local holding a value that may be missing needs its own guard where it is written.
            typed.optionalPaths = typed.optional ? [name] : []
            assigned[name] = typed
        case .capture(let name, let body):
            check(body)
            assigned[name] = .of(.string)
        case .conditional(let branches, let elseBody):
            var negatedGuards: Set<String> = []
            for branch in branches {
                checkCondition(branch.condition)
                let holds = guardedPaths(branch.condition)
                guards.append(branch.negated ? negatedGuards : holds.union(negatedGuards))
                check(branch.body)
                guards.removeLast()
                if branch.negated { negatedGuards.formUnion(holds) }
            }
            if let elseBody {
                guards.append(negatedGuards)
                check(elseBody)
                guards.removeLast()
            }
        case .caseBlock(let subject, let clauses):
            _ = type(subject)
            for clause in clauses {
                switch clause {
                case .when(let values, let body):
                    for v in values { _ = type(v) }
                    check(body)
                case .otherwise(let body):
                    check(body)
                }
            }
        case .forLoop(let loop):
            checkLoop(loop, kind: .forLoop)
        case .tablerow(let loop, let cols):
            if let cols { _ = type(cols) }
            checkLoop(loop, kind: .tablerow)
        case .breakLoop, .continueLoop:
            break
        case .cycle(let group, let values):
            if let group { _ = type(group) }
            for v in values { _ = type(v) }
        case .increment(let name), .decrement(let name):
            counters.insert(name)
        case .ifchanged(let body):
            check(body)
        case .render(let call):
            checkRender(call, at: node.offset)
        case .include(let call):
            checkInclude(call, at: node.offset)
        case .layout(let name):
            checkInclude(PartialCall(name: name, binding: .none, arguments: []), at: node.offset)
        case .block(_, let body):
            check(body)
        }
    }

    private mutating func checkLoop(_ loop: ForLoop, kind: LoopKind) {
        let collection = type(loop.collection)
        if let limit = loop.limit { _ = type(limit) }
        if case .expression(let e)? = loop.offset { _ = type(e) }
        var item = Typed.any
        switch collection.schema.kind {
        case .array:
            item = Typed(schema: collection.schema.itemSchema ?? Schema(kind: .any), path: collection.path.map { $0 + "[]" })
        case .object:
            item = Typed(schema: Schema(kind: .array), path: nil)
        case .string:
            item = Typed(schema: Schema(kind: .string), path: collection.path)
        case .integer, .number, .boolean:
            report(.error, "type-mismatch", "cannot loop over \(describe(collection)), which is \(article(collection.schema.kind)), not a list",
                   at: loop.collection.offset)
        case .any:
            break
        }
        scopes.append([loop.variable: item])
        loops.append(kind)
        check(loop.body)
        loops.removeLast()
        scopes.removeLast()
        check(loop.elseBody ?? [])
    }

    // MARK: Partials

    private mutating func partialDocument(_ call: PartialCall, tag: String, at offset: Int) -> (String, Document, SourceUnit)? {
        guard case .literal(.string(let name)) = call.name.expr else {
            report(.warning, "dynamic-partial", "the partial of this '\(tag)' is chosen at render time and cannot be checked", at: call.name.offset)
            _ = type(call.name)
            return nil
        }
        do {
            let (document, partialUnit) = try environment.document(named: name, at: call.name.offset, from: unit)
            return (name, document, partialUnit)
        } catch {
            if error.templateName == unit.name {
                report(.error, "missing-partial", error.message, at: call.name.offset)
            } else {
                diagnostics.append(Diagnostic(error))
            }
            return nil
        }
    }

    private mutating func checkRender(_ call: PartialCall, at offset: Int) {
        var properties: [(name: String, schema: Schema)] = []
        var typedArguments: [String: Typed] = [:]
        for (name, value) in call.arguments {
            let t = type(value)
            properties.append((name, t.schema))
            typedArguments[name] = t
        }
        let partialName: String? = { if case .literal(.string(let n)) = call.name.expr { return n } else { return nil } }()
        switch call.binding {
        case .none: break
        case .with(let value, let alias):
            let t = type(value)
            properties.append((alias ?? partialName ?? "", t.schema))
            typedArguments[alias ?? partialName ?? ""] = t
        case .forEach(let value, let alias):
            let t = type(value)
            let item = t.schema.kind == .array ? (t.schema.itemSchema ?? Schema(kind: .any)) : t.schema
            properties.append((alias ?? partialName ?? "", item))
            typedArguments[alias ?? partialName ?? ""] = Typed(schema: item, path: t.path.map { $0 + "[]" })
        }
        guard let (name, document, partialUnit) = partialDocument(call, tag: "render", at: offset), !partials.contains(name) else { return }
        var inner = Checker(unit: partialUnit, schema: Schema(kind: .object, properties: properties, required: Set(properties.map(\.name))),
                            environment: environment)
        inner.partials = partials + [name]
        if case .forEach = call.binding { inner.loops = [.forLoop] }
        inner.check(document.nodes)
        diagnostics += inner.diagnostics.filter { !diagnostics.contains($0) }
        // A path the partial reads through an argument is a path of the caller's data.
        for path in inner.variables {
            let head = String(path.prefix { $0 != "." && $0 != "[" })
            if let base = typedArguments[head]?.path { variables.insert(base + path.dropFirst(head.count)) }
        }
    }

    private mutating func checkInclude(_ call: PartialCall, at offset: Int) {
        var scope: [String: Typed] = [:]
        for (name, value) in call.arguments { scope[name] = type(value) }
        let partialName: String? = { if case .literal(.string(let n)) = call.name.expr { return n } else { return nil } }()
        switch call.binding {
        case .none: break
        case .with(let value, let alias), .forEach(let value, let alias):
            var t = type(value)
            if t.schema.kind == .array {
                t = Typed(schema: t.schema.itemSchema ?? Schema(kind: .any), path: t.path.map { $0 + "[]" })
            }
            scope[alias ?? partialName ?? ""] = t
        }
        guard let (name, document, partialUnit) = partialDocument(call, tag: "include", at: offset), !partials.contains(name) else { return }
        let outer = unit
        unit = partialUnit
        partials.append(name)
        scopes.append(scope)
        check(document.nodes)
        scopes.removeLast()
        partials.removeLast()
        unit = outer
    }

    // MARK: Conditions and guards

    private mutating func checkCondition(_ condition: Condition) {
        switch condition {
        case .test(let e): _ = type(e)
        case .comparison(let a, _, let b):
            _ = type(a)
            _ = type(b)
        case .and(let a, let b), .or(let a, let b):
            checkCondition(a)
            checkCondition(b)
        }
    }

    /// The data paths known to be present where the condition holds.
    private func guardedPaths(_ condition: Condition) -> Set<String> {
        switch condition {
        case .test(let e):
            return pathText(e).map { [$0] } ?? []
        case .comparison(let a, let op, let b):
            guard op == .notEqual || op == .greater || op == .contains else { return [] }
            var result: Set<String> = []
            if let p = pathText(a) { result.insert(p) }
            if op == .notEqual, let p = pathText(b) { result.insert(p) }
            return result
        case .and(let a, let b):
            return guardedPaths(a).union(guardedPaths(b))
        case .or:
            return []
        }
    }

    /// Whether a guard holds for `path`: the path itself, or something below it (which exists only if it does).
    private func isGuarded(_ path: String) -> Bool {
        for set in guards where set.contains(where: { $0 == path || $0.hasPrefix(path + ".") || $0.hasPrefix(path + "[") }) {
            return true
        }
        return false
    }

    /// The dotted text of a plain variable path, as guards are written.
    private func pathText(_ node: ExprNode) -> String? {
        guard case .variable(.name(let name), let lookups) = node.expr else { return nil }
        var text = resolvedPath(of: name) ?? name
        for lookup in lookups {
            guard case .key(let k, _, _) = lookup else { return nil }
            text += "." + k
        }
        return text
    }

    /// A loop variable's data path (`item` → `order.items[]`), so guards inside loops match.
    private func resolvedPath(of name: String) -> String? {
        for scope in scopes.reversed() {
            if let t = scope[name] { return t.path }
        }
        return nil
    }

    // MARK: Expressions

    private mutating func type(_ value: FilteredExpression) -> Typed {
        var typed = type(value.base)
        for (index, call) in value.filters.enumerated() {
            typed = applyFilter(call, to: typed, first: index == 0)
        }
        return typed
    }

    mutating func type(_ node: ExprNode) -> Typed {
        switch node.expr {
        case .literal(let v):
            switch v {
            case .nil: return .of(.any)
            case .bool: return .of(.boolean)
            case .int: return .of(.integer)
            case .double: return .of(.number)
            case .string: return .of(.string)
            default: return .any
            }
        case .empty, .blank:
            return .any
        case .range(let a, let b):
            _ = type(a)
            _ = type(b)
            return Typed(schema: Schema(kind: .array, items: Schema(kind: .integer)), path: nil)
        case .variable(.dynamic(let e), let lookups):
            _ = type(e)
            for case .index(let i) in lookups { _ = type(i) }
            return .any
        case .variable(.name(let name), let lookups):
            guard var typed = typeOfRoot(name, at: node.offset) else {
                for case .index(let i) in lookups { _ = type(i) }
                return .any
            }
            for lookup in lookups {
                guard let next = follow(typed, lookup) else { return .any }
                typed = next
            }
            if let path = typed.path { variables.insert(path) }
            return typed
        }
    }

    private mutating func typeOfRoot(_ name: String, at offset: Int) -> Typed? {
        for scope in scopes.reversed() {
            if let t = scope[name] { return t }
        }
        if let t = assigned[name] { return t }
        if counters.contains(name) { return .of(.integer) }
        if name == "forloop", loops.contains(.forLoop) { return Typed(schema: Self.forloopSchema, path: nil) }
        if name == "tablerowloop", loops.contains(.tablerow) { return Typed(schema: Self.tablerowloopSchema, path: nil) }
        if let schema = root.property(name) {
            return Typed(schema: schema, path: name, optionalPaths: !root.required.contains(name) || schema.nullable ? [name] : [])
        }
        if root.kind == .any { return .any }
        var candidates = root.properties.map(\.name) + assigned.keys
        for scope in scopes { candidates += scope.keys }
        report(.error, "unknown-variable", "unknown variable '\(name)'\(suggestion(for: name, among: candidates))", at: offset)
        return nil
    }

    private mutating func follow(_ base: Typed, _ lookup: Lookup) -> Typed? {
        switch lookup {
        case .index(let e):
            let index = type(e)
            switch base.schema.kind {
            case .array:
                return base.child(base.schema.itemSchema ?? Schema(kind: .any), "[]", mayBeMissing: true)
            case .object, .any:
                _ = index
                return .any
            default:
                report(.error, "type-mismatch", "\(describe(base)) is \(article(base.schema.kind)) and cannot be indexed", at: e.offset)
                return nil
            }
        case .key(let key, let offset, let dotted):
            switch base.schema.kind {
            case .any:
                return .any
            case .object:
                if let property = base.schema.property(key) {
                    return base.child(property, "." + key, mayBeMissing: !base.schema.required.contains(key) || property.nullable)
                }
                if base.schema.properties.isEmpty { return .any }
                if dotted && key == "size" { return .of(.integer) }
                report(.error, "unknown-property",
                       "\(describe(base)) has no property '\(key)'\(suggestion(for: key, among: base.schema.properties.map(\.name)))",
                       at: offset)
                return nil
            case .array:
                if dotted && key == "size" { return .of(.integer) }
                if dotted && (key == "first" || key == "last") {
                    return base.child(base.schema.itemSchema ?? Schema(kind: .any), "[]", mayBeMissing: true)
                }
                report(.error, "unknown-property", "\(describe(base)) is a list; it has 'size', 'first' and 'last', not '\(key)'", at: offset)
                return nil
            case .string:
                if dotted && key == "size" { return .of(.integer) }
                report(.error, "unknown-property", "\(describe(base)) is a string; it has 'size', not '\(key)'", at: offset)
                return nil
            case .integer, .number, .boolean:
                report(.error, "unknown-property", "\(describe(base)) is \(article(base.schema.kind)) and has no property '\(key)'", at: offset)
                return nil
            }
        }
    }

    private func describe(_ typed: Typed) -> String {
        typed.path.map { "'\($0)'" } ?? "the value"
    }

    static let forloopSchema = Schema(kind: .object, properties: [
        ("index", Schema(kind: .integer)), ("index0", Schema(kind: .integer)), ("rindex", Schema(kind: .integer)),
        ("rindex0", Schema(kind: .integer)), ("first", Schema(kind: .boolean)), ("last", Schema(kind: .boolean)),
        ("length", Schema(kind: .integer)), ("name", Schema(kind: .string)), ("parentloop", Schema(kind: .any)),
    ], required: ["index", "index0", "rindex", "rindex0", "first", "last", "length", "name"])

    static let tablerowloopSchema = Schema(kind: .object, properties: forloopSchema.properties.filter { $0.name != "parentloop" && $0.name != "name" } + [
        ("col", Schema(kind: .integer)), ("col0", Schema(kind: .integer)), ("col_first", Schema(kind: .boolean)),
        ("col_last", Schema(kind: .boolean)), ("row", Schema(kind: .integer)),
    ], required: ["index", "index0", "rindex", "rindex0", "first", "last", "length", "col", "col0", "col_first", "col_last", "row"])
}

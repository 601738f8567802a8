/// What the checker knows of a filter: the kinds of input it can take and the kind it gives.
struct FilterSignature {
    enum Result {
        case kind(Schema.Kind)
        /// The same type as the input (`sort`, `reverse`, `default`).
        case input
        /// An element of the input list (`first`, `last`, `find`).
        case element
        /// A number: an integer when the input and the arguments are integers.
        case arithmetic
    }

    /// Input kinds that make the filter fail or produce nonsense; `nil` accepts anything.
    let accepts: Set<Schema.Kind>?
    let result: Result
    /// Shown when the input is of the wrong kind.
    let expectation: String

    static let table: [String: FilterSignature] = {
        var t: [String: FilterSignature] = [:]
        let scalar: Set<Schema.Kind> = [.string, .integer, .number, .boolean]
        let numeric: Set<Schema.Kind> = [.integer, .number, .string]
        let listy: Set<Schema.Kind> = [.array, .object, .string]
        for name in ["append", "prepend", "capitalize", "downcase", "upcase", "escape", "escape_once", "h", "lstrip", "rstrip",
                     "strip", "strip_html", "strip_newlines", "newline_to_br", "remove", "remove_first", "remove_last",
                     "replace", "replace_first", "replace_last", "truncate", "truncatewords", "url_encode", "url_decode",
                     "base64_encode", "base64_decode", "base64_url_safe_encode", "base64_url_safe_decode"] {
            t[name] = FilterSignature(accepts: scalar, result: .kind(.string), expectation: "text")
        }
        for name in ["plus", "minus", "times", "modulo", "abs", "ceil", "floor", "round", "at_least", "at_most"] {
            t[name] = FilterSignature(accepts: numeric, result: .arithmetic, expectation: "a number")
        }
        t["divided_by"] = FilterSignature(accepts: numeric, result: .arithmetic, expectation: "a number")
        for name in ["sort", "sort_natural", "reverse", "uniq", "compact", "where", "reject", "concat"] {
            t[name] = FilterSignature(accepts: listy, result: .input, expectation: "a list")
        }
        for name in ["first", "last", "find"] {
            t[name] = FilterSignature(accepts: listy, result: .element, expectation: "a list")
        }
        t["map"] = FilterSignature(accepts: listy, result: .kind(.array), expectation: "a list")
        t["join"] = FilterSignature(accepts: nil, result: .kind(.string), expectation: "a list")
        t["split"] = FilterSignature(accepts: scalar, result: .kind(.array), expectation: "text")
        t["size"] = FilterSignature(accepts: nil, result: .kind(.integer), expectation: "anything")
        t["sum"] = FilterSignature(accepts: listy, result: .kind(.number), expectation: "a list")
        t["find_index"] = FilterSignature(accepts: listy, result: .kind(.integer), expectation: "a list")
        t["has"] = FilterSignature(accepts: listy, result: .kind(.boolean), expectation: "a list")
        t["slice"] = FilterSignature(accepts: [.string, .array, .integer, .number], result: .input, expectation: "text or a list")
        t["date"] = FilterSignature(accepts: [.string, .integer, .number], result: .kind(.string), expectation: "a date or a timestamp")
        t["default"] = FilterSignature(accepts: nil, result: .input, expectation: "anything")
        t["raw"] = FilterSignature(accepts: nil, result: .input, expectation: "anything")
        t["money"] = FilterSignature(accepts: [.integer], result: .kind(.string), expectation: "an amount in integer kopecks")
        t["plural"] = FilterSignature(accepts: [.integer, .number], result: .kind(.string), expectation: "a number")
        t["phone"] = FilterSignature(accepts: [.string], result: .kind(.string), expectation: "a phone number as text")
        return t
    }()
}

extension Checker {
    /// Checks one filter call on a value of known type and gives the type of its result.
    mutating func applyFilter(_ call: FilterCall, to input: Typed, first: Bool) -> Typed {
        var argumentTypes: [Typed] = []
        for argument in call.arguments { argumentTypes.append(type(argument)) }
        for (_, value) in call.keywords { _ = type(value) }
        guard let definition = environment.filters[call.name] else {
            report(.error, "unknown-filter",
                         "unknown filter '\(call.name)'\(suggestion(for: call.name, among: environment.filters.names))", at: call.offset)
            return .any
        }
        if !definition.arity.contains(call.arguments.count) {
            report(.error, "filter-arguments",
                         "filter '\(call.name)' takes \(describeArity(definition.arity)), not \(call.arguments.count)", at: call.offset)
        }
        for (key, value) in call.keywords where !definition.keywords.contains(key) {
            report(.error, "filter-arguments", "filter '\(call.name)' has no argument '\(key)'", at: value.offset)
        }
        guard let signature = FilterSignature.table[call.name] else { return .any }
        if let accepts = signature.accepts, input.schema.kind != .any, !accepts.contains(input.schema.kind) {
            let what = input.path.map { "'\($0)'" } ?? "its input"
            report(.error, "type-mismatch",
                         "filter '\(call.name)' expects \(signature.expectation), but \(what) is \(article(input.schema.kind))",
                         at: call.offset)
        }
        // `default` makes an optional value present; other filters keep its optionality and path.
        let optionalPaths = call.name == "default" ? [] : input.optionalPaths
        switch signature.result {
        case .kind(let kind):
            var resultKind = kind
            if call.name == "sum" { resultKind = sumKind(input, call) }
            return Typed(schema: Schema(kind: resultKind), path: input.path, optionalPaths: optionalPaths)
        case .input:
            var result = input
            result.optionalPaths = optionalPaths
            return result
        case .element:
            return Typed(schema: input.schema.itemSchema ?? Schema(kind: .any), path: input.path.map { $0 + "[]" }, optionalPaths: optionalPaths)
        case .arithmetic:
            // Liquid's integer division stays an integer.
            let integral = input.schema.kind == .integer && argumentTypes.allSatisfy { $0.schema.kind == .integer }
            return Typed(schema: Schema(kind: integral ? .integer : .number), path: input.path, optionalPaths: optionalPaths)
        }
    }

    /// `sum` of integers (or of an integer property named by a literal) is an integer.
    private func sumKind(_ input: Typed, _ call: FilterCall) -> Schema.Kind {
        guard let item = input.schema.itemSchema else { return .number }
        guard let argument = call.arguments.first else { return item.kind == .integer ? .integer : .number }
        if case .literal(.string(let property)) = argument.expr, item.property(property)?.kind == .integer { return .integer }
        return .number
    }

    func article(_ kind: Schema.Kind) -> String {
        switch kind {
        case .integer: return "an integer"
        case .array: return "a list"
        case .object: return "an object"
        case .any: return "anything"
        default: return "a \(kind.rawValue)"
        }
    }
}

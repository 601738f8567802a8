extension Renderer {
    /// The value of an expression in the current frame.
    mutating func evaluate(_ expression: borrowing CompiledExpression) throws(TemplateError) -> Value {
        switch expression {
        case .constant(let value):
            return value
        case .global(let key, let lookups):
            return try follow(global(key), lookups)
        case .local(let slot, let name, let lookups):
            if let value = frame.slots[slot] { return try follow(value, lookups) }
            return try follow(global(LookupKey(name)), lookups)
        case .loopVariable(let kind, let up, let property, let lookups):
            return try loopVariable(kind, up: up, property, lookups)
        case .dynamicRoot(let nameExpression, let lookups):
            let name = try evaluate(nameExpression)
            return try follow(variable(named: name.liquidString), lookups)
        case .range(let start, let end, let at):
            return try makeRange(evaluate(start), evaluate(end), unit: frame.unit, at: at)
        case .filtered(let base, let filters):
            var value = try evaluate(base)
            for f in filters.indices {
                value = try apply(filters[f], to: value)
            }
            return value
        case .empty, .blank:
            return .string("")
        }
    }

    @inline(__always) func global(_ key: borrowing LookupKey) -> Value {
        if !frame.dynamicGlobals.isEmpty, let v = frame.dynamicGlobals[key.name] { return v }
        if !frame.counters.isEmpty, let c = frame.counters[key.name] { return .int(c) }
        return frame.globals.value(for: key) ?? .nil
    }

    /// A variable looked up by a name known only at render time (`[name]`).
    func variable(named name: String) -> Value {
        var i = frame.slots.count - 1
        while i >= 0 {
            if i < frame.slotNames.count, frame.slotNames[i] == name, let v = frame.slots[i] { return v }
            i -= 1
        }
        return global(LookupKey(name))
    }

    @inline(__always) mutating func follow(_ start: consuming Value, _ lookups: borrowing [CompiledLookup]) throws(TemplateError) -> Value {
        var value = start
        for i in lookups.indices {
            switch lookups[i] {
            case .key(let key, let dotted):
                value = property(of: value, key, dotted: dotted)
            case .index(let expression):
                value = element(of: value, at: try evaluate(expression))
            }
            if case .nil = value { return .nil }
        }
        return value
    }

    mutating func apply(_ filter: borrowing CompiledFilter, to value: Value) throws(TemplateError) -> Value {
        var positional: [Value] = []
        positional.reserveCapacity(filter.arguments.count)
        for argument in filter.arguments { positional.append(try evaluate(argument)) }
        var keywords: [(name: String, value: Value)] = []
        for (name, argument) in filter.keywords { keywords.append((name, try evaluate(argument))) }
        let result: Value
        do {
            result = try filter.definition.apply(value, FilterArguments(positional: positional, keywords: keywords),
                                                 filterContext)
        } catch let failure as FilterError {
            throw error(failure.kind, "\(filter.definition.name): \(failure.message)", at: filter.at)
        } catch {
            throw self.error(.render, "\(filter.definition.name): \(error)", at: filter.at)
        }
        try checkSize(result, at: filter.at)
        // A filter over a long list (a sort of thousands of items) can take a while: look at the
        // clock after it, so that a loop of them cannot run far past the deadline.
        if case .array(let items) = value, items.count > 256 { try checkDeadline(at: filter.at) }
        return result
    }

    // MARK: Loop variables

    mutating func loopVariable(_ kind: LoopKind, up: Int, _ property: LoopProperty?, _ lookups: [CompiledLookup]) throws(TemplateError) -> Value {
        var remaining = up
        var i = frame.loops.count - 1
        var found: LoopState?
        while i >= 0 {
            let loop = frame.loops[i]
            if loop.kind == kind {
                // A `render … for` loop is its partial's `forloop`, never a `parentloop`.
                if loop.isolated && up > 0 { break }
                if remaining == 0 {
                    found = loop
                    break
                }
                if loop.isolated { break }
                remaining -= 1
            }
            i -= 1
        }
        guard let loop = found else {
            if up > 0 { return .nil }
            let whole = global(LookupKey(kind == .forLoop ? "forloop" : "tablerowloop"))
            let first: [CompiledLookup] = property.map { [.key(LookupKey($0.rawValue), dotted: true)] } ?? []
            return try follow(whole, first + lookups)
        }
        guard let property else {
            // The whole object, or a property it does not have.
            if lookups.isEmpty { return loopObject(loop) }
            return .nil
        }
        return try follow(loopProperty(loop, property), lookups)
    }

    func loopProperty(_ loop: LoopState, _ property: LoopProperty) -> Value {
        switch property {
        case .index: return .int(loop.index0 + 1)
        case .index0: return .int(loop.index0)
        case .rindex: return .int(loop.length - loop.index0)
        case .rindex0: return .int(loop.length - loop.index0 - 1)
        case .first: return .bool(loop.index0 == 0)
        case .last: return .bool(loop.index0 == loop.length - 1)
        case .length: return .int(loop.length)
        case .name where loop.kind == .forLoop: return .string(loop.name)
        case .col where loop.kind == .tablerow: return .int(loop.col)
        case .col0 where loop.kind == .tablerow: return .int(loop.col - 1)
        case .col_first where loop.kind == .tablerow: return .bool(loop.col == 1)
        case .col_last where loop.kind == .tablerow: return .bool(loop.col == loop.cols)
        case .row where loop.kind == .tablerow: return .int(loop.row)
        default: return .nil
        }
    }

    func loopObject(_ loop: LoopState) -> Value {
        var properties: [LoopProperty] = [.first, .index, .index0, .last, .length, .rindex, .rindex0]
        properties += loop.kind == .forLoop ? [.name] : [.col, .col0, .col_first, .col_last, .row]
        return .object(ValueObject(properties.map { ($0.rawValue, loopProperty(loop, $0)) }))
    }

    // MARK: Conditions

    mutating func test(_ condition: borrowing CompiledCondition) throws(TemplateError) -> Bool {
        switch condition {
        case .test(let expression):
            switch expression {
            case .empty, .blank: return true
            default: return try evaluate(expression).isTruthy
            }
        case .comparison(let left, let op, let right, let at):
            return try compare(left, op, right, at: at)
        case .and(let a, let b):
            guard try test(a) else { return false }
            return try test(b)
        case .or(let a, let b):
            if try test(a) { return true }
            return try test(b)
        }
    }

    mutating func compare(_ left: CompiledExpression, _ op: ComparisonOperator, _ right: CompiledExpression, at: Int) throws(TemplateError) -> Bool {
        switch op {
        case .equal, .notEqual:
            let equal: Bool
            switch (left, right) {
            case (.empty, .empty), (.blank, .blank), (.empty, .blank), (.blank, .empty): equal = false
            case (.empty, _): equal = try evaluate(right).isEmptyCollection
            case (_, .empty): equal = try evaluate(left).isEmptyCollection
            case (.blank, _): equal = try evaluate(right).isBlank
            case (_, .blank): equal = try evaluate(left).isBlank
            default: equal = try liquidEqual(evaluate(left), evaluate(right))
            }
            return op == .equal ? equal : !equal
        case .contains:
            let a = try evaluate(left)
            let b = try evaluate(right)
            return try compare(a, op, b, at: at)
        case .less, .greater, .lessOrEqual, .greaterOrEqual:
            if case .empty = left { return false }
            if case .blank = left { return false }
            if case .empty = right { return false }
            if case .blank = right { return false }
            let a = try evaluate(left)
            let b = try evaluate(right)
            return try compare(a, op, b, at: at)
        }
    }

    /// Compares two values (neither of them `empty` nor `blank`).
    func compare(_ a: Value, _ op: ComparisonOperator, _ b: Value, at: Int) throws(TemplateError) -> Bool {
        switch op {
        case .equal:
            return liquidEqual(a, b)
        case .notEqual:
            return !liquidEqual(a, b)
        case .contains:
            let haystack = a
            let needle = b
            switch (haystack, needle) {
            case (_, .nil), (_, .bool(false)): return false
            case (.string(let s), _):
                let n = needle.liquidString
                return n.isEmpty || s.utf8.firstRange(of: n.utf8) != nil
            case (.array(let a), _): return a.contains { liquidEqual($0, needle) }
            case (.range(let r), .int(let i)): return r.contains(i)
            case (.object(let o), .string(let k)): return o[k] != nil
            default: return false
            }
        case .less, .greater, .lessOrEqual, .greaterOrEqual:
            let order: Int
            switch (a, b) {
            case (.int(let x), .int(let y)): order = x < y ? -1 : (x == y ? 0 : 1)
            case (.int, .double), (.double, .int), (.double, .double):
                let x = a.numericDouble!, y = b.numericDouble!
                order = x < y ? -1 : (x == y ? 0 : 1)
            case (.string(let x), .string(let y)):
                order = x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
            case (.int, .string), (.double, .string), (.string, .int), (.string, .double):
                throw error(.render, "cannot compare \(a.typeName) \(a.inspect) with \(b.typeName) \(b.inspect) using '\(op.rawValue)'", at: at)
            default:
                return false
            }
            switch op {
            case .less: return order < 0
            case .greater: return order > 0
            case .lessOrEqual: return order <= 0
            default: return order >= 0
            }
        }
    }
}

extension Value {
    var numericDouble: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// Liquid's `==`, which is Ruby's: numbers compare by value across int and float, nothing else converts.
func liquidEqual(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.int(let x), .int(let y)): return x == y
    case (.int, .double), (.double, .int), (.double, .double): return a.numericDouble == b.numericDouble
    case (.string(let x), .string(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.nil, .nil): return true
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { liquidEqual($0, $1) }
    case (.object(let x), .object(let y)): return x == y
    case (.range(let x), .range(let y)): return x == y
    default: return false
    }
}

/// `obj.key`: an object's property; on arrays, strings and objects, `size`, and on arrays `first` and `last`.
func property(of value: borrowing Value, _ lookupKey: borrowing LookupKey, dotted: Bool) -> Value {
    switch value {
    case .object(let o):
        if let v = o.value(for: lookupKey) { return v }
    default:
        break
    }
    return property(of: copy value, lookupKey.name, dotted: dotted)
}

func property(of value: Value, _ key: String, dotted: Bool) -> Value {
    switch value {
    case .object(let o):
        if let v = o[key] { return v }
        guard dotted else { return .nil }
        switch key {
        case "size": return .int(o.count)
        case "first":
            guard let k = o.keys.first else { return .nil }
            return .array([.string(k), o[k] ?? .nil])
        default: return .nil
        }
    case .array(let a):
        guard dotted else { return .nil }
        switch key {
        case "size": return .int(a.count)
        case "first": return a.first ?? .nil
        case "last": return a.last ?? .nil
        default: return .nil
        }
    case .range(let r):
        guard dotted else { return .nil }
        switch key {
        case "size": return .int(r.count)
        case "first": return .int(r.lowerBound)
        case "last": return .int(r.upperBound)
        default: return .nil
        }
    case .string(let s):
        return dotted && key == "size" ? .int(s.count) : .nil
    default:
        return .nil
    }
}

/// `obj[index]`: an array element (negative counts from the end) or an object's property.
func element(of value: Value, at index: Value) -> Value {
    switch (value, index) {
    case (.array(let a), .int(let i)):
        let j = i < 0 ? a.count + i : i
        return j >= 0 && j < a.count ? a[j] : .nil
    case (.range(let r), .int(let i)):
        let j = i < 0 ? r.count + i : i
        return j >= 0 && j < r.count ? .int(r.lowerBound + j) : .nil
    case (.object(let o), .string(let k)):
        return o[k] ?? .nil
    case (.object(let o), .int(let i)):
        return o[String(i)] ?? .nil
    default:
        return .nil
    }
}

/// `(start..end)`: each end as an integer the way Liquid converts it; an empty range when end < start.
func makeRange(_ start: Value, _ end: Value, unit: SourceUnit? = nil, at: Int = 0) throws(TemplateError) -> Value {
    func bound(_ v: Value) throws(TemplateError) -> Int {
        switch v {
        case .int(let i): return i
        case .double(let d):
            guard d.isFinite, abs(d) < 1e15 else {
                throw (unit ?? SourceUnit(name: "", source: "")).error(.render, "range bound \(formatFloat(d)) is out of range", at: at)
            }
            return Int(d)
        case .string(let s): return rubyToInt(s)
        case .nil: return 0
        default:
            throw (unit ?? SourceUnit(name: "", source: "")).error(.render, "a range bound must be a number, not \(v.typeName)", at: at)
        }
    }
    let a = try bound(start), b = try bound(end)
    return b < a ? .array([]) : .range(a...b)
}

/// Ruby's `String#to_i`: the leading integer, or 0.
func rubyToInt(_ s: String) -> Int {
    var digits = Substring(s.drop { $0 == " " || $0 == "\t" || $0 == "\n" })
    var sign = 1
    if digits.first == "-" {
        sign = -1
        digits = digits.dropFirst()
    } else if digits.first == "+" {
        digits = digits.dropFirst()
    }
    let number = digits.prefix { $0.isASCII && $0.isNumber }
    return (Int(number) ?? 0) * sign
}

import Foundation

extension StandardFilters {
    /// Filters over lists (and, as Liquid's `InputIterator` allows, over single values and objects).
    static let arrayFilters: [FilterDefinition] = [
        FilterDefinition("join", arity: 0...1) { input, args, ctx in
            let glue = (suppliedArgument(args, 0) ?? .string(" ")).toStringValue
            let parts = try ctx.items(of: input).map(\.toStringValue)
            var total = 0
            for (i, part) in parts.enumerated() {
                total += part.utf8.count + (i > 0 ? glue.utf8.count : 0)
                try ctx.checkLength(total)
            }
            return .string(parts.joined(separator: glue))
        },
        FilterDefinition("first") { input, _, _ in
            switch input {
            case .array(let a): return a.first ?? .nil
            case .range(let r): return .int(r.lowerBound)
            case .object(let o):
                guard let (key, value) = o.pairs.first(where: { _ in true }) else { return .nil }
                return .array([.string(key), value])
            default: return .nil
            }
        },
        FilterDefinition("last") { input, _, _ in
            switch input {
            case .array(let a): return a.last ?? .nil
            case .range(let r): return .int(r.upperBound)
            default: return .nil
            }
        },
        FilterDefinition("concat", arity: 1...1) { input, args, ctx in
            guard case .array(let extra) = filterArgument(args, 0) else {
                throw FilterError("concat filter requires an array argument")
            }
            return .array(try ctx.items(of: input) + extra)
        },
        FilterDefinition("map", arity: 1...1) { input, args, ctx in
            let property = filterArgument(args, 0)
            let items = try ctx.items(of: input)
            if case .string("to_liquid") = property { return .array(items) }
            return .array(try items.map { item in
                switch item.rubySubscript(property) {
                case .value(let v): return v
                case .typeError: throw propertyError(property)
                case .noMethod: return .nil
                }
            })
        },
        FilterDefinition("reverse") { input, _, ctx in
            .array(try ctx.items(of: input).reversed())
        },
        FilterDefinition("sort", arity: 0...1) { input, args, ctx in
            try sortFilter(input, filterArgument(args, 0), ctx, compare: nilSafeCompare)
        },
        FilterDefinition("sort_natural", arity: 0...1) { input, args, ctx in
            try sortFilter(input, filterArgument(args, 0), ctx, compare: nilSafeCasecmp)
        },
        FilterDefinition("uniq", arity: 0...1) { input, args, ctx in
            let items = try ctx.items(of: input)
            let property = filterArgument(args, 0)
            var seen = Set<Value>()
            var out: [Value] = []
            for item in items {
                let key: Value
                if property.isNil {
                    key = item
                } else {
                    switch item.rubySubscript(property) {
                    case .value(let v): key = v
                    case .typeError: throw propertyError(property)
                    case .noMethod: return .nil
                    }
                }
                if seen.insert(key).inserted { out.append(item) }
            }
            return .array(out)
        },
        FilterDefinition("compact", arity: 0...1) { input, args, ctx in
            let items = try ctx.items(of: input)
            let property = filterArgument(args, 0)
            if property.isNil { return .array(items.filter { !$0.isNil }) }
            var out: [Value] = []
            for item in items {
                switch item.rubySubscript(property) {
                case .value(let v): if !v.isNil { out.append(item) }
                case .typeError: throw propertyError(property)
                case .noMethod: return .nil
                }
            }
            return .array(out)
        },
        FilterDefinition("where", arity: 1...2) { input, args, ctx in
            try filterArray(input, args, ctx, mode: .select)
        },
        FilterDefinition("reject", arity: 1...2) { input, args, ctx in
            try filterArray(input, args, ctx, mode: .reject)
        },
        FilterDefinition("has", arity: 1...2) { input, args, ctx in
            try filterArray(input, args, ctx, mode: .any)
        },
        FilterDefinition("find", arity: 1...2) { input, args, ctx in
            try filterArray(input, args, ctx, mode: .find)
        },
        FilterDefinition("find_index", arity: 1...2) { input, args, ctx in
            try filterArray(input, args, ctx, mode: .findIndex)
        },
        FilterDefinition("sum", arity: 0...1) { input, args, ctx in
            let items = try ctx.items(of: input)
            let property = filterArgument(args, 0)
            let values: [Value] = try items.map { item in
                if property.isNil { return item }
                guard item.respondsToSubscript else { return .int(0) }
                switch item.rubySubscript(property) {
                case .value(let v): return v
                case .typeError: throw propertyError(property)
                case .noMethod: return .int(0)
                }
            }
            return try sumNumbers(try ctx.items(of: .array(values)).map { try $0.toNumber() })
        },
        FilterDefinition("size") { input, _, _ in
            switch input {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .array(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            case .range(let r): return .int(r.count)
            // Ruby's `Integer#size` is the machine word's byte count, which Liquid passes through.
            case .int: return .int(MemoryLayout<Int>.size)
            default: return .int(0)
            }
        },
        FilterDefinition("default", arity: 0...1, keywords: ["allow_false"]) { input, args, _ in
            let allowFalse = args.keyword("allow_false")?.isTruthy ?? false
            let missing = allowFalse ? input.isNil : !input.isTruthy
            let empty: Bool
            switch input {
            case .string(let s): empty = s.isEmpty
            case .array(let a): empty = a.isEmpty
            case .object(let o): empty = o.isEmpty
            default: empty = false
            }
            return missing || empty ? (suppliedArgument(args, 0) ?? .string("")) : input
        },
    ]
}

/// The error Liquid raises when a filter cannot look a property up on an item.
func propertyError(_ property: Value) -> FilterError {
    FilterError("cannot select the property '\(property.toStringValue)'")
}

/// Liquid's `nil_safe_compare`: Ruby's `<=>`, with nil after everything and incomparable values an error.
func nilSafeCompare(_ a: Value, _ b: Value) throws -> Int {
    if let c = a.rubyCompare(b) { return c }
    if a.isNil { return 1 }
    if b.isNil { return -1 }
    throw FilterError("cannot sort values of incompatible types (\(a.typeName) and \(b.typeName))")
}

/// Liquid's `nil_safe_casecmp`: texts compared with ASCII letters case-folded, nil after everything.
func nilSafeCasecmp(_ a: Value, _ b: Value) throws -> Int {
    switch (a.isNil, b.isNil) {
    case (true, true): return 0
    case (true, false): return 1
    case (false, true): return -1
    case (false, false):
        let fold: (UInt8) -> UInt8 = { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        return compareBytes(a.toStringValue.utf8.lazy.map(fold), b.toStringValue.utf8.lazy.map(fold))
    }
}

/// `sort` and `sort_natural`: the items in order (stable among equals), by a property when one is
/// given, in which case every item must answer `[]` or the result is nil.
private func sortFilter(_ input: Value, _ property: Value, _ ctx: FilterContext,
                        compare: (Value, Value) throws -> Int) throws -> Value {
    let items = try ctx.items(of: input)
    if items.isEmpty { return .array([]) }
    let keys: [Value]
    if property.isNil {
        keys = items
    } else {
        guard items.allSatisfy(\.respondsToSubscript) else { return .nil }
        keys = try items.map { item in
            switch item.rubySubscript(property) {
            case .value(let v): return v
            case .typeError, .noMethod: throw propertyError(property)
            }
        }
    }
    let order = try keys.indices.sorted { i, j in
        let c = try compare(keys[i], keys[j])
        return c < 0 || (c == 0 && i < j)
    }
    return .array(order.map { items[$0] })
}

/// What `filterArray` does with the items that pass its test.
private enum FilterArrayMode {
    case select, reject, any, find, findIndex
}

/// Liquid's `filter_array`, shared by `where`, `reject`, `has`, `find` and `find_index`: an item
/// passes when its property is truthy (no target) or equals the target; an item that cannot answer
/// `[]` (nil, a float, a boolean) makes the whole result nil, as in Ruby.
private func filterArray(_ input: Value, _ args: FilterArguments, _ ctx: FilterContext,
                         mode: FilterArrayMode) throws -> Value {
    let items = try ctx.items(of: input)
    if items.isEmpty {
        switch mode {
        case .select, .reject: return .array([])
        case .any: return .bool(false)
        case .find, .findIndex: return .nil
        }
    }
    let property = filterArgument(args, 0)
    let target = filterArgument(args, 1)
    var kept: [Value] = []
    for (index, item) in items.enumerated() {
        // The golden suite has `["x", "y", "cat"] | reject: undefined` render nothing rather than
        // fail, so an undefined property on a string ends the filter with nil, like a nil item.
        if property.isNil, case .string = item { return .nil }
        let passes: Bool
        switch item.rubySubscript(property) {
        case .value(let v): passes = target.isNil ? v.isTruthy : v.rubyEquals(target)
        case .typeError: throw propertyError(property)
        case .noMethod: return .nil
        }
        switch mode {
        case .select: if passes { kept.append(item) }
        case .reject: if !passes { kept.append(item) }
        case .any: if passes { return .bool(true) }
        case .find: if passes { return item }
        case .findIndex: if passes { return .int(index) }
        }
    }
    switch mode {
    case .select, .reject: return .array(kept)
    case .any: return .bool(false)
    case .find, .findIndex: return .nil
    }
}

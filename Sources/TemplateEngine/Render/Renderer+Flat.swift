extension Renderer {
    /// Renders a range of flat ops (see `FlatCode`): the same steps as `render(_:)` takes for the
    /// same instructions, reading each payload in place from the code's tables.
    mutating func run(_ code: FlatCode, _ range: Range<Int>) throws(TemplateError) -> Flow {
        var index = range.lowerBound
        while index < range.upperBound {
            switch code.ops[index] {
            case .text(let t):
                out.append(code.texts[t])
                try checkOutput(at: 0)
            case .output(let o):
                let output = code.outputs[o]
                let value = try evaluate(code, output.expression)
                write(value, escape: escapeHTML && !output.safe && !holdsHTML(slot: output.htmlSlot))
                try checkOutput(at: output.at)
            case .conditional(let c):
                let conditional = code.conditionals[c]
                var taken = false
                for b in conditional.branches {
                    let branch = code.branches[b]
                    if try test(code, branch.condition) != branch.negated {
                        taken = true
                        let flow = try run(code, branch.body)
                        if case .normal = flow { break }
                        return flow
                    }
                }
                if !taken, let elseBody = conditional.elseBody {
                    let flow = try run(code, elseBody)
                    if case .normal = flow {} else { return flow }
                }
            case .forLoop(let l):
                let body = code.loops[l].body
                let elseBody = code.loops[l].elseBody
                try iterate(code.loops[l].loop) { (renderer) throws(TemplateError) -> Flow in
                    try renderer.run(code, body)
                } orElse: { (renderer) throws(TemplateError) in
                    if let elseBody { _ = try renderer.run(code, elseBody) }
                }
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            case .other(let i):
                let flow = try render(code.others[i])
                if case .normal = flow {} else { return flow }
            }
            index += 1
        }
        return .normal
    }

    /// Whether the slot (-1 for none) holds HTML made by this render; see `holdsHTML(_:)`.
    @inline(__always) func holdsHTML(slot: Int) -> Bool {
        guard slot >= 0, !frame.htmlSlots.isEmpty, slot < frame.htmlSlots.count, frame.slots[slot] != nil else { return false }
        return frame.htmlSlots[slot]
    }

    /// The value of `code.exprs[e]`, as `evaluate(_:)` gives it for the expression it was laid out from.
    mutating func evaluate(_ code: FlatCode, _ e: Int) throws(TemplateError) -> Value {
        switch code.exprs[e] {
        case .global(let key, let steps):
            return follow(global(code, key), code, steps)
        case .local(let slot, let key, let steps):
            if let value = frame.slots[slot] { return follow(value, code, steps) }
            return follow(global(code, key), code, steps)
        case .loop(let kind, let up, let property, let steps):
            return follow(try loopVariable(kind, up: up, property, []), code, steps)
        case .constant(let c):
            return code.constants[c]
        case .filtered(let base, let filters):
            var value = try evaluate(code, base)
            for f in filters {
                value = try apply(code, f, to: value)
            }
            return value
        case .general(let g):
            return try evaluate(code.generalExpressions[g])
        }
    }

    /// `apply(_:to:)` for a filter of flat code.
    mutating func apply(_ code: FlatCode, _ f: Int, to value: Value) throws(TemplateError) -> Value {
        let filter = code.filters[f]
        var positional: [Value] = []
        if !filter.arguments.isEmpty {
            positional.reserveCapacity(filter.arguments.count)
            for a in filter.arguments { positional.append(try evaluate(code, code.filterArguments[a])) }
        }
        var keywords: [(name: String, value: Value)] = []
        for k in filter.keywords {
            let keyword = code.filterKeywords[k]
            let argument = try evaluate(code, keyword.expression)
            keywords.append((code.names[keyword.name], argument))
        }
        let result: Value
        do {
            result = try code.filterFunctions[filter.function].apply(value, FilterArguments(positional: positional, keywords: keywords),
                                                                     filterContext)
        } catch let failure as FilterError {
            throw error(failure.kind, "\(code.names[filter.name]): \(failure.message)", at: filter.at)
        } catch {
            throw self.error(.render, "\(code.names[filter.name]): \(error)", at: filter.at)
        }
        try checkSize(result, at: filter.at)
        // As in `apply(_:to:)`: look at the clock after a filter over a long list.
        if case .array(let items) = value, items.count > 256 { try checkDeadline(at: filter.at) }
        return result
    }

    /// `global(_:)` for a key of flat code.
    @inline(__always) func global(_ code: FlatCode, _ k: Int) -> Value {
        let key = code.keys[k]
        if !frame.dynamicGlobals.isEmpty, let v = frame.dynamicGlobals[code.names[key.name]] { return v }
        if !frame.counters.isEmpty, let c = frame.counters[code.names[key.name]] { return .int(c) }
        return frame.globals.value(for: key, names: code.names) ?? .nil
    }

    /// `follow(_:_:)` for a path of flat code.
    @inline(__always) func follow(_ start: consuming Value, _ code: FlatCode, _ steps: Range<Int>) -> Value {
        var value = start
        for s in steps {
            let key = code.keys[s]
            if case .object(let o) = value, let v = o.value(for: key, names: code.names) {
                value = v
            } else {
                value = property(of: value, code.names[key.name], dotted: key.dotted)
            }
            if case .nil = value { return .nil }
        }
        return value
    }

    /// `test(_:)` for a condition of flat code.
    mutating func test(_ code: FlatCode, _ c: Int) throws(TemplateError) -> Bool {
        switch code.conditions[c] {
        case .test(let e):
            return try evaluate(code, e).isTruthy
        case .comparison(let a, let op, let b, let at):
            // Both sides first: a method call on `self` with a mutating call in its arguments copies all of `self`.
            let left = try evaluate(code, a)
            let right = try evaluate(code, b)
            return try compare(left, op, right, at: at)
        case .and(let a, let b):
            guard try test(code, a) else { return false }
            return try test(code, b)
        case .or(let a, let b):
            if try test(code, a) { return true }
            return try test(code, b)
        case .general(let g):
            return try test(code.generalConditions[g])
        }
    }
}

/// The items a loop walks, without materialising ranges or copying arrays.
struct LoopItems {
    enum Source {
        case array([Value])
        case range(Int)
        case pairs(ValueObject)
        case single(Value)
        case none
    }

    let source: Source
    let count: Int

    init(_ value: Value) {
        switch value {
        case .array(let a): source = .array(a); count = a.count
        case .range(let r): source = .range(r.lowerBound); count = r.count
        case .object(let o): source = .pairs(o); count = o.count
        case .string(let s): source = s.isEmpty ? .none : .single(value); count = s.isEmpty ? 0 : 1
        default: source = .none; count = 0
        }
    }

    subscript(i: Int) -> Value {
        switch source {
        case .array(let a): return a[i]
        case .range(let start): return .int(start + i)
        case .pairs(let o):
            let key = o.keys[i]
            return .array([.string(key), o[key] ?? .nil])
        case .single(let v): return v
        case .none: return .nil
        }
    }
}

extension Renderer {
    /// An integer loop argument (`limit`, `offset`, `cols`): numbers and numeric strings.
    func loopInteger(_ value: Value, _ what: String, at: Int) throws(TemplateError) -> Int? {
        switch value {
        case .nil: return nil
        case .int(let i): return i
        case .double(let d) where d.isFinite && abs(d) < 1e15: return Int(d)
        case .string(let s):
            if let i = Int(s.trimmingWhitespace) { return i }
            if let d = Double(s.trimmingWhitespace), d.isFinite, abs(d) < 1e15 { return Int(d) }
            throw error(.render, "'\(what)' must be a number, not \(value.inspect)", at: at)
        default:
            throw error(.render, "'\(what)' must be a number, not \(value.typeName)", at: at)
        }
    }

    /// The slice of the collection a loop walks: its items and the index range after offset and limit.
    mutating func loopSegment(_ loop: borrowing CompiledLoop) throws(TemplateError) -> (LoopItems, Range<Int>, from: Int) {
        let items = LoopItems(try evaluate(loop.collection))
        var from = 0
        switch loop.offset {
        case .continuation?: from = frame.forOffsets[loop.name] ?? 0
        case .expression(let e)?:
            // Evaluated first: a call of a method of `self` with a mutating call in its arguments copies `self`.
            let offset = try evaluate(e)
            from = try loopInteger(offset, "offset", at: loop.at) ?? 0
        case nil: break
        }
        let start = min(max(from, 0), items.count)
        var end = items.count
        if let limitExpression = loop.limit {
            let limitValue = try evaluate(limitExpression)
            if let limit = try loopInteger(limitValue, "limit", at: loop.at) {
                end = min(start + max(limit, 0), items.count)
            }
        }
        return (items, start..<end, from)
    }

    mutating func renderFor(_ loop: borrowing CompiledLoop) throws(TemplateError) {
        try iterate(loop) { (renderer) throws(TemplateError) -> Flow in
            try renderer.render(loop.body)
        } orElse: { (renderer) throws(TemplateError) in
            if let elseBody = loop.elseBody { _ = try renderer.render(elseBody) }
        }
    }

    /// Runs a `for` loop: `body` once per item, or `orElse` when there is none. Shared by the
    /// tree-walking and the flat renderer, which differ only in how they render a body.
    @inline(__always)
    mutating func iterate(_ loop: borrowing CompiledLoop, body: (inout Renderer) throws(TemplateError) -> Flow,
                          orElse: (inout Renderer) throws(TemplateError) -> Void) throws(TemplateError) {
        let (items, segment, from) = try loopSegment(loop)
        frame.forOffsets[loop.name] = from + segment.count
        guard !segment.isEmpty else {
            try orElse(&self)
            return
        }
        let saved = frame.slots[loop.slot]
        frame.loops.append(LoopState(kind: .forLoop, name: loop.name, length: segment.count))
        let top = frame.loops.count - 1
        defer {
            frame.loops.removeLast()
            frame.slots[loop.slot] = saved
        }
        for n in 0..<segment.count {
            try countIteration(at: loop.at)
            let i = loop.reversed ? segment.upperBound - 1 - n : segment.lowerBound + n
            frame.slots[loop.slot] = items[i]
            frame.loops[top].index0 = n
            if case .breakLoop = try body(&self) { break }
        }
    }

    mutating func renderTablerow(_ loop: CompiledLoop, cols: CompiledExpression?) throws(TemplateError) {
        let (items, segment, _) = try loopSegment(loop)
        let length = segment.count
        var columns = length
        if let cols {
            let colsValue = try evaluate(cols)
            if let c = try loopInteger(colsValue, "cols", at: loop.at) { columns = c }
        }
        out.append("<tr class=\"row1\">\n")
        let saved = frame.slots[loop.slot]
        frame.loops.append(LoopState(kind: .tablerow, name: loop.name, length: length, cols: columns))
        let top = frame.loops.count - 1
        defer {
            frame.loops.removeLast()
            frame.slots[loop.slot] = saved
        }
        for n in 0..<length {
            try countIteration(at: loop.at)
            frame.slots[loop.slot] = items[segment.lowerBound + n]
            frame.loops[top].index0 = n
            let state = frame.loops[top]
            out.append("<td class=\"col\(state.col)\">")
            let flow = try render(loop.body)
            out.append("</td>")
            if case .breakLoop = flow { break }
            if state.col == state.cols && n != length - 1 {
                out.append("</tr>\n<tr class=\"row\(state.row + 1)\">")
            }
            if state.col == state.cols {
                frame.loops[top].col = 1
                frame.loops[top].row += 1
            } else {
                frame.loops[top].col += 1
            }
        }
        out.append("</tr>\n")
        try checkOutput(at: loop.at)
    }

    /// Every `when` equal to the subject renders, in order; `else` renders when none before it did.
    mutating func renderCase(_ subject: CompiledExpression, _ clauses: [CompiledCaseClause]) throws(TemplateError) -> Flow {
        var matched = false
        for clause in clauses {
            switch clause {
            case .when(let values, let body):
                // Each matching value renders the body again, as Liquid expands `when a, b` into two clauses.
                for value in values where try compare(subject, .equal, value, at: 0) {
                    matched = true
                    let flow = try render(body)
                    if case .normal = flow {} else { return flow }
                }
            case .otherwise(let body):
                if !matched {
                    let flow = try render(body)
                    if case .normal = flow {} else { return flow }
                }
            }
        }
        return .normal
    }

    // MARK: Partials

    mutating func renderPartial(_ call: PartialRender) throws(TemplateError) {
        guard let program = call.program.program else {
            throw error(.render, "partial '\(call.program.name)' is not compiled", at: call.at)
        }
        guard partialDepth < options.limits.maxPartialDepth else {
            throw error(.limit, "'render' is nested more than \(options.limits.maxPartialDepth) deep (does '\(call.program.name)' render itself?)", at: call.at)
        }
        try checkDeadline(at: call.at)
        var globals = ValueObject()
        for (name, value) in call.arguments { globals[name] = try evaluate(value) }
        switch call.binding {
        case .none:
            try renderFrame(program, globals: globals, loop: nil)
        case .with(let value, let name):
            globals[name] = try evaluate(value)
            try renderFrame(program, globals: globals, loop: nil)
        case .forEach(let value, let name, let loopName):
            let collection = try evaluate(value)
            switch collection {
            case .array, .range:
                let items = LoopItems(collection)
                for i in 0..<items.count {
                    try countIteration(at: call.at)
                    globals[name] = items[i]
                    var loop = LoopState(kind: .forLoop, name: loopName, length: items.count, index0: i)
                    loop.isolated = true
                    try renderFrame(program, globals: globals, loop: loop)
                }
            default:
                globals[name] = collection
                try renderFrame(program, globals: globals, loop: nil)
            }
        }
    }

    /// Renders a program in a frame of its own, isolated from the caller's variables and counters.
    private mutating func renderFrame(_ program: Program, globals: ValueObject, loop: LoopState?) throws(TemplateError) {
        var inner = Frame(slots: Array(repeating: nil, count: program.slotCount), slotNames: program.slotNames,
                          globals: globals, unit: program.unit)
        if let loop { inner.loops.append(loop) }
        swap(&frame, &inner)
        partialDepth += 1
        defer {
            partialDepth -= 1
            swap(&frame, &inner)
        }
        _ = try run(program.code, program.code.root)
    }

    /// Renders an `include` in the caller's frame; its `break` and `continue` reach the caller's loop.
    mutating func renderInclude(_ include: InlineInclude) throws(TemplateError) -> Flow {
        var values: [(Int, Value)] = []
        for (slot, value) in include.arguments { values.append((slot, try evaluate(value))) }
        try checkDeadline(at: include.at)
        let outerUnit = frame.unit
        frame.unit = include.unit
        defer {
            frame.unit = outerUnit
            for (slot, _) in include.arguments { frame.slots[slot] = nil }
        }
        for (slot, value) in values { frame.slots[slot] = value }
        switch include.binding {
        case .none:
            return try render(include.body)
        case .with(let expression, let slot), .forEach(let expression, let slot):
            frame.unit = outerUnit
            let bound = try evaluate(expression)
            frame.unit = include.unit
            defer { frame.slots[slot] = nil }
            if case .array(let elements) = bound {
                for element in elements {
                    try countIteration(at: include.at)
                    frame.slots[slot] = element
                    let flow = try render(include.body)
                    if case .normal = flow {} else { return flow }
                }
                return .normal
            }
            frame.slots[slot] = bound
            return try render(include.body)
        }
    }

    mutating func renderDynamicInclude(_ include: DynamicInclude) throws(TemplateError) -> Flow {
        guard case .string(let name) = try evaluate(include.name) else {
            throw error(.render, "'include' needs a partial name as a string", at: include.at)
        }
        let compiled: (InlineInclude, slotCount: Int)
        if let cached = include.cache.withLock({ $0[name] }) {
            compiled = cached
        } else {
            var compiler = Compiler(unit: include.unit, environment: environment, continuing: include.scope,
                                    includeDepth: include.includeDepth)
            compiled = try compiler.compileDynamicInclude(include.call, name: name, at: include.at)
            include.cache.withLock { $0[name] = compiled }
        }
        if frame.slots.count < compiled.slotCount {
            frame.slots += Array(repeating: nil, count: compiled.slotCount - frame.slots.count)
        }
        return try renderInclude(compiled.0)
    }
}

extension String {
    var trimmingWhitespace: Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}

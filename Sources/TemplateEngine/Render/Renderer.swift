/// The state of one render: the output buffer, the frame of variables, loop and counter state,
/// and the budgets. A `Program` is shared and immutable; each render gets its own `Renderer`.
struct Renderer {
    /// What `break` and `continue` tell the enclosing loop.
    enum Flow {
        case normal
        case breakLoop
        case continueLoop
    }

    /// One template's variables: `render` starts a new frame, `include` shares the caller's.
    struct Frame {
        var slots: [Value?]
        /// Which slots hold HTML made by this render (a `capture`, an `escape`d value), which HTML
        /// output must not escape again.
        var htmlSlots: [Bool] = []
        var slotNames: [String]
        var globals: ValueObject
        var loops: [LoopState] = []
        var counters: [String: Int] = [:]
        var dynamicGlobals: [String: Value] = [:]
        var cycles: [String: Int] = [:]
        var forOffsets: [String: Int] = [:]
        var lastIfchanged: String?
        var unit: SourceUnit
    }

    struct LoopState {
        let kind: LoopKind
        let name: String
        let length: Int
        var index0 = 0
        /// Columns of a `tablerow`, and the current column and row.
        var cols = 0
        var col = 1
        var row = 1
        /// A `render … for` loop: its partial sees it, but loops inside do not see it as `parentloop`.
        var isolated = false
    }

    let options: RenderOptions
    /// What filters see of the options, made once per render.
    let filterContext: FilterContext
    let environment: CompileEnvironment
    let escapeHTML: Bool
    /// The output; a native String, so appending valid text is a copy and the result needs no validation.
    var out = OutputBuffer(capacity: 4096)

    var frame: Frame
    var iterations = 0
    var partialDepth = 0
    /// When the render must end, as the time since `clockOrigin`. Not a `ContinuousClock.Instant`:
    /// that type's size is known only at run time (it is resilient), and a field of it made every
    /// access to the renderer's later fields, and every entry into `run`, ask for its metadata.
    let deadline: Duration
    /// A fixed instant of the monotonic clock that deadlines count from.
    static let clockOrigin = ContinuousClock.now

    init(program: Program, environment: CompileEnvironment, data: Value, options: RenderOptions) {
        self.options = options
        self.filterContext = FilterContext(options: options)
        self.environment = environment
        self.escapeHTML = options.escaping == .html
        let globals: ValueObject
        if case .object(let o) = data { globals = o } else { globals = ValueObject() }
        frame = Frame(slots: Array(repeating: nil, count: program.slotCount), slotNames: program.slotNames,
                      globals: globals, unit: program.unit)
        deadline = Self.clockOrigin.duration(to: ContinuousClock.now) + .milliseconds(options.limits.renderDeadlineMilliseconds)
    }

    func error(_ kind: TemplateError.Kind, _ message: String, at offset: Int) -> TemplateError {
        frame.unit.error(kind, message, at: offset)
    }

    // MARK: Instructions

    mutating func render(_ instructions: borrowing [Instruction]) throws(TemplateError) -> Flow {
        for index in instructions.indices {
            let flow = try render(instructions[index])
            if case .normal = flow {} else { return flow }
        }
        return .normal
    }

    /// Renders one instruction; a `break` or `continue` reached inside it is returned.
    mutating func render(_ instruction: borrowing Instruction) throws(TemplateError) -> Flow {
        switch instruction {
        case .text(let text):
            out.append(text)
            try checkOutput(at: 0)
        case .output(let expression, let safe, let at):
            let value = try evaluate(expression)
            write(value, escape: escapeHTML && !safe && !holdsHTML(expression))
            try checkOutput(at: at)
        case .assign(let slot, let expression, let safe, let at):
            let value = try evaluate(expression)
            try checkSize(value, at: at)
            frame.slots[slot] = value
            if escapeHTML { markHTML(slot, safe || holdsHTML(expression)) }
        case .assignDynamic(let name, let expression, let at):
            let value = try evaluate(expression)
            try checkSize(value, at: at)
            frame.dynamicGlobals[name] = value
        case .capture(let slot, let name, let body, let at):
            let text = try renderToString(body, at: at)
            if let slot {
                frame.slots[slot] = .string(text)
                // Captured output was escaped as it was written: it is HTML now.
                if escapeHTML { markHTML(slot, true) }
            } else {
                frame.dynamicGlobals[name] = .string(text)
            }
        case .conditional(let branches, let elseBody):
            for b in branches.indices where try test(branches[b].condition) != branches[b].negated {
                return try render(branches[b].body)
            }
            if let elseBody {
                return try render(elseBody)
            }
        case .caseBlock(let subject, let clauses):
            return try renderCase(subject, clauses)
        case .forLoop(let loop):
            try renderFor(loop)
        case .tablerow(let loop, let cols):
            try renderTablerow(loop, cols: cols)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .cycle(let group, let key, let values, _):
            let groupKey = try group.map { (g) throws(TemplateError) in try "group:" + evaluate(g).inspect } ?? "values:" + key
            let index = frame.cycles[groupKey] ?? 0
            if index < values.count { write(try evaluate(values[index]), escape: escapeHTML) }
            frame.cycles[groupKey] = index + 1 >= values.count ? 0 : index + 1
        case .increment(let name):
            let value = frame.counters[name] ?? 0
            writeInt(value)
            frame.counters[name] = value + 1
        case .decrement(let name):
            let value = (frame.counters[name] ?? 0) - 1
            writeInt(value)
            frame.counters[name] = value
        case .ifchanged(let body):
            let saved = out
            out = OutputBuffer()
            let flow = try render(body)
            let rendered = out
            out = saved
            if rendered.string != frame.lastIfchanged {
                frame.lastIfchanged = rendered.string
                out.append(rendered)
            }
            return flow
        case .render(let call):
            try renderPartial(call)
        case .inlineInclude(let include):
            return try renderInclude(include)
        case .dynamicInclude(let include):
            return try renderDynamicInclude(include)
        }
        return .normal
    }

    /// Whether the expression is a plain read of a slot that holds HTML.
    @inline(__always) func holdsHTML(_ expression: CompiledExpression) -> Bool {
        guard !frame.htmlSlots.isEmpty, case .local(let slot, _, let lookups) = expression, lookups.isEmpty,
              slot < frame.htmlSlots.count, frame.slots[slot] != nil
        else { return false }
        return frame.htmlSlots[slot]
    }

    mutating func markHTML(_ slot: Int, _ isHTML: Bool) {
        if frame.htmlSlots.count < frame.slots.count {
            guard isHTML else { return }
            frame.htmlSlots += Array(repeating: false, count: frame.slots.count - frame.htmlSlots.count)
        }
        frame.htmlSlots[slot] = isHTML
    }

    /// Renders instructions into a string of their own, for `capture`.
    mutating func renderToString(_ body: [Instruction], at: Int) throws(TemplateError) -> String {
        let saved = out
        out = OutputBuffer()
        defer { out = saved }
        _ = try render(body)
        if out.count > options.limits.maxStringBytes {
            throw error(.limit, "captured text is larger than \(options.limits.maxStringBytes) bytes", at: at)
        }
        return out.string
    }

    @inline(__always) func checkOutput(at offset: Int) throws(TemplateError) {
        if out.count > options.limits.maxOutputBytes {
            throw error(.limit, "the output is larger than \(options.limits.maxOutputBytes) bytes", at: offset)
        }
    }

    /// Bounds what filters and assignments build: strings by bytes, lists by items (as loops are).
    func checkSize(_ value: borrowing Value, at offset: Int) throws(TemplateError) {
        switch value {
        case .string(let s) where s.utf8.count > options.limits.maxStringBytes:
            throw error(.limit, "a string is larger than \(options.limits.maxStringBytes) bytes", at: offset)
        case .array(let a) where a.count > options.limits.maxLoopIterations:
            throw error(.limit, "a list has more than \(options.limits.maxLoopIterations) items", at: offset)
        default:
            return
        }
    }

    /// Counts one loop iteration against the budget, and looks at the clock every 64.
    @inline(__always) mutating func countIteration(at offset: Int) throws(TemplateError) {
        iterations += 1
        if iterations > options.limits.maxLoopIterations {
            throw error(.limit, "loops ran more than \(options.limits.maxLoopIterations) iterations", at: offset)
        }
        if iterations & 63 == 0 { try checkDeadline(at: offset) }
    }

    /// Not inlined: reading the clock needs room for a `ContinuousClock.Instant`, whose size is known
    /// only at run time, and every function this was inlined into made that room on each call.
    @inline(never)
    func checkDeadline(at offset: Int) throws(TemplateError) {
        if Self.clockOrigin.duration(to: ContinuousClock.now) > deadline {
            throw error(.limit, "rendering took longer than \(options.limits.renderDeadlineMilliseconds) ms", at: offset)
        }
    }

    // MARK: Writing values

    mutating func write(_ value: borrowing Value, escape: Bool) {
        switch value {
        case .nil: return
        case .string(let s): writeString(s, escape: escape)
        case .int(let i): writeInt(i)
        case .array(let elements):
            for element in elements { write(element, escape: escape) }
        default: writeString((copy value).liquidString, escape: escape)
        }
    }

    @inline(__always) mutating func writeInt(_ i: Int) {
        // Small numbers (counts, indexes, quantities) are most of what templates write: their text
        // is made once, as formatting a number costs more than appending it.
        if i >= 0 && i < Self.smallIntegers.count {
            out.append(Self.smallIntegers[i])
        } else {
            out.append(String(i))
        }
    }

    static let smallIntegers: [String] = (0..<256).map { String($0) }

    @inline(__always) mutating func writeString(_ s: borrowing String, escape: Bool) {
        if escape {
            out.appendEscapingHTML(s)
        } else {
            out.append(s)
        }
    }
}

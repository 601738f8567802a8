import Synchronization

/// A compiled template body: instructions with static text pre-encoded as UTF-8, variables
/// resolved to slots or global names, and filters bound to their definitions. Immutable.
struct Program: Sendable {
    /// The instructions, laid out for rendering.
    let code: FlatCode
    /// How many local slots (assigned variables, loop variables, partial arguments) a frame needs.
    let slotCount: Int
    /// The names of the slots, for dynamic lookups (`[name]`) and diagnostics.
    let slotNames: [String]
    let unit: SourceUnit

    init(instructions: [Instruction], slotCount: Int, slotNames: [String], unit: SourceUnit) {
        self.code = FlatCode(instructions)
        self.slotCount = slotCount
        self.slotNames = slotNames
        self.unit = unit
    }
}

/// The template a piece of compiled code came from, so render errors can point into it.
struct SourceUnit: Sendable {
    let name: String
    let source: String

    func error(_ kind: TemplateError.Kind, _ message: String, at offset: Int) -> TemplateError {
        TemplateError(kind, message, name: name, source: source, offset: offset)
    }
}

indirect enum Instruction: Sendable {
    /// Static text, kept as a native (UTF-8) String so that writing it is one copy.
    case text(String)
    /// Writes a value; `safe` when the last filter already produced HTML (`escape`, `raw`…).
    case output(CompiledExpression, safe: Bool, at: Int)
    /// `safe`: the value is already HTML (its last filter is `escape`, `raw`…), so writing the
    /// variable later does not escape it again.
    case assign(slot: Int, CompiledExpression, safe: Bool, at: Int)
    /// Assigns a name that only exists at render time (from an `include` chosen at render time).
    case assignDynamic(name: String, CompiledExpression, at: Int)
    case capture(slot: Int?, name: String, [Instruction], at: Int)
    case conditional([CompiledBranch], elseBody: [Instruction]?)
    case caseBlock(CompiledExpression, [CompiledCaseClause])
    case forLoop(CompiledLoop)
    case tablerow(CompiledLoop, cols: CompiledExpression?)
    case breakLoop
    case continueLoop
    case cycle(group: CompiledExpression?, key: String, values: [CompiledExpression], at: Int)
    case increment(String)
    case decrement(String)
    case ifchanged([Instruction])
    /// `render`: a partial in its own frame, with only the given arguments visible.
    case render(PartialRender)
    /// An `include` whose partial was compiled into this frame, sharing its variables.
    case inlineInclude(InlineInclude)
    /// An `include` whose name is computed at render time.
    case dynamicInclude(DynamicInclude)
}

struct CompiledBranch: Sendable {
    let condition: CompiledCondition
    let body: [Instruction]
    let negated: Bool
}

enum CompiledCaseClause: Sendable {
    case when([CompiledExpression], [Instruction])
    case otherwise([Instruction])
}

struct CompiledLoop: Sendable {
    enum Offset: Sendable {
        case expression(CompiledExpression)
        case continuation
    }

    let slot: Int
    let collection: CompiledExpression
    let name: String
    let limit: CompiledExpression?
    let offset: Offset?
    let reversed: Bool
    let body: [Instruction]
    let elseBody: [Instruction]?
    let at: Int
}

struct PartialRender: Sendable {
    enum Binding: Sendable {
        case none
        case with(CompiledExpression, name: String)
        /// Renders the partial once per element, with a `forloop` of its own.
        case forEach(CompiledExpression, name: String, loopName: String)
    }

    let program: PartialProgram
    let binding: Binding
    /// The partial sees only these values (and the binding), as its global variables.
    let arguments: [(name: String, value: CompiledExpression)]
    let at: Int
}

/// A partial's compiled program, filled in after compilation so that a partial may render itself.
final class PartialProgram: Sendable {
    let name: String
    private let cell = Mutex<Program?>(nil)

    init(name: String) {
        self.name = name
    }

    var program: Program? { cell.withLock { $0 } }

    func set(_ program: Program) { cell.withLock { $0 = program } }
}

struct InlineInclude: Sendable {
    enum Binding: Sendable {
        case none
        /// Binds the value to the slot; an array binds each element in turn, as Liquid's `include` does.
        case with(CompiledExpression, slot: Int)
        case forEach(CompiledExpression, slot: Int)
    }

    let binding: Binding
    let arguments: [(slot: Int, value: CompiledExpression)]
    let body: [Instruction]
    let unit: SourceUnit
    let at: Int
}

/// An `include` whose partial's name comes from a variable: compiled when first met at render
/// time, against the variables visible where the tag stands.
final class DynamicInclude: Sendable {
    let name: CompiledExpression
    let call: PartialCall
    let scope: ScopeSnapshot
    let unit: SourceUnit
    let includeDepth: Int
    let at: Int
    /// Compiled partials by name, with the number of slots the frame needs for them.
    let cache = Mutex<[String: (InlineInclude, slotCount: Int)]>([:])

    init(name: CompiledExpression, call: PartialCall, scope: ScopeSnapshot, unit: SourceUnit, includeDepth: Int, at: Int) {
        self.name = name
        self.call = call
        self.scope = scope
        self.unit = unit
        self.includeDepth = includeDepth
        self.at = at
    }
}

/// The names visible at a point of a template and their slots, and the enclosing loops.
struct ScopeSnapshot: Sendable {
    let assigned: [String: Int]
    let scopes: [[String: Int]]
    let loopKinds: [LoopKind]
    let slotCount: Int
}

enum LoopKind: Sendable {
    case forLoop
    case tablerow
}

enum CompiledCondition: Sendable {
    case test(CompiledExpression)
    case comparison(CompiledExpression, ComparisonOperator, CompiledExpression, at: Int)
    indirect case and(CompiledCondition, CompiledCondition)
    indirect case or(CompiledCondition, CompiledCondition)
}


enum CompiledExpression: Sendable {
    case constant(Value)
    case empty
    case blank
    /// A variable from the render data (or a counter, or a dynamically assigned name).
    case global(LookupKey, [CompiledLookup])
    /// A local slot; when it holds nothing yet, the global of the same name.
    case local(Int, String, [CompiledLookup])
    /// `forloop` (`up` loops out, through `parentloop`) or `tablerowloop`: one of its properties (nil
    /// for the whole object), then a path into that.
    case loopVariable(LoopKind, up: Int, LoopProperty?, [CompiledLookup])
    /// `[expr]` at the start of a path: the variable named by the value.
    indirect case dynamicRoot(CompiledExpression, [CompiledLookup])
    indirect case range(CompiledExpression, CompiledExpression, at: Int)
    indirect case filtered(CompiledExpression, [CompiledFilter])
}

/// The properties of `forloop` and `tablerowloop`.
enum LoopProperty: String, Sendable {
    case index, index0, rindex, rindex0, first, last, length, name, col, col0, col_first, col_last, row
}

enum CompiledLookup: Sendable {
    case key(LookupKey, dotted: Bool)
    case index(CompiledExpression)
}

struct CompiledFilter: Sendable {
    let definition: FilterDefinition
    let arguments: [CompiledExpression]
    let keywords: [(name: String, value: CompiledExpression)]
    let at: Int
}

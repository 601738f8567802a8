/// A compiled body laid out for rendering: one array of small trivial `Op`s, with the payloads of
/// the ops in tables beside it, and every nested body a range of the same array.
///
/// Why: visiting an `Instruction` (an indirect enum) copies its payload out of its box, which costs a
/// retain and a release of the box and of the strings and arrays inside on every visit. An `Op`
/// holds only integers, so visiting one retains nothing; the renderer reads the payload it needs in
/// place from the tables, which are immutable `let`s of a class. Only the instructions that most
/// templates render on every call (text, output, `if`/`unless`, `for`, `break`, `continue`) are
/// laid out flat; every other instruction is kept whole in `others` and rendered as before.
final class FlatCode: Sendable {
    enum Op: Sendable {
        /// `texts[i]`.
        case text(Int)
        /// `outputs[i]`.
        case output(Int)
        /// `conditionals[i]`.
        case conditional(Int)
        /// `loops[i]`.
        case forLoop(Int)
        case breakLoop
        case continueLoop
        /// `others[i]`, rendered by the tree-walking renderer.
        case other(Int)
    }

    /// `{{ }}`: `exprs[expression]`; `htmlSlot` is the slot when the expression is a plain read of a
    /// local (which may hold HTML made by this render), else -1.
    struct Output: Sendable {
        let expression: Int
        let safe: Bool
        let htmlSlot: Int
        let at: Int
    }

    struct Branch: Sendable {
        /// `conditions[condition]`.
        let condition: Int
        let negated: Bool
        let body: Range<Int>
    }

    struct Conditional: Sendable {
        /// A range of `branches`.
        let branches: Range<Int>
        let elseBody: Range<Int>?
    }

    struct Loop: Sendable {
        /// The loop as compiled; its `body` and `elseBody` are also laid out below.
        let loop: CompiledLoop
        let body: Range<Int>
        let elseBody: Range<Int>?
    }

    /// A property name as `LookupKey` prepares it, without the name itself (`names[name]`), which
    /// only keys longer than sixteen bytes and the rarer paths need.
    struct Key: Sendable {
        let count: Int
        let head: UInt64
        let tail: UInt64
        let name: Int
        let dotted: Bool
    }

    /// The expressions most templates are made of, with their paths as ranges of `keys`; any other
    /// expression is kept whole in `generalExpressions`.
    enum Expression: Sendable {
        /// A variable from the render data, then `obj.key` steps.
        case global(key: Int, steps: Range<Int>)
        /// A local slot (when it holds nothing yet, the global named `keys[key]`), then steps.
        case local(slot: Int, key: Int, steps: Range<Int>)
        /// A property of `forloop` or `tablerowloop`, then steps.
        case loop(LoopKind, up: Int, LoopProperty, steps: Range<Int>)
        /// `constants[i]`.
        case constant(Int)
        /// `exprs[base]` through a range of `filters`.
        case filtered(base: Int, filters: Range<Int>)
        /// `generalExpressions[i]`.
        case general(Int)
    }

    /// A filter call: `filterFunctions[function]` (named `names[name]`) with the values of
    /// `filterArguments[arguments]` and of `filterKeywords[keywords]`.
    struct Filter: Sendable {
        let function: Int
        let name: Int
        let arguments: Range<Int>
        let keywords: Range<Int>
        let at: Int
    }

    struct FilterFunction: Sendable {
        let apply: FilterDefinition.Apply
    }

    /// `name: value` in a filter call: `names[name]` and `exprs[expression]`.
    struct KeywordArgument: Sendable {
        let name: Int
        let expression: Int
    }

    enum Condition: Sendable {
        /// `exprs[i]` is truthy.
        case test(Int)
        case comparison(Int, ComparisonOperator, Int, at: Int)
        /// `conditions[a] and conditions[b]`.
        case and(Int, Int)
        case or(Int, Int)
        /// `generalConditions[i]`, which compare with `empty` or `blank`.
        case general(Int)
    }

    let ops: [Op]
    /// The ops of the whole body the code was made from.
    let root: Range<Int>
    let texts: [String]
    let outputs: [Output]
    let conditionals: [Conditional]
    let branches: [Branch]
    let loops: [Loop]
    let others: [Instruction]
    let exprs: [Expression]
    let keys: [Key]
    let names: [String]
    let constants: [Value]
    let filters: [Filter]
    /// Each in a struct: an array of bare closures would keep them in the most general
    /// representation, and every call and every store would go through a conversion thunk.
    let filterFunctions: [FilterFunction]
    /// Indexes of `exprs`.
    let filterArguments: [Int]
    let filterKeywords: [KeywordArgument]
    let generalExpressions: [CompiledExpression]
    let conditions: [Condition]
    let generalConditions: [CompiledCondition]

    init(_ instructions: [Instruction]) {
        var builder = Builder(capacity: 2 * instructions.count)
        root = builder.lay(instructions)
        ops = builder.ops
        texts = builder.texts
        outputs = builder.outputs
        conditionals = builder.conditionals
        branches = builder.branches
        loops = builder.loops
        others = builder.others
        exprs = builder.exprs
        keys = builder.keys
        names = builder.names
        constants = builder.constants
        filters = builder.filters
        filterFunctions = builder.filterFunctions
        filterArguments = builder.filterArguments
        filterKeywords = builder.filterKeywords
        generalExpressions = builder.generalExpressions
        conditions = builder.conditions
        generalConditions = builder.generalConditions
    }

    private struct Builder {
        var ops: [Op] = []
        var texts: [String] = []
        var outputs: [Output] = []
        var conditionals: [Conditional] = []
        var branches: [Branch] = []
        var loops: [Loop] = []
        var others: [Instruction] = []
        var exprs: [Expression] = []
        var keys: [Key] = []
        var names: [String] = []
        var constants: [Value] = []
        var filters: [Filter] = []
        var filterFunctions: [FilterFunction] = []
        var filterArguments: [Int] = []
        var filterKeywords: [KeywordArgument] = []
        var generalExpressions: [CompiledExpression] = []
        var conditions: [Condition] = []
        var generalConditions: [CompiledCondition] = []

        /// Room for about `capacity` ops and as many expressions, so that the tables rarely grow.
        init(capacity: Int) {
            let n = max(capacity, 16)
            ops.reserveCapacity(n)
            texts.reserveCapacity(n / 2)
            outputs.reserveCapacity(n / 2)
            exprs.reserveCapacity(n)
            keys.reserveCapacity(n)
            names.reserveCapacity(n)
        }

        mutating func key(_ key: LookupKey, dotted: Bool) -> Key {
            names.append(key.name)
            return Key(count: key.count, head: key.head, tail: key.tail, name: names.count - 1, dotted: dotted)
        }

        /// The steps of a path of `.key` lookups, or nil when it has an `[index]`.
        mutating func steps(_ lookups: [CompiledLookup]) -> Range<Int>? {
            let start = keys.count
            for lookup in lookups {
                guard case .key(let k, let dotted) = lookup else {
                    keys.removeSubrange(start...)
                    return nil
                }
                keys.append(key(k, dotted: dotted))
            }
            return start..<keys.count
        }

        mutating func add(_ expression: Expression) -> Int {
            exprs.append(expression)
            return exprs.count - 1
        }

        mutating func general(_ expression: CompiledExpression) -> Int {
            generalExpressions.append(expression)
            return add(.general(generalExpressions.count - 1))
        }

        /// Lays out an expression and returns its index in `exprs`.
        mutating func lay(_ expression: CompiledExpression) -> Int {
            switch expression {
            case .global(let k, let lookups):
                let root = key(k, dotted: false)
                guard let steps = steps(lookups) else { return general(expression) }
                keys.append(root)
                return add(.global(key: keys.count - 1, steps: steps))
            case .local(let slot, let name, let lookups):
                let root = key(LookupKey(name), dotted: false)
                guard let steps = steps(lookups) else { return general(expression) }
                keys.append(root)
                return add(.local(slot: slot, key: keys.count - 1, steps: steps))
            case .loopVariable(let kind, let up, let property?, let lookups):
                guard let steps = steps(lookups) else { return general(expression) }
                return add(.loop(kind, up: up, property, steps: steps))
            case .constant(let value):
                constants.append(value)
                return add(.constant(constants.count - 1))
            case .filtered(let base, let compiled):
                let laidBase = lay(base)
                var laid: [Filter] = []
                for filter in compiled {
                    var arguments: [Int] = []
                    for argument in filter.arguments { arguments.append(lay(argument)) }
                    var keywords: [KeywordArgument] = []
                    for (name, value) in filter.keywords {
                        names.append(name)
                        keywords.append(KeywordArgument(name: names.count - 1, expression: lay(value)))
                    }
                    filterFunctions.append(FilterFunction(apply: filter.definition.apply))
                    names.append(filter.definition.name)
                    filterArguments += arguments
                    filterKeywords += keywords
                    laid.append(Filter(function: filterFunctions.count - 1, name: names.count - 1,
                                       arguments: filterArguments.count - arguments.count..<filterArguments.count,
                                       keywords: filterKeywords.count - keywords.count..<filterKeywords.count, at: filter.at))
                }
                filters += laid
                return add(.filtered(base: laidBase, filters: filters.count - laid.count..<filters.count))
            default:
                return general(expression)
            }
        }

        /// Lays out a condition and returns its index in `conditions`.
        mutating func lay(_ condition: CompiledCondition) -> Int {
            let laid: Condition
            switch condition {
            case .test(let e) where !isEmptyOrBlank(e):
                laid = .test(lay(e))
            case .comparison(let a, let op, let b, let at) where !isEmptyOrBlank(a) && !isEmptyOrBlank(b):
                laid = .comparison(lay(a), op, lay(b), at: at)
            case .and(let a, let b):
                laid = .and(lay(a), lay(b))
            case .or(let a, let b):
                laid = .or(lay(a), lay(b))
            default:
                generalConditions.append(condition)
                laid = .general(generalConditions.count - 1)
            }
            conditions.append(laid)
            return conditions.count - 1
        }

        func isEmptyOrBlank(_ expression: CompiledExpression) -> Bool {
            switch expression {
            case .empty, .blank: return true
            default: return false
            }
        }

        /// A block whose bodies are laid out after the body it stands in.
        enum Pending {
            case conditional([CompiledBranch], elseBody: [Instruction]?)
            case loop(CompiledLoop)
        }

        /// Lays out a body, then its nested bodies after it, and returns the range of its own ops.
        mutating func lay(_ instructions: [Instruction]) -> Range<Int> {
            // The body's ops come first and contiguous; a block's op is patched once its bodies are laid out.
            let start = ops.count
            var pending: [(op: Int, block: Pending)] = []
            for instruction in instructions {
                switch instruction {
                case .text(let text):
                    ops.append(.text(texts.count))
                    texts.append(text)
                case .output(let expression, let safe, let at):
                    var htmlSlot = -1
                    if case .local(let slot, _, let lookups) = expression, lookups.isEmpty { htmlSlot = slot }
                    ops.append(.output(outputs.count))
                    outputs.append(Output(expression: lay(expression), safe: safe, htmlSlot: htmlSlot, at: at))
                case .breakLoop:
                    ops.append(.breakLoop)
                case .continueLoop:
                    ops.append(.continueLoop)
                case .conditional(let branches, let elseBody):
                    pending.append((ops.count, .conditional(branches, elseBody: elseBody)))
                    ops.append(.conditional(-1))
                case .forLoop(let loop):
                    pending.append((ops.count, .loop(loop)))
                    ops.append(.forLoop(-1))
                default:
                    ops.append(.other(others.count))
                    others.append(instruction)
                }
            }
            let range = start..<ops.count
            for (index, block) in pending {
                switch block {
                case .conditional(let branches, let elseBody):
                    var laid: [Branch] = []
                    for branch in branches {
                        laid.append(Branch(condition: lay(branch.condition), negated: branch.negated, body: lay(branch.body)))
                    }
                    let elseRange = elseBody.map { lay($0) }
                    ops[index] = .conditional(conditionals.count)
                    self.branches += laid
                    conditionals.append(Conditional(branches: self.branches.count - laid.count..<self.branches.count, elseBody: elseRange))
                case .loop(let loop):
                    let body = lay(loop.body)
                    let elseBody = loop.elseBody.map { lay($0) }
                    ops[index] = .forLoop(loops.count)
                    loops.append(Loop(loop: loop, body: body, elseBody: elseBody))
                }
            }
            return range
        }
    }
}

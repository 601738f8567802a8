/// The parsed template, before compilation: every node and expression knows its byte offset in the
/// source, so the checker and compiler can point at it.
struct Document: Sendable {
    let name: String
    let nodes: [Node]
}

struct Node: Sendable {
    let kind: NodeKind
    /// Byte offset of the token the node came from.
    let offset: Int

    init(_ kind: NodeKind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }
}

indirect enum NodeKind: Sendable {
    case text(String)
    case output(FilteredExpression)
    case echo(FilteredExpression)
    case assign(name: String, value: FilteredExpression)
    case capture(name: String, body: [Node])
    /// `if`/`elsif`/`else` and `unless`: the first branch whose condition holds renders.
    case conditional(branches: [ConditionalBranch], elseBody: [Node]?)
    case caseBlock(subject: ExprNode, clauses: [CaseClause])
    case forLoop(ForLoop)
    case tablerow(ForLoop, cols: ExprNode?)
    case breakLoop
    case continueLoop
    case cycle(group: ExprNode?, values: [ExprNode])
    case increment(String)
    case decrement(String)
    case ifchanged(body: [Node])
    case render(PartialCall)
    case include(PartialCall)
    /// `{% layout 'name' %}`: this template fills the named layout's blocks.
    case layout(ExprNode)
    /// `{% block name %}…{% endblock %}`: a region a layout defines and a template using it may replace.
    case block(name: String, body: [Node])
}

struct ConditionalBranch: Sendable {
    let condition: Condition
    let body: [Node]
    /// `unless` holds when its condition does not.
    let negated: Bool
}

/// A `when` (any of its values equal to the subject) or an `else` of a `case`.
enum CaseClause: Sendable {
    case when(values: [ExprNode], body: [Node])
    case otherwise(body: [Node])
}

struct ForLoop: Sendable {
    enum Offset {
        case expression(ExprNode)
        /// `offset: continue`: start where the last loop over the same collection stopped.
        case continuation
    }

    let variable: String
    let collection: ExprNode
    /// `forloop.name`: the variable and the collection's markup, as `item-order.items`.
    let name: String
    let limit: ExprNode?
    let offset: Offset?
    let reversed: Bool
    let body: [Node]
    let elseBody: [Node]?
}

/// `{% render 'name', key: value %}`, `… with x as y`, `… for items as item`; `include` likewise.
struct PartialCall: Sendable {
    enum Binding {
        case none
        case with(ExprNode, alias: String?)
        case forEach(ExprNode, alias: String?)
    }

    /// A string literal for `render`; any expression for `include`.
    let name: ExprNode
    let binding: Binding
    let arguments: [(name: String, value: ExprNode)]
}

enum Condition: Sendable {
    case test(ExprNode)
    case comparison(ExprNode, ComparisonOperator, ExprNode)
    indirect case and(Condition, Condition)
    indirect case or(Condition, Condition)
}

enum ComparisonOperator: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case greater = ">"
    case lessOrEqual = "<="
    case greaterOrEqual = ">="
    case contains
}

struct FilteredExpression: Sendable {
    let base: ExprNode
    let filters: [FilterCall]
}

struct FilterCall: Sendable {
    let name: String
    let offset: Int
    let arguments: [ExprNode]
    let keywords: [(name: String, value: ExprNode)]
}

struct ExprNode: Sendable {
    let expr: Expr
    let offset: Int
}

enum Expr: Sendable {
    case literal(Value)
    /// The special literals `empty` and `blank`, which compare by emptiness, not equality.
    case empty
    case blank
    case variable(root: VariableRoot, lookups: [Lookup])
    indirect case range(ExprNode, ExprNode)
}

enum VariableRoot: Sendable {
    case name(String)
    /// `[expr]` at the start of a path: the variable named by the expression's value.
    indirect case dynamic(ExprNode)
}

enum Lookup: Sendable {
    /// `.name` (dotted: `size`, `first` and `last` also work on arrays) or `['name']`.
    case key(String, offset: Int, dotted: Bool)
    /// `[expr]` with an expression that is not a string literal.
    indirect case index(ExprNode)
}

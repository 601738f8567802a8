extension Compiler {
    /// A short source-like rendering of an expression, for `forloop.name` and `cycle` groups.
    func describe(_ node: ExprNode) -> String {
        switch node.expr {
        case .literal(let v): return v.inspect
        case .empty: return "empty"
        case .blank: return "blank"
        case .range(let a, let b): return "(\(describe(a))..\(describe(b)))"
        case .variable(let root, let lookups):
            var text: String
            switch root {
            case .name(let n): text = n
            case .dynamic(let e): text = "[\(describe(e))]"
            }
            for lookup in lookups {
                switch lookup {
                case .key(let k, _, true): text += "." + k
                case .key(let k, _, false): text += "[\(Value.string(k).inspect)]"
                case .index(let e): text += "[\(describe(e))]"
                }
            }
            return text
        }
    }
}

func describeArity(_ arity: ClosedRange<Int>) -> String {
    func args(_ n: Int) -> String { n == 1 ? "1 argument" : "\(n) arguments" }
    if arity.lowerBound == arity.upperBound { return args(arity.lowerBound) }
    if arity.upperBound == Int.max { return "at least " + args(arity.lowerBound) }
    return "\(arity.lowerBound) to \(arity.upperBound) arguments"
}

/// ` (did you mean 'x'?)` when a known name is close to `name`, else nothing.
public func suggestion(for name: String, among candidates: [String]) -> String {
    var best: (String, Int)?
    for candidate in candidates {
        let d = editDistance(name, candidate)
        if d <= max(1, name.count / 3), d < (best?.1 ?? Int.max) { best = (candidate, d) }
    }
    return best.map { " (did you mean '\($0.0)'?)" } ?? ""
}

/// The edit distance between two strings by characters, counting a swap of neighbours as one edit
/// (optimal string alignment), so that `monye` is one edit from `money`.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}

// Placeholder until the standard filters land: only the filters the engine's own tests need.
enum StandardFilters {
    static let all: [FilterDefinition] = [
        FilterDefinition("upcase") { v, _, _ in .string(v.liquidString.uppercased()) },
        FilterDefinition("join", arity: 0...1) { v, a, ctx in
            let sep = a[0]?.liquidString ?? " "
            return .string(try ctx.elements(of: v).map(\.liquidString).joined(separator: sep))
        },
    ]
}

import Foundation

/// What a filter may read and must respect while it runs: locale, time zone and the size bounds.
struct FilterContext {
    let options: RenderOptions

    /// Throws when a string a filter is about to build would pass the string-size bound.
    func checkLength(_ byteCount: Int) throws {
        if byteCount > options.limits.maxStringBytes {
            throw FilterError(
                "a string would grow past \(options.limits.maxStringBytes) bytes", kind: .limit)
        }
    }

    /// The elements of an array or a range, refusing ranges too large to hold.
    func elements(of value: Value) throws -> [Value] {
        if case .range(let r) = value, r.count > options.limits.maxLoopIterations {
            throw FilterError("a range of \(r.count) items is too large", kind: .limit)
        }
        return value.elements
    }
}

/// The arguments of one filter call, already evaluated.
struct FilterArguments {
    var positional: [Value]
    var keywords: [(name: String, value: Value)]

    /// The `i`th positional argument, or nil (not `Value.nil`) when the call has fewer.
    subscript(_ i: Int) -> Value? { i < positional.count ? positional[i] : Optional<Value>.none }

    func keyword(_ name: String) -> Value? { keywords.last { $0.name == name }?.value }
}

/// One filter: its name, how many arguments it takes, and what it does.
struct FilterDefinition: Sendable {
    typealias Apply = @Sendable (Value, FilterArguments, FilterContext) throws -> Value

    let name: String
    /// How many positional arguments the filter accepts.
    let arity: ClosedRange<Int>
    /// The keyword arguments it accepts (`allow_false` for `default`).
    let keywords: Set<String>
    let apply: Apply

    init(_ name: String, arity: ClosedRange<Int> = 0...0, keywords: Set<String> = [], _ apply: @escaping Apply) {
        self.name = name
        self.arity = arity
        self.keywords = keywords
        self.apply = apply
    }
}

/// The filters a compiler knows, by name.
public struct FilterRegistry: Sendable {
    var definitions: [String: FilterDefinition]

    init(_ list: [FilterDefinition]) {
        definitions = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { _, b in b })
    }

    subscript(name: String) -> FilterDefinition? { definitions[name] }

    /// Every filter name, sorted, for diagnostics and documentation.
    public var names: [String] { definitions.keys.sorted() }

    /// The standard Liquid filters and ours (`money`, `plural`, `phone`, `raw`).
    public static let standard = FilterRegistry(StandardFilters.all + ExtensionFilters.all)
}

extension FilterRegistry {
    /// Filters whose result is already HTML, so auto-escaping leaves it alone.
    static let htmlSafeFilters: Set<String> = ["escape", "escape_once", "h", "raw", "newline_to_br"]
}

import Foundation

/// The standard Liquid filters, following Shopify Liquid 5 (Ruby) as the golden-liquid suite pins it.
///
/// Each group lives in its own file: strings, arrays, math, dates and encodings.
enum StandardFilters {
    static let all: [FilterDefinition] = stringFilters + arrayFilters + mathFilters + dateFilters + encodingFilters
}

extension FilterContext {
    /// Liquid's `InputIterator`: an array flattened, an object as a one-element list, a range's
    /// integers (bounded), nil as nothing, and any other value as a list of itself.
    func items(of value: Value) throws -> [Value] {
        switch value {
        case .nil: return []
        case .array(let a):
            guard a.contains(where: { if case .array = $0 { return true } else { return false } }) else { return a }
            var flat: [Value] = []
            flat.reserveCapacity(a.count)
            flatten(a, into: &flat)
            return flat
        case .range: return try elements(of: value)
        default: return [value]
        }
    }

    /// Ruby's `Array#flatten`: nested arrays spliced in place, other elements (ranges too) kept.
    private func flatten(_ array: [Value], into out: inout [Value]) {
        for element in array {
            if case .array(let inner) = element { flatten(inner, into: &out) } else { out.append(element) }
        }
    }
}

/// The positional argument at `index`, or `.nil` when it is missing (Liquid treats both alike).
@inline(__always) func filterArgument(_ args: FilterArguments, _ index: Int) -> Value {
    index < args.positional.count ? args.positional[index] : .nil
}

/// The positional argument at `index` if the template gave one (even an undefined one), else nil,
/// for filters whose defaults apply only to missing arguments (`FilterArguments`' own subscript
/// cannot tell: `Value` is nil-literal-convertible, so it answers `.some(.nil)` for a missing one).
@inline(__always) func suppliedArgument(_ args: FilterArguments, _ index: Int) -> Value? {
    index < args.positional.count ? .some(args.positional[index]) : .none
}

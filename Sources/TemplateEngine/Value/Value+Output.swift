extension Value {
    /// The text Liquid writes for this value: nil is empty, arrays are their elements run together.
    public var liquidString: String {
        switch self {
        case .nil: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return formatFloat(d)
        case .string(let s): return s
        case .array(let a):
            var out = ""
            for element in a { out += element.liquidString }
            return out
        case .object: return inspect
        case .range(let r): return "\(r.lowerBound)..\(r.upperBound)"
        }
    }

    /// Ruby's `inspect`, which Liquid uses for objects and for values inside them.
    var inspect: String {
        switch self {
        case .nil: return "nil"
        case .string(let s): return quoteRuby(s)
        case .array(let a): return "[" + a.map(\.inspect).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.pairs.map { key, value in quoteRuby(key) + " => " + value.inspect }.joined(separator: ", ") + "}"
        default: return liquidString
        }
    }
}

private func quoteRuby(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Formats a float as Ruby's `Float#to_s` does (`5.0`, `0.1`, `1.0e+20`), which Liquid output follows.
func formatFloat(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
    let magnitude = abs(d)
    if d == d.rounded(), magnitude < 1e16 {
        return String(Int64(d)) + ".0"
    }
    var text = d.description
    if magnitude >= 1e-4 && magnitude < 1e16 {
        return text
    }
    // Scientific notation: Ruby always has a fractional part in the mantissa and a signed exponent.
    if let e = text.firstIndex(of: "e") {
        var mantissa = String(text[..<e])
        var exponent = String(text[text.index(after: e)...])
        if !mantissa.contains(".") { mantissa += ".0" }
        if !exponent.hasPrefix("-") && !exponent.hasPrefix("+") { exponent = "+" + exponent }
        let sign = exponent.removeFirst()
        if exponent.count < 2 { exponent = "0" + exponent }
        text = mantissa + "e" + String(sign) + exponent
    }
    return text
}

import Foundation

extension StandardFilters {
    /// Arithmetic filters: integers stay exact integers (overflow is an error), and any float operand
    /// makes the operation decimal, as Liquid's `BigDecimal` arithmetic does, with a float result.
    static let mathFilters: [FilterDefinition] = [
        FilterDefinition("plus", arity: 1...1) { input, args, _ in
            try liquidArithmetic(try input.toNumber(), try filterArgument(args, 0).toNumber(), .add)
        },
        FilterDefinition("minus", arity: 1...1) { input, args, _ in
            try liquidArithmetic(try input.toNumber(), try filterArgument(args, 0).toNumber(), .subtract)
        },
        FilterDefinition("times", arity: 1...1) { input, args, _ in
            try liquidArithmetic(try input.toNumber(), try filterArgument(args, 0).toNumber(), .multiply)
        },
        FilterDefinition("divided_by", arity: 1...1) { input, args, _ in
            try liquidArithmetic(try input.toNumber(), try filterArgument(args, 0).toNumber(), .divide)
        },
        FilterDefinition("modulo", arity: 1...1) { input, args, _ in
            try liquidArithmetic(try input.toNumber(), try filterArgument(args, 0).toNumber(), .modulo)
        },
        FilterDefinition("abs") { input, _, _ in
            switch try input.toNumber() {
            case .int(let i):
                guard i != Int.min else { throw overflowError() }
                return .int(Swift.abs(i))
            case .double(let d): return .double(Swift.abs(d))
            }
        },
        FilterDefinition("ceil") { input, _, _ in
            try roundedToInteger(try input.toNumber(), .up)
        },
        FilterDefinition("floor") { input, _, _ in
            try roundedToInteger(try input.toNumber(), .down)
        },
        FilterDefinition("round", arity: 0...1) { input, args, _ in
            try liquidRound(try input.toNumber(), digits: try roundingDigits(suppliedArgument(args, 0) ?? .int(0)))
        },
        FilterDefinition("at_least", arity: 1...1) { input, args, _ in
            let bound = try filterArgument(args, 0).toNumber()
            let value = try input.toNumber()
            return (compareNumbers(bound.value, value.value) ?? 0) > 0 ? bound.value : value.value
        },
        FilterDefinition("at_most", arity: 1...1) { input, args, _ in
            let bound = try filterArgument(args, 0).toNumber()
            let value = try input.toNumber()
            return (compareNumbers(bound.value, value.value) ?? 0) < 0 ? bound.value : value.value
        },
    ]
}

/// The five binary operations of the math filters.
enum ArithmeticOperation {
    case add, subtract, multiply, divide, modulo
}

/// The error for an integer result that does not fit in 64 bits.
func overflowError() -> FilterError {
    FilterError("integer overflow: the result does not fit in 64 bits")
}

/// One math filter's operation with Ruby's semantics: floor division and a modulo with the
/// divisor's sign for integers, decimal arithmetic once a float is involved, and zero divisors refused.
func liquidArithmetic(_ a: LiquidNumber, _ b: LiquidNumber, _ op: ArithmeticOperation) throws -> Value {
    if case .int(let x) = a, case .int(let y) = b {
        let (result, overflow): (Int, Bool)
        switch op {
        case .add: (result, overflow) = x.addingReportingOverflow(y)
        case .subtract: (result, overflow) = x.subtractingReportingOverflow(y)
        case .multiply: (result, overflow) = x.multipliedReportingOverflow(by: y)
        case .divide:
            guard y != 0 else { throw FilterError("divided by 0") }
            guard !(x == Int.min && y == -1) else { throw overflowError() }
            var q = x / y
            if x % y != 0 && ((x < 0) != (y < 0)) { q -= 1 }
            (result, overflow) = (q, false)
        case .modulo:
            guard y != 0 else { throw FilterError("divided by 0") }
            if y == -1 { return .int(0) }
            var r = x % y
            if r != 0 && ((r < 0) != (y < 0)) { r += y }
            (result, overflow) = (r, false)
        }
        if overflow { throw overflowError() }
        return .int(result)
    }
    if (op == .divide || op == .modulo) && isZero(b) { throw FilterError("divided by 0") }
    if let x = exactDecimal(a), let y = exactDecimal(b) {
        var r: Decimal
        switch op {
        case .add: r = x + y
        case .subtract: r = x - y
        case .multiply: r = x * y
        case .divide: r = x / y
        case .modulo:
            var quotient = x / y
            var floored = Decimal()
            NSDecimalRound(&floored, &quotient, 0, .down)
            r = x - y * floored
        }
        if !r.isNaN, let d = Double(r.description), d.isFinite { return .double(d) }
    }
    let x = asDouble(a)
    let y = asDouble(b)
    switch op {
    case .add: return .double(x + y)
    case .subtract: return .double(x - y)
    case .multiply: return .double(x * y)
    case .divide: return .double(x / y)
    case .modulo:
        var r = fmod(x, y)
        if r != 0 && ((r < 0) != (y < 0)) { r += y }
        return .double(r)
    }
}

/// Whether a number is zero, integer or float.
private func isZero(_ n: LiquidNumber) -> Bool {
    switch n {
    case .int(let i): return i == 0
    case .double(let d): return d == 0
    }
}

/// The number as a float.
func asDouble(_ n: LiquidNumber) -> Double {
    switch n {
    case .int(let i): return Double(i)
    case .double(let d): return d
    }
}

/// The number as the decimal Ruby's `BigDecimal(float.to_s)` would make, or nil when it lies
/// outside the range where `Decimal` arithmetic is exact enough (then floats are used instead).
func exactDecimal(_ n: LiquidNumber) -> Decimal? {
    switch n {
    case .int(let i): return Decimal(i)
    case .double(let d):
        guard d.isFinite else { return nil }
        if d == 0 { return Decimal(0) }
        let magnitude = Swift.abs(d)
        guard magnitude >= 1e-30 && magnitude <= 1e30 else { return nil }
        return Decimal(string: d.description)
    }
}

/// `ceil` and `floor`: integers as they are, floats rounded to an integer that must fit in 64 bits.
private func roundedToInteger(_ n: LiquidNumber, _ rule: FloatingPointRoundingRule) throws -> Value {
    switch n {
    case .int(let i): return .int(i)
    case .double(let d):
        guard d.isFinite, let i = Int(exactly: d.rounded(rule)) else {
            throw FilterError("cannot convert \(formatFloat(d)) to an integer")
        }
        return .int(i)
    }
}

/// The digits argument of `round`, read as Ruby converts it to a C int (floats truncated).
private func roundingDigits(_ argument: Value) throws -> Int {
    switch try argument.toNumber() {
    case .int(let i): return max(-400, min(400, i))
    case .double(let d):
        guard d.isFinite else { throw FilterError("cannot round to \(formatFloat(d)) digits") }
        return Int(max(-400, min(400, d.rounded(.towardZero))))
    }
}

/// Liquid's `round`: half away from zero at the given decimal digit; an integer result when the
/// digits are below 1 (as `BigDecimal#round` gives), a float otherwise; integers keep their type.
func liquidRound(_ n: LiquidNumber, digits: Int) throws -> Value {
    switch n {
    case .int(let i):
        guard digits < 0 else { return .int(i) }
        let k = -digits
        if k >= 19 {
            // 10^19 is past Int's range: only values at least half of it would round away from 0.
            if i.magnitude >= 5_000_000_000_000_000_000 { throw overflowError() }
            return .int(0)
        }
        var p = 1
        for _ in 0..<k { p *= 10 }
        var q = i / p
        let r = i % p
        if r.magnitude * 2 >= p.magnitude { q += i < 0 ? -1 : 1 }
        let (result, overflow) = q.multipliedReportingOverflow(by: p)
        if overflow { throw overflowError() }
        return .int(result)
    case .double(let d):
        guard d.isFinite else { throw FilterError("cannot round \(formatFloat(d))") }
        guard var exact = exactDecimal(n) else {
            // Beyond 1e30 a float has no fraction; below 1e-30 it rounds to zero at any sane digit.
            if Swift.abs(d) < 1 { return digits >= 1 ? .double(0) : .int(0) }
            if digits >= 1 { return .double(d) }
            guard let i = Int(exactly: d) else { throw overflowError() }
            return .int(i)
        }
        if digits > 30 { return .double(d) }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, digits, .plain)
        if digits >= 1 {
            return .double(Double(rounded.description) ?? d)
        }
        guard let i = Int(rounded.description) else { throw overflowError() }
        return .int(i)
    }
}

/// Liquid's `sum` of already coerced numbers: an exact integer, or a float once any float appears.
func sumNumbers(_ numbers: [LiquidNumber]) throws -> Value {
    var intTotal = 0
    var hasFloat = false
    for n in numbers {
        switch n {
        case .int(let i):
            let (t, overflow) = intTotal.addingReportingOverflow(i)
            if overflow { throw overflowError() }
            intTotal = t
        case .double: hasFloat = true
        }
    }
    guard hasFloat else { return .int(intTotal) }
    var decimalTotal = Decimal(0)
    var exact = true
    for n in numbers {
        guard let d = exactDecimal(n) else {
            exact = false
            break
        }
        decimalTotal += d
    }
    if exact, !decimalTotal.isNaN, let d = Double(decimalTotal.description) { return .double(d) }
    return .double(numbers.reduce(0.0) { $0 + asDouble($1) })
}

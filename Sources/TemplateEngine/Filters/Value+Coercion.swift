import Foundation

// Conversions and comparisons that the standard filters share, each following the Ruby method that
// Shopify Liquid calls (`Utils.to_s`, `Utils.to_number`, `Integer()`, `==`, `<=>`, `obj[key]`).

/// A number as Liquid's arithmetic sees it: an exact integer or a float.
enum LiquidNumber: Equatable {
    case int(Int)
    case double(Double)

    /// The number as a template value.
    var value: Value {
        switch self {
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        }
    }
}

/// The outcome of Ruby's `item[key]` on a value: a result, a `TypeError`, or a `NoMethodError`.
enum RubySubscript {
    case value(Value)
    case typeError
    case noMethod
}

extension Value {
    /// Liquid's `Utils.to_s`: nil is empty, floats print as Ruby does, arrays and objects as `inspect`.
    var toStringValue: String {
        switch self {
        case .array, .object: return inspect
        default: return liquidString
        }
    }

    /// Liquid's `Utils.to_number`: numbers as they are, decimal-looking strings as floats, other
    /// strings by Ruby's `String#to_i`, and anything else as 0.
    func toNumber() throws -> LiquidNumber {
        switch self {
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return try parseLiquidNumber(s)
        default: return .int(0)
        }
    }

    /// Liquid's `Utils.to_integer`: integers as they are, anything else through Ruby's strict
    /// `Integer(string)`, which refuses floats, empty strings and stray text.
    func toInteger() throws -> Int {
        if case .int(let i) = self { return i }
        guard let parsed = parseRubyInteger(toStringValue) else {
            throw FilterError("invalid integer '\(toStringValue.prefix(40))'")
        }
        return parsed
    }

    /// Whether Ruby's `respond_to?(:[])` holds: hashes, strings, integers and arrays answer `[]`.
    var respondsToSubscript: Bool {
        switch self {
        case .object, .string, .int, .array: return true
        default: return false
        }
    }

    /// Ruby's `self[key]` for the receivers a filter may meet, with the errors Ruby would raise.
    func rubySubscript(_ key: Value) -> RubySubscript {
        switch self {
        case .object(let o):
            if case .string(let k) = key { return .value(o[k] ?? .nil) }
            return .value(.nil)
        case .string(let s):
            switch key {
            case .string(let k):
                return .value(byteIndex(of: Array(k.utf8), in: Array(s.utf8)) != nil ? .string(k) : .nil)
            case .int(let i):
                return .value(character(of: s, at: i))
            case .double(let d):
                guard d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) else { return .value(.nil) }
                return .value(character(of: s, at: i))
            case .range:
                return .value(.nil)
            default:
                return .typeError
            }
        case .int(let n):
            let bit: Int
            switch key {
            case .int(let i): bit = i
            case .double(let d):
                guard d.isFinite else { return .typeError }
                bit = Int(max(min(d.rounded(.down), 1e18), -1e18))
            case .range: return .value(.nil)
            default: return .typeError
            }
            if bit < 0 { return .value(.int(0)) }
            if bit >= Int.bitWidth { return .value(.int(n < 0 ? 1 : 0)) }
            return .value(.int((n >> bit) & 1))
        case .array(let a):
            let index: Int
            switch key {
            case .int(let i): index = i
            case .double(let d):
                guard d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) else { return .value(.nil) }
                index = i
            case .range: return .value(.nil)
            default: return .typeError
            }
            let resolved = index < 0 ? a.count + index : index
            return .value(resolved >= 0 && resolved < a.count ? a[resolved] : .nil)
        default:
            return .noMethod
        }
    }

    /// Ruby's `==` between template values: numbers compare by value across int and float,
    /// strings byte for byte, arrays and hashes element by element.
    func rubyEquals(_ other: Value) -> Bool {
        switch (self, other) {
        case (.nil, .nil): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double):
            return compareNumbers(self, other) == 0
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.rubyEquals($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a.pairs {
                guard let theirs = b[key], value.rubyEquals(theirs) else { return false }
            }
            return true
        case (.range(let a), .range(let b)): return a == b
        default: return false
        }
    }

    /// Ruby's `<=>`: an ordering for numbers, strings and arrays, 0 for other equal values, and
    /// nil where Ruby has no order.
    func rubyCompare(_ other: Value) -> Int? {
        switch (self, other) {
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double):
            return compareNumbers(self, other)
        case (.string(let a), .string(let b)):
            return compareBytes(a.utf8, b.utf8)
        case (.array(let a), .array(let b)):
            for (x, y) in zip(a, b) {
                guard let c = x.rubyCompare(y) else { return nil }
                if c != 0 { return c }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        default:
            return rubyEquals(other) ? 0 : nil
        }
    }
}

/// Compares two numeric values exactly (an integer against a float too); nil for NaN or non-numbers.
func compareNumbers(_ a: Value, _ b: Value) -> Int? {
    switch (a, b) {
    case (.int(let x), .int(let y)): return x == y ? 0 : (x < y ? -1 : 1)
    case (.double(let x), .double(let y)):
        if x.isNaN || y.isNaN { return nil }
        return x == y ? 0 : (x < y ? -1 : 1)
    case (.int(let x), .double(let y)): return compareIntDouble(x, y)
    case (.double(let x), .int(let y)): return compareIntDouble(y, x).map { -$0 }
    default: return nil
    }
}

/// Compares an integer with a float without the rounding that converting either one would bring.
func compareIntDouble(_ i: Int, _ d: Double) -> Int? {
    if d.isNaN { return nil }
    // ±2^63 bound Int's range exactly, so the truncation below cannot trap.
    if d >= 9_223_372_036_854_775_808.0 { return -1 }
    if d < -9_223_372_036_854_775_808.0 { return 1 }
    let whole = d.rounded(.down)
    let w = Int(whole)
    if i < w { return -1 }
    if i > w { return 1 }
    return d > whole ? -1 : 0
}

/// Lexicographic comparison of two byte sequences, as Ruby compares strings.
func compareBytes<A: Sequence, B: Sequence>(_ a: A, _ b: B) -> Int where A.Element == UInt8, B.Element == UInt8 {
    var i = a.makeIterator()
    var j = b.makeIterator()
    while true {
        switch (i.next(), j.next()) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
        }
    }
}

/// Ruby's `String#[Integer]`: the character (code point) at an index, counting back when negative.
private func character(of s: String, at index: Int) -> Value {
    let scalars = Array(s.unicodeScalars)
    let resolved = index < 0 ? scalars.count + index : index
    guard resolved >= 0 && resolved < scalars.count else { return .nil }
    return .string(String(scalars[resolved]))
}

/// Whether a byte is one that Ruby's `strip` removes: NUL, tab, newline, vertical tab, form feed,
/// carriage return or space.
func isRubyStripByte(_ b: UInt8) -> Bool {
    b == 0x20 || (b >= 0x09 && b <= 0x0D) || b == 0
}

/// Whether a byte separates words in Ruby's `split(" ")`: ASCII whitespace, without NUL.
func isRubySpaceByte(_ b: UInt8) -> Bool {
    b == 0x20 || (b >= 0x09 && b <= 0x0D)
}

/// Liquid's number coercion of a string: `-?\d+\.\d+` (after stripping) is a float, anything else
/// is read by Ruby's `String#to_i`.
func parseLiquidNumber(_ s: String) throws -> LiquidNumber {
    let bytes = Array(s.utf8)
    var start = 0
    var end = bytes.count
    while start < end && isRubyStripByte(bytes[start]) { start += 1 }
    while end > start && isRubyStripByte(bytes[end - 1]) { end -= 1 }
    if isDecimalLiteral(bytes[start..<end]) {
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        if let d = Double(text) { return .double(d) }
    }
    return .int(try rubyToI(bytes))
}

/// Whether the bytes read `-?\d+\.\d+` exactly.
private func isDecimalLiteral(_ bytes: ArraySlice<UInt8>) -> Bool {
    var i = bytes.startIndex
    if i < bytes.endIndex && bytes[i] == UInt8(ascii: "-") { i += 1 }
    let intStart = i
    while i < bytes.endIndex && isASCIIDigit(bytes[i]) { i += 1 }
    guard i > intStart, i < bytes.endIndex, bytes[i] == UInt8(ascii: ".") else { return false }
    i += 1
    let fracStart = i
    while i < bytes.endIndex && isASCIIDigit(bytes[i]) { i += 1 }
    return i > fracStart && i == bytes.endIndex
}

/// Whether a byte is an ASCII digit.
@inline(__always) func isASCIIDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

/// Ruby's `String#to_i`: leading whitespace, a sign, then digits (single underscores allowed between
/// them) up to the first other character; no digits reads as 0.
func rubyToI(_ bytes: [UInt8]) throws -> Int {
    var i = 0
    while i < bytes.count && isRubySpaceByte(bytes[i]) { i += 1 }
    var negative = false
    if i < bytes.count && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
        negative = bytes[i] == UInt8(ascii: "-")
        i += 1
    }
    var result = 0
    var sawDigit = false
    while i < bytes.count {
        let b = bytes[i]
        if isASCIIDigit(b) {
            let digit = Int(b - 0x30)
            let (m, o1) = result.multipliedReportingOverflow(by: 10)
            let (r, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
            if o1 || o2 { throw FilterError("the number \(String(decoding: bytes.prefix(40), as: UTF8.self)) is too large") }
            result = r
            sawDigit = true
        } else if b == UInt8(ascii: "_") && sawDigit && i + 1 < bytes.count && isASCIIDigit(bytes[i + 1]) {
            // An underscore between digits is a digit separator.
        } else {
            break
        }
        i += 1
    }
    return result
}

/// Ruby's strict `Integer(string)`: optional surrounding whitespace, a sign, a `0x`/`0b`/`0o`/`0d`
/// or leading-zero octal prefix, digits with single underscores between them, and nothing else.
/// Values past `Int`'s range saturate, which keeps index arithmetic meaningful.
func parseRubyInteger(_ text: String) -> Int? {
    let bytes = Array(text.utf8)
    var start = 0
    var end = bytes.count
    while start < end && isRubySpaceByte(bytes[start]) { start += 1 }
    while end > start && (isRubySpaceByte(bytes[end - 1]) || bytes[end - 1] == 0) { end -= 1 }
    var i = start
    var negative = false
    if i < end && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
        negative = bytes[i] == UInt8(ascii: "-")
        i += 1
    }
    var radix = 10
    if i + 1 < end && bytes[i] == UInt8(ascii: "0") {
        switch bytes[i + 1] | 0x20 {
        case UInt8(ascii: "x"): radix = 16; i += 2
        case UInt8(ascii: "b"): radix = 2; i += 2
        case UInt8(ascii: "o"): radix = 8; i += 2
        case UInt8(ascii: "d"): radix = 10; i += 2
        default:
            if isASCIIDigit(bytes[i + 1]) || bytes[i + 1] == UInt8(ascii: "_") { radix = 8; i += 1 }
        }
    }
    guard i < end else { return nil }
    var magnitude: UInt64 = 0
    var saturated = false
    var previousWasDigit = false
    while i < end {
        let b = bytes[i]
        if b == UInt8(ascii: "_") {
            guard previousWasDigit, i + 1 < end else { return nil }
            previousWasDigit = false
            i += 1
            continue
        }
        let digit: Int
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(b - 0x30)
        case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int(b - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = Int(b - UInt8(ascii: "A")) + 10
        default: return nil
        }
        guard digit < radix else { return nil }
        let (m, o1) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
        let (r, o2) = m.addingReportingOverflow(UInt64(digit))
        if o1 || o2 { saturated = true } else { magnitude = r }
        previousWasDigit = true
        i += 1
    }
    guard previousWasDigit else { return nil }
    if saturated || magnitude > UInt64(Int.max) { return negative ? Int.min : Int.max }
    return negative ? -Int(magnitude) : Int(magnitude)
}

/// The first index at which `needle` occurs in `haystack` at or after `from`, found in linear time
/// (Knuth–Morris–Pratt), so hostile inputs cannot make a search quadratic.
func byteIndex(of needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
    if needle.isEmpty { return from <= haystack.count ? from : nil }
    var matcher = ByteMatcher(needle)
    var i = from
    while i < haystack.count {
        if matcher.feed(haystack[i]) { return i + 1 - needle.count }
        i += 1
    }
    return nil
}

/// A streaming Knuth–Morris–Pratt matcher over bytes: feed it the haystack a byte at a time.
struct ByteMatcher {
    let needle: [UInt8]
    private let failure: [Int]
    private var state = 0

    init(_ needle: [UInt8]) {
        self.needle = needle
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        if needle.count > 1 {
            for q in 1..<needle.count {
                while k > 0 && needle[k] != needle[q] { k = failure[k - 1] }
                if needle[k] == needle[q] { k += 1 }
                failure[q] = k
            }
        }
        self.failure = failure
    }

    /// Forgets any partial match, as after a non-overlapping match is consumed.
    mutating func reset() { state = 0 }

    /// Advances by one byte; true when a full match ends at this byte.
    mutating func feed(_ b: UInt8) -> Bool {
        while state > 0 && needle[state] != b { state = failure[state - 1] }
        if needle[state] == b { state += 1 }
        if state == needle.count {
            state = failure[state - 1]
            return true
        }
        return false
    }
}

/// A byte buffer that refuses to grow past the filter string bound, for building results whose
/// size is not known in advance.
struct BoundedBytes {
    private(set) var bytes: [UInt8] = []
    let limit: Int
    let context: FilterContext

    init(_ context: FilterContext, reserve: Int = 0) {
        self.context = context
        self.limit = context.options.limits.maxStringBytes
        bytes.reserveCapacity(min(reserve, limit))
    }

    /// Appends bytes, throwing a limit error first if the result would pass the bound.
    mutating func append<C: Collection>(contentsOf more: C) throws where C.Element == UInt8 {
        if bytes.count + more.count > limit { try context.checkLength(bytes.count + more.count) }
        bytes.append(contentsOf: more)
    }

    /// Appends one byte under the same bound.
    mutating func append(_ b: UInt8) throws {
        if bytes.count + 1 > limit { try context.checkLength(bytes.count + 1) }
        bytes.append(b)
    }

    /// The text built so far (the inputs are valid UTF-8 pieces, so this never repairs anything).
    var string: String { String(decoding: bytes, as: UTF8.self) }
}

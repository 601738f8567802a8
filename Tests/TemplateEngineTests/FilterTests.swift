import Foundation
import Testing
import TestPeers
@testable import TemplateEngine

// The standard filters, called directly (no parser): first every filter case of the golden-liquid
// suite, reduced to its filter chain, then cases for what the suite does not pin (Ruby edge cases,
// dates, the Russian locale, and the safety bounds).

// MARK: - Harness

/// One filter call of a chain: the filter's name and its evaluated arguments.
struct FilterCall: Sendable {
    let name: String
    let args: [Value]
    let keywords: [(name: String, value: Value)]
}

/// A call to the named filter with positional and keyword arguments.
private func f(_ name: String, _ args: Value..., kw: [(String, Value)] = []) -> FilterCall {
    FilterCall(name: name, args: args, keywords: kw.map { (name: $0.0, value: $0.1) })
}

/// An object value with its keys in the given order.
private func o(_ pairs: (String, Value)...) -> Value { .object(ValueObject(pairs)) }

/// Why a chain produced no value: the compiler would refuse the call, or the filter threw.
enum ChainFailure: Error {
    case rejected(String)
    case failed(FilterError)
}

/// Runs a chain of filters as the renderer would, refusing calls whose arity or keywords the
/// compiler would refuse.
private func run(_ input: Value, _ calls: [FilterCall], options: RenderOptions = RenderOptions()) throws(ChainFailure) -> Value {
    var value = input
    for call in calls {
        guard let definition = FilterRegistry.standard[call.name] else { throw .rejected("no filter \(call.name)") }
        guard definition.arity.contains(call.args.count) else { throw .rejected("\(call.name) arity") }
        for keyword in call.keywords where !definition.keywords.contains(keyword.name) {
            throw .rejected("\(call.name) keyword \(keyword.name)")
        }
        do {
            value = try definition.apply(value, FilterArguments(positional: call.args, keywords: call.keywords),
                                         FilterContext(options: options))
        } catch let error as FilterError {
            throw .failed(error)
        } catch {
            throw .rejected("\(error)")
        }
    }
    return value
}

/// Applies one filter directly, throwing what the filter throws.
private func apply(_ name: String, _ input: Value, _ args: Value..., kw: [(String, Value)] = [],
           options: RenderOptions = RenderOptions()) throws -> Value {
    let definition = try #require(FilterRegistry.standard[name])
    return try definition.apply(input, FilterArguments(positional: args, keywords: kw.map { (name: $0.0, value: $0.1) }),
                                FilterContext(options: options))
}

/// The text a filter produces, as `{{ }}` would write it.
private func text(_ name: String, _ input: Value, _ args: Value..., kw: [(String, Value)] = [],
          options: RenderOptions = RenderOptions()) throws -> String {
    let definition = try #require(FilterRegistry.standard[name])
    return try definition.apply(input, FilterArguments(positional: args, keywords: kw.map { (name: $0.0, value: $0.1) }),
                                FilterContext(options: options)).liquidString
}

/// The kind of the `FilterError` a filter throws, or nil when it does not throw one.
private func errorKind(_ name: String, _ input: Value, _ args: Value..., options: RenderOptions = RenderOptions()) -> TemplateError.Kind? {
    guard let definition = FilterRegistry.standard[name] else { return nil }
    do {
        _ = try definition.apply(input, FilterArguments(positional: args, keywords: []), FilterContext(options: options))
        return nil
    } catch let error as FilterError {
        return error.kind
    } catch {
        return nil
    }
}

/// How a golden template writes the chain's result.
enum GoldenRendering: Sendable {
    /// `{{ x }}`.
    case output
    /// `{% for a in x %}{% for b in a %}OPEN{{ b[0] }}MID{{ b[1] }}CLOSE{% endfor %}{% endfor %}`.
    case nested(String, String, String)
    /// `{% for a in x %}{{ a }}SUFFIX{% endfor %}`.
    case each(String)
    /// `{% for i in x %}PREFIX{{ forloop.index0 }}{{ i }}{% endfor %}`.
    case indexed(String)
    /// `{% for i in x %}{{ i }}{% unless forloop.last %}SEP{% endunless %}{% endfor %}`.
    case joined(String)
    /// `{% for a in x %}({{ a[0] }},{{ a[1] }}){% endfor %}`.
    case pairs
    /// `({{ x[0] }},{{ x[1] }})`.
    case pair
    /// `{{ x.name }}`.
    case property(String)

    /// What Liquid iterates for a value in `for`: elements, an object's pairs, a range's integers,
    /// a non-empty string once.
    static func loop(_ v: Value) -> [Value] {
        switch v {
        case .array(let a): return a
        case .object(let o): return o.pairs.map { .array([.string($0.key), $0.value]) }
        case .range(let r): return r.map { .int($0) }
        case .string(let s): return s.isEmpty ? [] : [v]
        default: return []
        }
    }

    /// Liquid's `x[i]` for an integer index.
    static func index(_ v: Value, _ i: Int) -> Value {
        if case .array(let a) = v, i < a.count { return a[i] }
        return .nil
    }

    /// The text the template writes for a value.
    func render(_ v: Value) -> String {
        switch self {
        case .output: return v.liquidString
        case .nested(let open, let mid, let close):
            return GoldenRendering.loop(v).map { outer in
                GoldenRendering.loop(outer).map {
                    open + GoldenRendering.index($0, 0).liquidString + mid + GoldenRendering.index($0, 1).liquidString + close
                }.joined()
            }.joined()
        case .each(let suffix): return GoldenRendering.loop(v).map { $0.liquidString + suffix }.joined()
        case .indexed(let prefix):
            return GoldenRendering.loop(v).enumerated().map { prefix + String($0.offset) + $0.element.liquidString }.joined()
        case .joined(let separator): return GoldenRendering.loop(v).map(\.liquidString).joined(separator: separator)
        case .pairs:
            return GoldenRendering.loop(v).map {
                "(" + GoldenRendering.index($0, 0).liquidString + "," + GoldenRendering.index($0, 1).liquidString + ")"
            }.joined()
        case .pair: return "(" + GoldenRendering.index(v, 0).liquidString + "," + GoldenRendering.index(v, 1).liquidString + ")"
        case .property(let name):
            if case .object(let obj) = v { return (obj[name] ?? .nil).liquidString }
            return ""
        }
    }
}

/// What a golden case expects.
enum GoldenExpectation: Sendable {
    case text(String)
    case oneOf([String])
    /// The call is refused: by the compiler (arity, keywords) or by the filter with a render error.
    case invalid
}

/// One golden-liquid filter case.
struct GoldenCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: Value
    let calls: [FilterCall]
    let rendering: GoldenRendering
    let expectation: GoldenExpectation
    var testDescription: String { name }
}

/// A golden case expecting text.
private func g(_ name: String, _ input: Value, _ calls: [FilterCall], render: GoldenRendering = .output, _ expected: String) -> GoldenCase {
    GoldenCase(name: name, input: input, calls: calls, rendering: render, expectation: .text(expected))
}

/// A golden case expecting one of several texts, or a refusal.
private func g(_ name: String, _ input: Value, _ calls: [FilterCall], render: GoldenRendering = .output,
       _ expected: GoldenExpectation) -> GoldenCase {
    GoldenCase(name: name, input: input, calls: calls, rendering: render, expectation: expected)
}

// MARK: - Golden cases

/// Every "filters, …" case of shared/conformance/golden_liquid.json with a filter in it, generated
/// by Scripts/golden_rows.py (undefined variables are nil; `empty` is passed as an empty string).
private let goldenCases: [GoldenCase] = [
        g("abs, negative float", .double(-5.4), [f("abs")], "5.4"),
        g("abs, negative integer", .int(-5), [f("abs")], "5"),
        g("abs, negative string float", .string("-5.1"), [f("abs")], "5.1"),
        g("abs, negative string integer", .string("-5"), [f("abs")], "5"),
        g("abs, not a string, int or float", o(), [f("abs")], "0"),
        g("abs, positive float", .double(5.4), [f("abs")], "5.4"),
        g("abs, positive integer", .int(5), [f("abs")], "5"),
        g("abs, positive string float", .string("5.1"), [f("abs")], "5.1"),
        g("abs, positive string integer", .string("5"), [f("abs")], "5"),
        g("abs, string not a number", .string("hello"), [f("abs")], "0"),
        g("abs, undefined left value", .nil, [f("abs")], "0"),
        g("abs, unexpected argument", .int(-3), [f("abs", .int(1))], .invalid),
        g("abs, zero", .int(0), [f("abs")], "0"),
        g("append, argument not a string", .string("hello"), [f("append", .int(5))], "hello5"),
        g("append, concat", .string("hello"), [f("append", .string("there"))], "hellothere"),
        g("append, missing argument", .string("hello"), [f("append")], .invalid),
        g("append, not a string", .int(5), [f("append", .string("there"))], "5there"),
        g("append, too many arguments", .string("hello"), [f("append", .string("how"), .string("are"), .string("you"))], .invalid),
        g("append, undefined argument", .string("hi"), [f("append", .nil)], "hi"),
        g("append, undefined left value", .nil, [f("append", .string("hi"))], "hi"),
        g("at least, argument string not a number", .int(-1), [f("at_least", .string("abc"))], "0"),
        g("at least, left value not a number", .string("abc"), [f("at_least", .int(2))], "2"),
        g("at least, left value not a number negative argument", .string("abc"), [f("at_least", .int(-2))], "0"),
        g("at least, missing arg", .int(5), [f("at_least")], .invalid),
        g("at least, negative integer < arg", .int(-8), [f("at_least", .int(5))], "5"),
        g("at least, positive float < arg", .double(5.4), [f("at_least", .double(8.9))], "8.9"),
        g("at least, positive float > arg", .double(8.4), [f("at_least", .double(5.9))], "8.4"),
        g("at least, positive integer < arg", .int(5), [f("at_least", .int(8))], "8"),
        g("at least, positive integer == arg", .int(5), [f("at_least", .int(5))], "5"),
        g("at least, positive integer > arg", .int(8), [f("at_least", .int(5))], "8"),
        g("at least, positive string > arg", .string("9"), [f("at_least", .int(8))], "9"),
        g("at least, too many args", .int(5), [f("at_least", .int(1), .int(2))], .invalid),
        g("at least, undefined argument", .int(5), [f("at_least", .nil)], "5"),
        g("at least, undefined left value", .nil, [f("at_least", .int(5))], "5"),
        g("at most, left value not a number", .string("abc"), [f("at_most", .int(-2))], "-2"),
        g("at most, missing arg", .int(5), [f("at_most")], .invalid),
        g("at most, negative integer < arg", .int(-8), [f("at_most", .int(5))], "-8"),
        g("at most, positive float < arg", .double(5.4), [f("at_most", .double(8.9))], "5.4"),
        g("at most, positive float > arg", .double(8.4), [f("at_most", .double(5.9))], "5.9"),
        g("at most, positive integer < arg", .int(5), [f("at_most", .int(8))], "5"),
        g("at most, positive integer == arg", .int(5), [f("at_most", .int(5))], "5"),
        g("at most, positive integer > arg", .int(8), [f("at_most", .int(5))], "5"),
        g("at most, positive string > arg", .string("9"), [f("at_most", .int(8))], "8"),
        g("at most, too many args", .int(5), [f("at_most", .int(1), .int(2))], .invalid),
        g("at most, undefined argument", .int(5), [f("at_most", .nil)], "0"),
        g("at most, undefined left value", .nil, [f("at_most", .int(5))], "0"),
        g("base64 decode, from string", .string("XyMvLg=="), [f("base64_decode")], "_#/."),
        g("base64 decode, from string with URL unsafe", .string("YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXogQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVogMTIzNDU2Nzg5MCAhQCMkJV4mKigpLT1fKy8/Ljo7W117fVx8"), [f("base64_decode")], "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 !@#$%^&*()-=_+/?.:;[]{}\\|"),
        g("base64 decode, not a string", .int(5), [f("base64_decode")], .invalid),
        g("base64 decode, undefined left value", .nil, [f("base64_decode")], ""),
        g("base64 decode, unexpected argument", .string("hello"), [f("base64_decode", .int(5))], .invalid),
        g("base64 encode, from string", .string("_#/."), [f("base64_encode")], "XyMvLg=="),
        g("base64 encode, from string with URL unsafe", .string("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 !@#$%^&*()-=_+/?.:;[]{}\\|"), [f("base64_encode")], "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXogQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVogMTIzNDU2Nzg5MCAhQCMkJV4mKigpLT1fKy8/Ljo7W117fVx8"),
        g("base64 encode, not a string", .int(5), [f("base64_encode")], "NQ=="),
        g("base64 encode, undefined left value", .nil, [f("base64_encode")], ""),
        g("base64 encode, unexpected argument", .string("hello"), [f("base64_encode", .int(5))], .invalid),
        g("base64 url safe decode, from string", .string("XyMvLg=="), [f("base64_url_safe_decode")], "_#/."),
        g("base64 url safe decode, from string with URL unsafe", .string("YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXogQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVogMTIzNDU2Nzg5MCAhQCMkJV4mKigpLT1fKy8_Ljo7W117fVx8"), [f("base64_url_safe_decode")], "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 !@#$%^&*()-=_+/?.:;[]{}\\|"),
        g("base64 url safe decode, not a string", .int(5), [f("base64_url_safe_decode")], .invalid),
        g("base64 url safe decode, undefined left value", .nil, [f("base64_url_safe_decode")], ""),
        g("base64 url safe decode, unexpected argument", .string("hello"), [f("base64_url_safe_decode", .int(5))], .invalid),
        g("base64 url safe encode, from string", .string("_#/."), [f("base64_url_safe_encode")], "XyMvLg=="),
        g("base64 url safe encode, from string with URL unsafe", .string("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 !@#$%^&*()-=_+/?.:;[]{}\\|"), [f("base64_url_safe_encode")], "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXogQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVogMTIzNDU2Nzg5MCAhQCMkJV4mKigpLT1fKy8_Ljo7W117fVx8"),
        g("base64 url safe encode, not a string", .int(5), [f("base64_url_safe_encode")], "NQ=="),
        g("base64 url safe encode, undefined left value", .nil, [f("base64_url_safe_encode")], ""),
        g("base64 url safe encode, unexpected argument", .string("hello"), [f("base64_url_safe_encode", .int(5))], .invalid),
        g("capitalize, already capitalized string", .string("Hello"), [f("capitalize")], "Hello"),
        g("capitalize, lower case string", .string("hello"), [f("capitalize")], "Hello"),
        g("capitalize, multi-word string", .string("hello world"), [f("capitalize")], "Hello world"),
        g("capitalize, undefined left value", .nil, [f("capitalize")], ""),
        g("capitalize, unexpected argument", .string("hello"), [f("capitalize", .int(2))], .invalid),
        g("ceil, negative float", .double(-5.4), [f("ceil")], "-5"),
        g("ceil, negative integer", .int(-5), [f("ceil")], "-5"),
        g("ceil, negative string float", .string("-5.1"), [f("ceil")], "-5"),
        g("ceil, not a string, int or float", o(), [f("ceil")], "0"),
        g("ceil, positive float", .double(5.4), [f("ceil")], "6"),
        g("ceil, positive integer", .int(5), [f("ceil")], "5"),
        g("ceil, positive string float", .string("5.1"), [f("ceil")], "6"),
        g("ceil, string not a number", .string("hello"), [f("ceil")], "0"),
        g("ceil, undefined left value", .nil, [f("ceil")], "0"),
        g("ceil, unexpected argument", .double(-3.1), [f("ceil", .int(1))], .invalid),
        g("ceil, zero", .int(0), [f("ceil")], "0"),
        g("compact, array of objects with key property", .array([o(("title", .string("foo")), ("name", .string("a"))), o(("title", .nil), ("name", .string("b"))), o(("title", .string("bar")), ("name", .string("c")))]), [f("compact", .string("title"))], render: .nested("(", ",", ")"), "(title,foo)(name,a)(title,bar)(name,c)"),
        g("compact, array with a nil", .array([.string("b"), .string("a"), .nil, .string("A")]), [f("compact"), f("join", .string("#"))], "b#a#A"),
        g("compact, empty array", .array([]), [f("compact"), f("join", .string("#"))], ""),
        g("compact, left value is not an array", .int(123), [f("compact"), f("first")], "123"),
        g("compact, left value is undefined", .nil, [f("compact")], ""),
        g("compact, too many arguments", .nil, [f("compact", .string("foo"), .string("bar"))], .invalid),
        g("concat, left value contains non string", .array([.string("a"), .string("b"), .int(5)]), [f("concat", .array([.string("c"), .string("d")])), f("join", .string("#"))], "a#b#5#c#d"),
        g("concat, left value is not array-like", .string("ab"), [f("concat", .array([.string("c"), .string("d")])), f("join", .string("#"))], "ab#c#d"),
        g("concat, missing argument is an error", .array([.string("a"), .string("b")]), [f("concat"), f("join", .string("#"))], .invalid),
        g("concat, nested left value gets flattened", .array([.array([.string("a"), .string("x")]), .array([.string("b"), .array([.string("y"), .array([.string("z")])])])]), [f("concat", .array([.string("c"), .string("d")])), f("join", .string("#"))], "a#x#b#y#z#c#d"),
        g("concat, non array-like argument is an error", .array([.string("a"), .string("b")]), [f("concat", .int(5)), f("join", .string("#"))], .invalid),
        g("concat, range literal concat filter left value", .range(1...3), [f("concat", .array([.int(5), .int(6), .int(7)])), f("join", .string("#"))], "1#2#3#5#6#7"),
        g("concat, two arrays of strings", .array([.string("a"), .string("b")]), [f("concat", .array([.string("c"), .string("d")])), f("join", .string("#"))], "a#b#c#d"),
        g("concat, undefined argument is an error", .array([.string("a"), .string("b")]), [f("concat", .nil), f("join", .string("#"))], .invalid),
        g("concat, undefined left value", .nil, [f("concat", .array([.string("c"), .string("d")])), f("join", .string("#"))], "c#d"),
        g("date, literal percent", .string("March 14, 2016"), [f("date", .string("%%%b %d, %y"))], "%Mar 14, 16"),
        g("date, missing argument", .string("March 14, 2016"), [f("date")], .invalid),
        g("date, negative timestamp string", .string("-1152098955"), [f("date", .string("%m/%d/%Y"))], "-1152098955"),
        g("date, seconds since epoch format directive", .string("March 14, 2016"), [f("date", .string("%s"))], "1457913600"),
        g("date, timestamp integer", .int(1152098955), [f("date", .string("%m/%d/%Y"))], "07/05/2006"),
        g("date, timestamp string", .string("1152098955"), [f("date", .string("%m/%d/%Y"))], "07/05/2006"),
        g("date, too many arguments", .string("March 14, 2016"), [f("date", .string("%b %d, %y"), .string("foo"))], .invalid),
        g("date, undefined argument", .string("March 14, 2016"), [f("date", .nil)], "March 14, 2016"),
        g("date, undefined left value", .nil, [f("date", .string("%b %d, %y"))], ""),
        g("date, well formed string", .string("March 14, 2016"), [f("date", .string("%b %d, %y"))], "Mar 14, 16"),
        g("default, 0.0 is not falsy", .double(0.0), [f("default", .string("bar"))], "0.0"),
        g("default, allow false", .bool(false), [f("default", .string("bar"), kw: [("allow_false", .bool(true))])], "false"),
        g("default, allow false from context", .bool(false), [f("default", .string("bar"), kw: [("allow_false", .bool(true))])], "false"),
        g("default, empty", .string(""), [f("default", .nil)], ""),
        g("default, empty array", .array([]), [f("default", .string("foo"))], "foo"),
        g("default, empty object", o(), [f("default", .string("foo"))], "foo"),
        g("default, empty string", .string(""), [f("default", .string("foo"))], "foo"),
        g("default, false", .nil, [f("default", .string("foo"))], "foo"),
        g("default, false keyword argument before positional", .bool(false), [f("default", .string("bar"), kw: [("allow_false", .bool(false))])], "bar"),
        g("default, missing argument", .bool(false), [f("default")], ""),
        g("default, nil", .nil, [f("default", .string("foo"))], "foo"),
        g("default, not empty list", .array([.string("hello"), .string("world")]), [f("default", .string("foo")), f("join", .string("#"))], "hello#world"),
        g("default, not empty object", o(("greeting", .string("hello"))), [f("default", o(("greeting", .string("goodbye"))))], render: .pairs, "(greeting,hello)"),
        g("default, not empty string", .string("hello"), [f("default", .string("foo"))], "hello"),
        g("default, too many arguments", .nil, [f("default", .string("foo"), .string("bar"), .string("baz"))], .invalid),
        g("default, true keyword argument before positional", .bool(false), [f("default", .string("bar"), kw: [("allow_false", .bool(true))])], "false"),
        g("default, undefined left value", .nil, [f("default", .string("bar"))], "bar"),
        g("default, zero is not falsy", .int(0), [f("default", .string("bar"))], "0"),
        g("default, zero is not falsy with allow_false", .int(0), [f("default", .string("bar"), kw: [("allow_false", .bool(true))])], "0"),
        g("divided by, arg string not a number", .string("10"), [f("divided_by", .string("foo"))], .invalid),
        g("divided by, divied by zero", .int(10), [f("divided_by", .int(0))], .invalid),
        g("divided by, float division", .int(20), [f("divided_by", .double(7.0))], "2.857142857142857"),
        g("divided by, float value and integer arg", .double(9.0), [f("divided_by", .int(2))], "4.5"),
        g("divided by, integer division", .int(9), [f("divided_by", .int(2))], "4"),
        g("divided by, integer value and float arg", .int(10), [f("divided_by", .double(2.0))], "5.0"),
        g("divided by, integer value and integer arg", .int(10), [f("divided_by", .int(2))], "5"),
        g("divided by, issue", .int(5), [f("divided_by", .int(3))], "1"),
        g("divided by, left value is an empty string", .string(""), [f("divided_by", .int(2))], "0"),
        g("divided by, not a string, int or float", o(), [f("divided_by", .int(1))], "0"),
        g("divided by, string not a number", .string("foo"), [f("divided_by", .string("2"))], "0"),
        g("divided by, string value and argument", .string("10"), [f("divided_by", .string("2"))], "5"),
        g("divided by, too many args", .int(5), [f("divided_by", .int(1), .string("5"))], .invalid),
        g("divided by, undefined argument", .int(10), [f("divided_by", .nil)], .invalid),
        g("divided by, undefined left value", .nil, [f("divided_by", .int(2))], "0"),
        g("divided by, zero divided by float", .int(0), [f("divided_by", .double(1.1))], "0.0"),
        g("divided by, zero divided by integer", .int(0), [f("divided_by", .int(1))], "0"),
        g("downcase, make lower case", .string("HELLO"), [f("downcase")], "hello"),
        g("downcase, not a string", .int(5), [f("downcase")], "5"),
        g("downcase, undefined left value", .nil, [f("downcase")], ""),
        g("downcase, unexpected argument", .string("HELLO"), [f("downcase", .int(5))], .invalid),
        g("escape, make HTML-safe", .string("<p>test</p>"), [f("escape")], "&lt;p&gt;test&lt;/p&gt;"),
        g("escape, not a string", .int(5), [f("escape")], "5"),
        g("escape, undefined left value", .nil, [f("escape")], ""),
        g("escape, unexpected argument", .string("HELLO"), [f("escape", .int(5))], .invalid),
        g("escape once, make HTML-safe", .string("&lt;p&gt;test&lt;/p&gt;"), [f("escape_once")], "&lt;p&gt;test&lt;/p&gt;"),
        g("escape once, make HTML-safe from mixed safe and markup.", .string("&lt;p&gt;test&lt;/p&gt;<p>test</p>"), [f("escape_once")], "&lt;p&gt;test&lt;/p&gt;&lt;p&gt;test&lt;/p&gt;"),
        g("escape once, not a string", .int(5), [f("escape_once")], "5"),
        g("escape once, undefined left value", .nil, [f("escape_once")], ""),
        g("escape once, unexpected argument", .string("HELLO"), [f("escape_once", .int(5))], .invalid),
        g("find, array of hashes, int value, match", .array([o(("x", .int(99))), o(("z", .int(42)), ("foo", .string("bar")))]), [f("find", .string("z"), .int(42))], render: .property("foo"), "bar"),
        g("find, array of hashes, with a nil", .array([o(("x", .int(99))), .nil, o(("z", .int(42)), ("foo", .string("bar")))]), [f("find", .string("z"), .int(42))], render: .property("foo"), ""),
        g("find, array of strings, default value", .array([.string("x"), .string("y"), .string("z")]), [f("find", .string("z"))], "z"),
        g("find, array of strings, default value, no match", .array([.string("x"), .string("y"), .string("zoo")]), [f("find", .string("foo"))], ""),
        g("find, array of strings, substring match, default value", .array([.string("x"), .string("y"), .string("zoo")]), [f("find", .string("oo"))], "zoo"),
        g("find, hash input, default value, match", o(("z", .int(42))), [f("find", .string("z"))], render: .property("z"), "42"),
        g("find, hash input, default value, no match", o(("z", .int(42))), [f("find", .string("foo"))], ""),
        g("find, hash input, explicit nil, match", o(("z", .nil)), [f("find", .string("z"), .nil)], render: .property("z"), ""),
        g("find, hash input, int value, match", o(("z", .int(42))), [f("find", .string("z"), .int(42))], render: .property("z"), "42"),
        g("find, mixed array, default value", .array([.string("x"), .nil, .string("z"), .bool(false), .bool(true)]), [f("find", .string("z"))], ""),
        g("find, string input, default value, match", .string("zoo"), [f("find", .string("z"))], "zoo"),
        g("find, string input, string value, match", .string("zoo"), [f("find", .string("z"), .string("z"))], "zoo"),
        g("find, string input, string value, no match", .string("zoo"), [f("find", .string("z"), .string("y"))], ""),
        g("find index, array of hashes, explicit nil, match", .array([.string("foo"), .string("bar"), o(("z", .nil))]), [f("find_index", .string("z"), .nil)], ""),
        g("find index, array of hashes, int value, match", .array([o(("x", .int(99))), o(("z", .int(42)), ("foo", .string("bar")))]), [f("find_index", .string("z"), .int(42))], "1"),
        g("find index, array of hashes, with a nil", .array([o(("x", .int(99))), .nil, o(("z", .int(42)), ("foo", .string("bar")))]), [f("find_index", .string("z"), .int(42))], render: .property("foo"), ""),
        g("find index, array of strings, default value", .array([.string("x"), .string("y"), .string("z")]), [f("find_index", .string("z"))], "2"),
        g("find index, array of strings, default value, no match", .array([.string("x"), .string("y"), .string("zoo")]), [f("find_index", .string("foo"))], ""),
        g("find index, array of strings, substring match, default value", .array([.string("x"), .string("y"), .string("zoo")]), [f("find_index", .string("oo"))], "2"),
        g("find index, hash input, default value, match", o(("z", .int(42))), [f("find_index", .string("z"))], "0"),
        g("find index, hash input, default value, no match", o(("z", .int(42))), [f("find_index", .string("foo"))], ""),
        g("find index, hash input, explicit nil, match", o(("z", .nil)), [f("find_index", .string("z"), .nil)], ""),
        g("find index, hash input, int value, match", o(("z", .int(42))), [f("find_index", .string("z"), .int(42))], "0"),
        g("find index, mixed array, default value", .array([.string("x"), .nil, .string("z"), .bool(false), .bool(true)]), [f("find_index", .string("z"))], ""),
        g("find index, string input, default value, match", .string("zoo"), [f("find_index", .string("z"))], "0"),
        g("find index, string input, string value, match", .string("zoo"), [f("find_index", .string("z"), .string("z"))], "0"),
        g("find index, string input, string value, no match", .string("zoo"), [f("find_index", .string("z"), .string("y"))], ""),
        g("first, array of strings", .array([.string("a"), .string("b")]), [f("first")], "a"),
        g("first, array of things", .array([.string("a"), .string("b"), .int(1), .array([]), o()]), [f("first")], "a"),
        g("first, empty left value", .array([]), [f("first")], ""),
        g("first, first of a hash", o(("b", .int(1)), ("c", .int(2))), [f("first")], render: .pair, "(b,1)"),
        g("first, first of a string", .string("hello"), [f("first")], .oneOf(["", "h"])),
        g("first, left value is not an array", .int(12), [f("first")], ""),
        g("first, left value is undefined", .nil, [f("first")], ""),
        g("first, range literal first filter left value", .range(1...3), [f("first")], "1"),
        g("floor, negative float", .double(-5.4), [f("floor")], "-6"),
        g("floor, negative integer", .int(-5), [f("floor")], "-5"),
        g("floor, negative string float", .string("-5.1"), [f("floor")], "-6"),
        g("floor, not a string, int or float", o(), [f("floor")], "0"),
        g("floor, positive float", .double(5.4), [f("floor")], "5"),
        g("floor, positive integer", .int(5), [f("floor")], "5"),
        g("floor, positive string float", .string("5.1"), [f("floor")], "5"),
        g("floor, string not a number", .string("hello"), [f("floor")], "0"),
        g("floor, undefined left value", .nil, [f("floor")], "0"),
        g("floor, unexpected argument", .double(-3.1), [f("floor", .int(1))], .invalid),
        g("floor, zero", .int(0), [f("floor")], "0"),
        g("has, array of hashes, false property", .array([o(("x", .int(99))), o(("z", .int(42)))]), [f("has", .bool(false))], "false"),
        g("has, array of hashes, int property", .array([o(("x", .int(99))), o(("z", .int(42)))]), [f("has", .int(42))], "false"),
        g("has, array of hashes, int value, match", .array([o(("x", .int(99))), o(("z", .int(42)))]), [f("has", .string("z"), .int(42))], "true"),
        g("has, array of hashes, int value, no match", .array([o(("x", .int(99))), o(("z", .int(42)))]), [f("has", .string("z"), .int(7))], "false"),
        g("has, array of hashes, nil property", .array([o(("x", .int(99))), o(("z", .int(42)))]), [f("has", .nil)], "false"),
        g("has, array of hashes, with a nil", .array([o(("x", .int(99))), .nil, o(("z", .int(42)))]), [f("has", .string("z"), .int(42))], ""),
        g("has, array of ints, default value", .array([.int(1), .int(2), .int(3)]), [f("has", .int(2))], "true"),
        g("has, array of ints, string argument, default value", .array([.int(1), .int(2), .int(3)]), [f("has", .string("2"))], .invalid),
        g("has, array of strings, default value", .array([.string("x"), .string("y"), .string("z")]), [f("has", .string("z"))], "true"),
        g("has, array of strings, default value, no match", .array([.string("x"), .string("y"), .string("z")]), [f("has", .string(":("))], "false"),
        g("has, array of strings, default value, substring match", .array([.string("x"), .string("y"), .string("zoo")]), [f("has", .string("z"))], "true"),
        g("has, hash input, default value, match", o(("z", .int(42))), [f("has", .string("z"))], "true"),
        g("has, hash input, default value, no match", o(("x", .int(42))), [f("has", .string("z"))], "false"),
        g("has, hash input, explicit nil, match", o(("z", .nil)), [f("has", .string("z"), .nil)], "false"),
        g("has, hash input, explicit nil, no match", o(("z", .int(42))), [f("has", .string("z"), .nil)], "true"),
        g("has, hash input, false value, match", o(("z", .bool(false))), [f("has", .string("z"), .bool(false))], "true"),
        g("has, hash input, int value, match", o(("z", .int(42))), [f("has", .string("z"), .int(42))], "true"),
        g("has, hash input, int value, no match", o(("z", .int(42))), [f("has", .string("z"), .int(99))], "false"),
        g("has, hash input, string value, no type coercion", o(("z", .int(42))), [f("has", .string("z"), .string("42"))], "false"),
        g("has, mixed array, default value", .array([.string("x"), .nil, .string("z"), .bool(false), .bool(true)]), [f("has", .string("z"))], ""),
        g("has, string input, default value, match", .string("zoo"), [f("has", .string("z"))], "true"),
        g("has, string input, default value, no match", .string("foo"), [f("has", .string("z"))], "false"),
        g("join, argument is not a string", .array([.string("a"), .string("b")]), [f("join", .int(5))], "a5b"),
        g("join, join an array of integers", .array([.int(1), .int(2)]), [f("join", .string("#"))], "1#2"),
        g("join, join an array of strings", .array([.string("a"), .string("b")]), [f("join", .string("#"))], "a#b"),
        g("join, joining a string is a noop", .string("a,b"), [f("join", .string("#"))], "a,b"),
        g("join, joining an int is a noop", .int(123), [f("join", .string("#"))], "123"),
        g("join, left value contains non string", .array([.string("a"), .string("b"), .int(1)]), [f("join", .string("#"))], "a#b#1"),
        g("join, missing argument defaults to a space", .array([.string("a"), .string("b")]), [f("join")], "a b"),
        g("join, range literal join filter left value", .range(1...3), [f("join", .string("#"))], "1#2#3"),
        g("join, too many arguments", .array([.string("a"), .string("b")]), [f("join", .string("#"), .int(42))], .invalid),
        g("join, undefined argument", .array([.string("a"), .string("b")]), [f("join", .nil)], "ab"),
        g("join, undefined left value", .nil, [f("join", .string("#"))], ""),
        g("last, array of strings", .array([.string("a"), .string("b")]), [f("last")], "b"),
        g("last, array of things", .array([.string("a"), .string("b"), .int(1), .array([]), o()]), [f("last")], "{}"),
        g("last, empty array", .array([]), [f("last")], ""),
        g("last, last of a hash", o(("b", .int(1)), ("c", .int(2))), [f("last")], ""),
        g("last, last of a string", .string("hello"), [f("last")], .oneOf(["", "o"])),
        g("last, left value is undefined", .nil, [f("last")], ""),
        g("last, left value not an array", .int(12), [f("last")], ""),
        g("last, range literal last filter left value", .range(1...3), [f("last")], "3"),
        g("lstrip, left and right padded", .string(" \t\r\n  hello  \t\r\n "), [f("lstrip")], "hello  \t\r\n "),
        g("lstrip, left padded", .string(" \t\r\n  hello"), [f("lstrip")], "hello"),
        g("lstrip, not a string", .int(5), [f("lstrip")], "5"),
        g("lstrip, right padded", .string("hello \t\r\n  "), [f("lstrip")], "hello \t\r\n  "),
        g("lstrip, undefined left value", .nil, [f("lstrip")], ""),
        g("lstrip, unexpected argument", .string("hello"), [f("lstrip", .int(5))], .invalid),
        g("map, argument is explicit nil", .array([o(("title", .string("foo"))), o(("title", .string("bar")))]), [f("map", .nil)], render: .nested("", ":", ","), ""),
        g("map, array containing a non object", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), .int(5), .array([])]), [f("map", .string("title")), f("join", .string("#"))], .invalid),
        g("map, array of objects", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .string("baz")))]), [f("map", .string("title")), f("join", .string("#"))], "foo#bar#baz"),
        g("map, input is a hash", o(("title", .string("foo")), ("some", .string("thing"))), [f("map", .string("title")), f("join", .string("#"))], "foo"),
        g("map, left value not an array", .int(123), [f("map", .string("title")), f("join", .string("#"))], .invalid),
        g("map, missing property", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("heading", .string("baz")))]), [f("map", .string("title")), f("join", .string("#"))], "foo#bar#"),
        g("map, nested arrays get flattened", .array([o(("title", .string("foo"))), .array([o(("title", .string("bar"))), o(("title", .string("baz")))])]), [f("map", .string("title")), f("join", .string("#"))], "foo#bar#baz"),
        g("map, undefined argument", .array([o(("title", .string("foo"))), o(("title", .string("bar")))]), [f("map", .nil)], render: .nested("", ":", ","), ""),
        g("minus, arg string not a number", .string("10"), [f("minus", .string("foo"))], "10"),
        g("minus, float value and float arg", .double(10.1), [f("minus", .double(2.2))], "7.9"),
        g("minus, integer value and float arg", .int(10), [f("minus", .double(2.0))], "8.0"),
        g("minus, integer value and integer arg", .int(10), [f("minus", .int(2))], "8"),
        g("minus, not a string, int or float", o(), [f("minus", .int(1))], "-1"),
        g("minus, string not a number", .string("foo"), [f("minus", .string("2.0"))], "-2.0"),
        g("minus, string value and string arg", .string("10.1"), [f("minus", .string("2.2"))], "7.9"),
        g("minus, too many args", .int(5), [f("minus", .int(1), .string("5"))], .invalid),
        g("minus, undefined argument", .int(10), [f("minus", .nil)], "10"),
        g("minus, undefined left value", .nil, [f("minus", .int(2))], "-2"),
        g("modulo, arg string not a number", .string("10"), [f("modulo", .string("foo"))], .invalid),
        g("modulo, float value and float arg", .double(10.1), [f("modulo", .double(7.0))], "3.1"),
        g("modulo, integer value and float arg", .int(10), [f("modulo", .double(2.0))], "0.0"),
        g("modulo, integer value and integer arg", .int(10), [f("modulo", .int(2))], "0"),
        g("modulo, not a string, int or float", o(), [f("modulo", .int(1))], "0"),
        g("modulo, string not a number", .string("foo"), [f("modulo", .string("2.0"))], "0.0"),
        g("modulo, string value and argument", .string("10"), [f("modulo", .string("2.0"))], "0.0"),
        g("modulo, too many args", .int(5), [f("modulo", .int(1), .string("5"))], .invalid),
        g("modulo, undefined argument", .int(5), [f("modulo", .nil)], .invalid),
        g("modulo, undefined left value", .nil, [f("modulo", .int(2))], "0"),
        g("newline to br, not a string", .int(5), [f("newline_to_br")], "5"),
        g("newline to br, reference implementation test 1", .string("a\nb\nc"), [f("newline_to_br")], "a<br />\nb<br />\nc"),
        g("newline to br, reference implementation test 2", .string("a\r\nb\nc"), [f("newline_to_br")], "a<br />\nb<br />\nc"),
        g("newline to br, string with newlines", .string("- apples\n- oranges\n"), [f("newline_to_br")], "- apples<br />\n- oranges<br />\n"),
        g("newline to br, undefined left value", .nil, [f("newline_to_br")], ""),
        g("newline to br, unexpected argument", .string("hello"), [f("newline_to_br", .int(5))], .invalid),
        g("plus, arg string not a number", .string("10"), [f("plus", .string("foo"))], "10"),
        g("plus, float value and float arg", .double(10.1), [f("plus", .double(2.2))], "12.3"),
        g("plus, integer value and float arg", .int(10), [f("plus", .double(2.0))], "12.0"),
        g("plus, integer value and integer arg", .int(10), [f("plus", .int(2))], "12"),
        g("plus, integer value and negative integer arg", .int(10), [f("plus", .int(-2))], "8"),
        g("plus, not a string, int or float", o(), [f("plus", .int(1))], "1"),
        g("plus, string not a number", .string("foo"), [f("plus", .string("2.0"))], "2.0"),
        g("plus, string value and string arg", .string("10.1"), [f("plus", .string("2.2"))], "12.3"),
        g("plus, too many args", .int(5), [f("plus", .int(1), .string("5"))], .invalid),
        g("plus, undefined argument", .int(10), [f("plus", .nil)], "10"),
        g("plus, undefined left value", .nil, [f("plus", .int(2))], "2"),
        g("prepend, argument not a string", .string("hello"), [f("prepend", .int(5))], "5hello"),
        g("prepend, concat", .string("hello"), [f("prepend", .string("there"))], "therehello"),
        g("prepend, missing argument", .string("hello"), [f("prepend")], .invalid),
        g("prepend, not a string", .int(5), [f("prepend", .string("there"))], "there5"),
        g("prepend, too many arguments", .string("hello"), [f("prepend", .string("how"), .string("are"), .string("you"))], .invalid),
        g("prepend, undefined argument", .string("hi"), [f("prepend", .nil)], "hi"),
        g("prepend, undefined left value", .nil, [f("prepend", .string("hi"))], "hi"),
        g("reject, array containing an int, default value", .array([.string("x"), .string("y"), .string("cat"), .int(1)]), [f("reject", .string("c"))], .invalid),
        g("reject, array containing null, default value", .array([.string("x"), .string("y"), .string("cat"), .nil]), [f("reject", .string("c"))], ""),
        g("reject, array of hashes, default value", .array([o(("title", .string("foo"))), o(("title", .bool(false))), o(("title", .nil)), o(("heading", .string("baz")))]), [f("reject", .string("title"))], render: .nested("(", ",", "), "), "(title,false), (title,), (heading,baz), "),
        g("reject, array of hashes, explicit false", .array([o(("title", .bool(false))), o(("title", .string("bar"))), o(("title", .nil)), o(("heading", .string("baz")))]), [f("reject", .string("title"), .bool(false))], render: .nested("(", ",", "), "), "(title,bar), (title,), (heading,baz), "),
        g("reject, array of hashes, explicit nil", .array([o(("title", .string("foo"))), o(("title", .bool(false))), o(("title", .nil)), o(("heading", .string("baz")))]), [f("reject", .string("title"), .nil)], render: .nested("(", ",", "), "), "(title,false), (title,), (heading,baz), "),
        g("reject, array of hashes, explicit true", .array([o(("title", .bool(true))), o(("title", .string("bar"))), o(("title", .nil))]), [f("reject", .string("title"), .bool(true))], render: .nested("(", ",", "), "), "(title,bar), (title,), "),
        g("reject, array of hashes, missing property", .array([o(("heading", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("reject", .string("title"), .string("bar"))], render: .nested("(", ",", "), "), "(heading,foo), (title,), "),
        g("reject, array of hashes, string value", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil)), o(("heading", .string("baz")))]), [f("reject", .string("title"), .string("bar"))], render: .nested("(", ",", "), "), "(title,foo), (title,), (heading,baz), "),
        g("reject, array of strings, default value", .array([.string("x"), .string("y"), .string("cat")]), [f("reject", .string("c"))], render: .each(", "), "x, y, "),
        g("reject, first argument is undefined", .array([.string("x"), .string("y"), .string("cat")]), [f("reject", .nil)], render: .each(", "), ""),
        g("reject, input is a hash, default value", o(("foo", .int(1)), ("bar", .int(2)), ("baz", .int(3))), [f("reject", .string("bar"))], render: .each(", "), ""),
        g("reject, input is a hash, default value, nil match", o(("foo", .int(1)), ("bar", .nil), ("baz", .int(3))), [f("reject", .string("bar"))], render: .nested("(", ",", "), "), "(foo,1), (bar,), (baz,3), "),
        g("reject, input is a hash, default value, no match", o(("foo", .int(1)), ("bar", .int(2)), ("baz", .int(3))), [f("reject", .string("barbar"))], render: .nested("(", ",", "), "), "(foo,1), (bar,2), (baz,3), "),
        g("reject, input is a hash, explicit nil match", o(("foo", .int(1)), ("bar", .nil), ("baz", .int(3))), [f("reject", .string("bar"), .nil)], render: .nested("(", ",", "), "), "(foo,1), (bar,), (baz,3), "),
        g("reject, input is a hash, int value, match", o(("foo", .int(1)), ("bar", .int(2)), ("baz", .int(3))), [f("reject", .string("bar"), .int(2))], render: .nested("(", ",", "), "), ""),
        g("reject, input is a hash, int value, no match", o(("foo", .int(1)), ("bar", .int(2)), ("baz", .int(3))), [f("reject", .string("bar"), .int(1))], render: .nested("(", ",", "), "), "(foo,1), (bar,2), (baz,3), "),
        g("reject, input is undefined", .nil, [f("reject", .string("c"))], render: .each(", "), ""),
        g("reject, missing argument", .array([.string("x"), .string("y"), .string("cat")]), [f("reject")], render: .each(", "), .invalid),
        g("reject, nested array of hashes gets flattened", .array([.array([o(("title", .string("foo"))), o(("title", .string("bar")))]), .array([.array([o(("title", .nil))])])]), [f("reject", .string("title"), .string("bar"))], render: .nested("(", ",", "), "), "(title,foo), (title,), "),
        g("reject, second argument is undefined", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("reject", .string("title"), .nil)], render: .nested("(", ",", "), "), "(title,), "),
        g("reject, string input becomes a single element array, no match", .string("foobar"), [f("reject", .string("xx"))], render: .each(", "), "foobar, "),
        g("reject, string input becomes a single element array, substring match", .string("foobar"), [f("reject", .string("oo"))], render: .each(", "), ""),
        g("reject, too many arguments", .nil, [f("reject", .string("x"), .string("y"), .string("z"))], render: .each(", "), .invalid),
        g("remove, argument not a string", .string("hello"), [f("remove", .int(5))], "hello"),
        g("remove, missing argument", .string("hello"), [f("remove")], .invalid),
        g("remove, not a string", .int(5), [f("remove", .string("there"))], "5"),
        g("remove, remove substrings", .string("I strained to see the train through the rain"), [f("remove", .string("rain"))], "I sted to see the t through the "),
        g("remove, too many arguments", .string("hello"), [f("remove", .string("how"), .string("are"), .string("you"))], .invalid),
        g("remove, undefined argument", .string("hello"), [f("remove", .nil)], "hello"),
        g("remove, undefined left value", .nil, [f("remove", .string("rain"))], ""),
        g("remove first, argument not a string", .string("hello"), [f("remove_first", .int(5))], "hello"),
        g("remove first, missing argument", .string("hello"), [f("remove_first")], .invalid),
        g("remove first, not a string", .int(5), [f("remove_first", .string("rain"))], "5"),
        g("remove first, remove substrings", .string("I strained to see the train through the rain"), [f("remove_first", .string("rain"))], "I sted to see the train through the rain"),
        g("remove first, too many arguments", .string("hello"), [f("remove_first", .string("how"), .string("are"), .string("you"))], .invalid),
        g("remove first, undefined argument", .string("hello"), [f("remove_first", .nil)], "hello"),
        g("remove first, undefined left value", .nil, [f("remove_first", .string("rain"))], ""),
        g("remove last, argument not a string", .string("hello"), [f("remove_last", .int(5))], "hello"),
        g("remove last, missing argument", .string("hello"), [f("remove_last")], .invalid),
        g("remove last, not a string", .int(5), [f("remove_last", .string("rain"))], "5"),
        g("remove last, remove substrings", .string("I strained to see the train through the rain"), [f("remove_last", .string("rain"))], "I strained to see the train through the "),
        g("remove last, too many arguments", .string("hello"), [f("remove_last", .string("how"), .string("are"), .string("you"))], .invalid),
        g("remove last, undefined argument", .string("hello"), [f("remove_last", .nil)], "hello"),
        g("remove last, undefined left value", .nil, [f("remove_last", .string("rain"))], ""),
        g("replace, argument not a string", .string("hello"), [f("replace", .int(5), .string("your"))], "hello"),
        g("replace, left value is an object", o(), [f("replace", .string("{"), .string("!"))], "!}"),
        g("replace, missing argument", .string("hello"), [f("replace", .string("ll"))], "heo"),
        g("replace, missing arguments", .string("hello"), [f("replace")], .invalid),
        g("replace, not a string", .int(5), [f("replace", .string("rain"), .string("foo"))], "5"),
        g("replace, replace substrings", .string("Take my protein pills and put my helmet on"), [f("replace", .string("my"), .string("your"))], "Take your protein pills and put your helmet on"),
        g("replace, too many arguments", .string("hello"), [f("replace", .string("how"), .string("are"), .string("you"))], .invalid),
        g("replace, undefined first argument", .string("Take my protein"), [f("replace", .nil, .string("#"))], "#T#a#k#e# #m#y# #p#r#o#t#e#i#n#"),
        g("replace, undefined left value", .nil, [f("replace", .string("my"), .string("your"))], ""),
        g("replace, undefined second argument", .string("Take my protein pills and put my helmet on"), [f("replace", .string("my"), .nil)], "Take  protein pills and put  helmet on"),
        g("replace first, argument not a string", .string("hello5"), [f("replace_first", .int(5), .string("your"))], "helloyour"),
        g("replace first, missing argument", .string("hello"), [f("replace_first", .string("ll"))], "heo"),
        g("replace first, missing arguments", .string("hello"), [f("replace_first")], .invalid),
        g("replace first, not a string", .int(5), [f("replace_first", .string("rain"), .string("foo"))], "5"),
        g("replace first, replace substrings", .string("Take my protein pills and put my helmet on"), [f("replace_first", .string("my"), .string("your"))], "Take your protein pills and put my helmet on"),
        g("replace first, too many arguments", .string("hello"), [f("replace_first", .string("how"), .string("are"), .string("you"))], .invalid),
        g("replace first, undefined first argument", .string("Take my protein"), [f("replace_first", .nil, .string("#"))], "#Take my protein"),
        g("replace first, undefined left value", .nil, [f("replace_first", .string("my"), .string("your"))], ""),
        g("replace first, undefined second argument", .string("Take my protein pills and put my helmet on"), [f("replace_first", .string("my"), .nil)], "Take  protein pills and put my helmet on"),
        g("replace last, argument not a string", .string("hello5"), [f("replace_last", .int(5), .string("your"))], "helloyour"),
        g("replace last, missing argument", .string("hello"), [f("replace_last", .string("ll"))], .invalid),
        g("replace last, missing arguments", .string("hello"), [f("replace_last")], .invalid),
        g("replace last, not a string", .int(5), [f("replace_last", .string("rain"), .string("foo"))], "5"),
        g("replace last, replace substrings", .string("Take my protein pills and put my helmet on"), [f("replace_last", .string("my"), .string("your"))], "Take my protein pills and put your helmet on"),
        g("replace last, too many arguments", .string("hello"), [f("replace_last", .string("how"), .string("are"), .string("you"))], .invalid),
        g("replace last, undefined first argument", .string("Take my protein"), [f("replace_last", .nil, .string("#"))], "Take my protein#"),
        g("replace last, undefined left value", .nil, [f("replace_last", .string("my"), .string("your"))], ""),
        g("replace last, undefined second argument", .string("Take my protein pills and put my helmet on"), [f("replace_last", .string("my"), .nil)], "Take my protein pills and put  helmet on"),
        g("reverse, array of strings", .array([.string("b"), .string("a"), .string("B"), .string("A")]), [f("reverse"), f("join", .string("#"))], "A#B#a#b"),
        g("reverse, array of things", .array([.string("a"), .string("b"), .int(1), .array([]), o()]), [f("reverse"), f("join", .string("#"))], "{}#1#b#a"),
        g("reverse, empty array", .array([]), [f("reverse"), f("join", .string("#"))], ""),
        g("reverse, left value is undefined", .nil, [f("reverse"), f("join", .string("#"))], ""),
        g("reverse, left value not an array", .int(123), [f("reverse"), f("join", .string("#"))], "123"),
        g("reverse, unexpected argument", .array([]), [f("reverse", .int(0)), f("join", .string("#"))], .invalid),
        g("round, argument is a float", .double(5.666), [f("round", .double(1.2))], "5.7"),
        g("round, argument is a negative", .double(5.666), [f("round", .int(-2))], "0"),
        g("round, argument is a string", .double(5.666), [f("round", .string("foo"))], "6"),
        g("round, argument is a string representation of an integer", .double(5.666), [f("round", .string("1"))], "5.7"),
        g("round, argument is a string representation of zero", .double(5.666), [f("round", .string("1"))], "5.7"),
        g("round, argument is a zero", .double(5.666), [f("round", .int(0))], "6"),
        g("round, decimal places", .string("5.666666"), [f("round", .int(2))], "5.67"),
        g("round, float as a string", .string("5.6"), [f("round")], "6"),
        g("round, float round down", .double(5.1), [f("round")], "5"),
        g("round, float round up", .double(5.6), [f("round")], "6"),
        g("round, integer", .int(5), [f("round")], "5"),
        g("round, string argument", .double(5.666), [f("round", .string("1"))], "5.7"),
        g("round, too many args", .int(5), [f("round", .int(1), .int(2))], .invalid),
        g("round, undefined argument", .double(5.666), [f("round", .nil)], "6"),
        g("round, undefined left value", .nil, [f("round", .int(2))], "0"),
        g("rstrip, left and right padded", .string(" \t\r\n  hello  \t\r\n "), [f("rstrip")], " \t\r\n  hello"),
        g("rstrip, left padded", .string(" \t\r\n  hello"), [f("rstrip")], " \t\r\n  hello"),
        g("rstrip, not a string", .int(5), [f("rstrip")], "5"),
        g("rstrip, right padded", .string("hello \t\r\n  "), [f("rstrip")], "hello"),
        g("rstrip, undefined left value", .nil, [f("rstrip")], ""),
        g("rstrip, unexpected argument", .string("hello"), [f("rstrip", .int(5))], .invalid),
        g("size, size of a hash", o(("a", .int(1)), ("b", .int(2))), [f("size")], "2"),
        g("size, size of a string", .string("abc"), [f("size")], "3"),
        g("size, size of an array", .array([.string("a"), .string("b"), .string("c")]), [f("size")], "3"),
        g("size, size of an empty array", .array([]), [f("size")], "0"),
        g("size, undefined left value", .nil, [f("size")], "0"),
        g("size, unexpected argument", .array([.int(1), .int(2), .int(3)]), [f("size", .string("foo"))], .invalid),
        g("slice, first argument is a float", .string("Liquid"), [f("slice", .double(2.2))], .invalid),
        g("slice, first argument is a string", .string("hello"), [f("slice", .string("2"))], "l"),
        g("slice, first argument not an integer", .string("hello"), [f("slice", .string("foo"))], .invalid),
        g("slice, missing arguments", .string("hello"), [f("slice")], .invalid),
        g("slice, negative first argument", .string("Liquid"), [f("slice", .int(-2))], "i"),
        g("slice, negative first argument and length out of range", .string("Liquid"), [f("slice", .int(-2), .int(99))], "id"),
        g("slice, negative first argument and negative length", .string("Liquid"), [f("slice", .int(-2), .int(-1))], ""),
        g("slice, negative first argument and positive length", .string("Liquid"), [f("slice", .int(-2), .int(2))], "id"),
        g("slice, not a string", .int(5), [f("slice", .int(1))], ""),
        g("slice, one", .string("hello"), [f("slice", .int(1))], "e"),
        g("slice, one length three", .string("hello"), [f("slice", .int(1), .int(3))], "ell"),
        g("slice, out of range", .string("hello"), [f("slice", .int(99))], ""),
        g("slice, second argument is a float", .string("Liquid"), [f("slice", .int(1), .double(2.2))], .invalid),
        g("slice, second argument is a string", .string("hello"), [f("slice", .int(3), .string("2"))], "lo"),
        g("slice, second argument not an integer", .string("hello"), [f("slice", .int(5), .string("foo"))], .invalid),
        g("slice, slice an array of numbers", .array([.int(1), .int(2), .int(3), .int(4), .int(5)]), [f("slice", .int(2), .int(3)), f("join", .string("#"))], "3#4#5"),
        g("slice, too many arguments", .string("hello"), [f("slice", .int(1), .int(2), .int(3))], .invalid),
        g("slice, undefined first argument", .string("hello"), [f("slice", .nil, .int(3))], .invalid),
        g("slice, undefined left value", .nil, [f("slice", .int(1), .int(3))], ""),
        g("slice, undefined second argument", .string("hello"), [f("slice", .int(1), .nil)], "e"),
        g("slice, zero", .string("hello"), [f("slice", .int(0))], "h"),
        g("sort, argument is undefined", .array([.string("b"), .string("a")]), [f("sort", .nil), f("join", .string("#"))], "a#b"),
        g("sort, array of integers", .array([.int(1), .int(1000), .int(3), .int(30)]), [f("sort"), f("join", .string("#"))], "1#3#30#1000"),
        g("sort, array of objects", .array([o(("title", .string("foo"))), o(("title", .string("Baz"))), o(("title", .string("bar")))]), [f("sort", .string("title"))], render: .nested("(", ",", ")"), "(title,Baz)(title,bar)(title,foo)"),
        g("sort, array of objects with missing key", .array([o(("title", .string("foo"))), o(("heading", .string("Baz"))), o(("title", .string("bar")))]), [f("sort", .string("title"))], render: .nested("(", ",", ")"), "(title,bar)(title,foo)(heading,Baz)"),
        g("sort, array of strings", .array([.string("b"), .string("a"), .string("C"), .string("B"), .string("A")]), [f("sort"), f("join", .string("#"))], "A#B#C#a#b"),
        g("sort, empty array", .array([]), [f("sort"), f("join", .string("#"))], ""),
        g("sort, incompatible types", .array([.array([]), o(), .int(1), .string("4")]), [f("sort")], .invalid),
        g("sort, left value is not an array", .int(123), [f("sort"), f("join", .string("#"))], "123"),
        g("sort, left value is undefined", .nil, [f("sort"), f("join", .string("#"))], ""),
        g("sort, sort a string", .string("BzAa4"), [f("sort"), f("join", .string("#"))], "BzAa4"),
        g("sort, too many arguments", .array([.string("b"), .string("a")]), [f("sort", .string("title"), .string("foo")), f("join", .string("#"))], .invalid),
        g("sort natural, argument is undefined", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .string("Baz")))]), [f("sort_natural", .nil)], render: .nested("(", ",", ")"), "(title,bar)(title,Baz)(title,foo)"),
        g("sort natural, array of objects with a key", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .string("Baz")))]), [f("sort_natural", .string("title"))], render: .nested("(", ",", ")"), "(title,bar)(title,Baz)(title,foo)"),
        g("sort natural, array of objects with a key gets stringified", .array([o(("title", .int(9))), o(("title", .int(1111))), o(("title", .int(87)))]), [f("sort_natural", .string("title"))], render: .nested("(", ",", ")"), "(title,1111)(title,87)(title,9)"),
        g("sort natural, array of objects with a missing key", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("heading", .string("Baz")))]), [f("sort_natural", .string("title"))], render: .nested("(", ",", ")"), "(title,bar)(title,foo)(heading,Baz)"),
        g("sort natural, array of strings", .array([.string("b"), .string("a"), .string("C"), .string("B"), .string("A")]), [f("sort_natural"), f("join", .string("#"))], "a#A#b#B#C"),
        g("sort natural, array of strings with a nul", .array([.string("b"), .string("a"), .nil, .string("C"), .string("B"), .string("A")]), [f("sort_natural")], render: .joined("#"), "a#A#b#B#C#"),
        g("sort natural, empty array", .array([]), [f("sort_natural")], render: .joined("#"), ""),
        g("sort natural, incompatible types", .array([o(), .int(1), .string("4")]), [f("sort_natural")], "14{}"),
        g("sort natural, left value is not an array", .int(123), [f("sort_natural")], "123"),
        g("sort natural, left value is undefined", .nil, [f("sort_natural")], ""),
        g("split, argument does not appear in string", .string("abc"), [f("split", .string(","))], render: .indexed("#"), "#0abc"),
        g("split, argument is a newline", .string("a b\nc"), [f("split", .string("\n"))], render: .indexed("#"), "#0a b#1c"),
        g("split, argument is a single space", .string("a b\nc"), [f("split", .string(" "))], render: .indexed("#"), "#0a#1b#2c"),
        g("split, argument is false", .string("Hello there"), [f("split", .bool(false)), f("join", .string("#"))], "Hello there"),
        g("split, argument is nil", .string("Hello there"), [f("split", .nil), f("join", .string("#"))], "H#e#l#l#o# #t#h#e#r#e"),
        g("split, argument not a string", .string("hello th1ere"), [f("split", .int(1)), f("join", .string("#"))], "hello th#ere"),
        g("split, empty string and empty argument", .string(""), [f("split", .string(""))], render: .indexed(""), ""),
        g("split, empty string and single char argument", .string(""), [f("split", .string(","))], render: .indexed(""), ""),
        g("split, empty string argument", .string("abc"), [f("split", .string(""))], render: .indexed("#"), "#0a#1b#2c"),
        g("split, left matches argument", .string(","), [f("split", .string(","))], render: .indexed(""), ""),
        g("split, left matches string repr of argument", .string("1"), [f("split", .int(1))], render: .indexed(""), ""),
        g("split, missing argument", .string("hello there"), [f("split")], .invalid),
        g("split, not a string", .int(56), [f("split", .string(" ")), f("first")], "56"),
        g("split, split string", .string("Hi, how are you today?"), [f("split", .string(" ")), f("join", .string("#"))], "Hi,#how#are#you#today?"),
        g("split, too many arguments", .string("hello there"), [f("split", .string(" "), .string(","))], .invalid),
        g("split, undefined argument", .string("Hello there"), [f("split", .nil), f("join", .string("#"))], "H#e#l#l#o# #t#h#e#r#e"),
        g("split, undefined left value", .nil, [f("split", .string(" "))], ""),
        g("strip, left and right padded", .string(" \t\r\n  hello  \t\r\n "), [f("strip")], "hello"),
        g("strip, left padded", .string(" \t\r\n  hello"), [f("strip")], "hello"),
        g("strip, not a string", .int(5), [f("strip")], "5"),
        g("strip, right padded", .string("hello \t\r\n  "), [f("strip")], "hello"),
        g("strip, undefined left value", .nil, [f("strip")], ""),
        g("strip, unexpected argument", .string("hello"), [f("strip", .int(5))], .invalid),
        g("strip html, html block", .string("<div>test</div>"), [f("strip_html")], "test"),
        g("strip html, html block with id", .string("<div id='test'>test</div>"), [f("strip_html")], "test"),
        g("strip html, html block with newline", .string("<div\nclass='multiline'>test</div>"), [f("strip_html")], "test"),
        g("strip html, html comment with newline", .string("<!-- foo bar \n test -->test"), [f("strip_html")], "test"),
        g("strip html, not a string", .int(5), [f("strip_html")], "5"),
        g("strip html, script block", .string("<script type='text/javascript'>document.write('some stuff');</script>"), [f("strip_html")], ""),
        g("strip html, some HTML markup", .string("Have <em>you</em> read <strong>Ulysses</strong> &amp; &#20;?"), [f("strip_html")], "Have you read Ulysses &amp; &#20;?"),
        g("strip html, some HTML markup with HTML comment", .string("<!-- Have --><em>you</em> read <strong>Ulysses</strong> &amp; &#20;?"), [f("strip_html")], "you read Ulysses &amp; &#20;?"),
        g("strip html, style block", .string("<style type='text/css'>foo bar</style>"), [f("strip_html")], ""),
        g("strip html, undefined left value", .nil, [f("strip_html")], ""),
        g("strip html, unexpected argument", .string("hello"), [f("strip_html", .int(5))], .invalid),
        g("strip newlines, newline and other whitespace", .string("hello there\nyou"), [f("strip_newlines")], "hello thereyou"),
        g("strip newlines, not a string", .int(5), [f("strip_newlines")], "5"),
        g("strip newlines, reference implementation test 1", .string("a\nb\nc"), [f("strip_newlines")], "abc"),
        g("strip newlines, reference implementation test 2", .string("a\r\nb\nc"), [f("strip_newlines")], "abc"),
        g("strip newlines, undefined left value", .nil, [f("strip_newlines")], ""),
        g("strip newlines, unexpected argument", .string("hello"), [f("strip_newlines", .int(5))], .invalid),
        g("sum, empty sequence", .array([]), [f("sum")], "0"),
        g("sum, hashes with numeric strings and property argument", .array([o(("k", .string("1"))), o(("k", .string("2"))), o(("k", .string("3")))]), [f("sum", .string("k"))], "6"),
        g("sum, hashes with property argument", .array([o(("k", .int(1))), o(("k", .int(2))), o(("k", .int(3)))]), [f("sum", .string("k"))], "6"),
        g("sum, hashes with some missing properties", .array([o(("k", .int(1))), o(("k", .int(2))), o(("x", .int(3)))]), [f("sum", .string("k"))], "3"),
        g("sum, hashes without property argument", .array([o(("k", .int(1))), o(("k", .int(2))), o(("k", .int(3)))]), [f("sum")], "0"),
        g("sum, ints", .array([.int(1), .int(2), .int(3)]), [f("sum")], "6"),
        g("sum, negative ints", .array([.int(-1), .int(-2), .int(-3)]), [f("sum")], "-6"),
        g("sum, negative strings", .array([.string("-1"), .string("-2"), .string("-3")]), [f("sum")], "-6"),
        g("sum, nested ints", .array([.int(1), .array([.int(2), .array([.int(3)])])]), [f("sum")], "6"),
        g("sum, only zeros", .array([.int(0), .int(0), .int(0)]), [f("sum")], "0"),
        g("sum, positive and negative ints", .array([.int(-2), .int(-3), .int(10)]), [f("sum")], "5"),
        g("sum, properties arguments with non-hash items", .array([.int(1), .int(2), .int(3)]), [f("sum", .string("k"))], .invalid),
        g("times, float times float", .double(5.0), [f("times", .double(2.1))], "10.5"),
        g("times, int times float", .int(5), [f("times", .double(2.1))], "10.5"),
        g("times, int times int", .int(5), [f("times", .int(2))], "10"),
        g("times, missing arg", .int(5), [f("times")], .invalid),
        g("times, negative multiplication", .int(-5), [f("times", .int(2))], "-10"),
        g("times, string times string", .string("5.0"), [f("times", .string("2.1"))], "10.5"),
        g("times, too many args", .int(5), [f("times", .int(1), .int(2))], .invalid),
        g("times, undefined argument", .int(5), [f("times", .nil)], "0"),
        g("times, undefined left value", .nil, [f("times", .int(2))], "0"),
        g("truncate, custom end", .string("Ground control to Major Tom."), [f("truncate", .int(25), .string(", and so on"))], "Ground control, and so on"),
        g("truncate, default end", .string("Ground control to Major Tom."), [f("truncate", .int(20))], "Ground control to..."),
        g("truncate, default length is 50", .string("Ground control to Major Tom. Ground control to Major Tom."), [f("truncate")], "Ground control to Major Tom. Ground control to ..."),
        g("truncate, no end", .string("Ground control to Major Tom."), [f("truncate", .int(20), .string(""))], "Ground control to Ma"),
        g("truncate, not a string", .int(5), [f("truncate", .int(10))], "5"),
        g("truncate, string is shorter than length", .string("Ground control"), [f("truncate", .int(20))], "Ground control"),
        g("truncate, too many arguments", .string("hello"), [f("truncate", .int(5), .string("foo"), .string("bar"))], .invalid),
        g("truncate, undefined first argument", .string("Ground control to Major Tom."), [f("truncate", .nil)], .invalid),
        g("truncate, undefined left value", .nil, [f("truncate", .int(5))], ""),
        g("truncate, undefined second argument", .string("Ground control to Major Tom."), [f("truncate", .int(20), .nil)], "Ground control to Ma"),
        g("truncatewords, all whitespace is clobbered", .string("    one    two three    four  "), [f("truncatewords", .int(2))], "one two..."),
        g("truncatewords, custom end", .string("Ground control to Major Tom."), [f("truncatewords", .int(3), .string("--"))], "Ground control to--"),
        g("truncatewords, default end", .string("Ground control to Major Tom."), [f("truncatewords", .int(3))], "Ground control to..."),
        g("truncatewords, fewer words than word count", .string("Ground control"), [f("truncatewords", .int(3))], "Ground control"),
        g("truncatewords, no end", .string("Ground control to Major Tom."), [f("truncatewords", .int(3), .string(""))], "Ground control to"),
        g("truncatewords, not a string", .int(5), [f("truncatewords", .int(10))], "5"),
        g("truncatewords, number of words defaults to 15", .string("a b c d e f g h i j k l m n o p q"), [f("truncatewords")], "a b c d e f g h i j k l m n o..."),
        g("truncatewords, reference implementation test 1", .string("测试测试测试测试"), [f("truncatewords", .int(5))], "测试测试测试测试"),
        g("truncatewords, reference implementation test 2", .string("one two three"), [f("truncatewords", .int(2), .int(1))], "one two1"),
        g("truncatewords, reference implementation test 3", .string("one  two\tthree\nfour"), [f("truncatewords", .int(3))], "one two three..."),
        g("truncatewords, reference implementation test 4", .string("one two three four"), [f("truncatewords", .int(2))], "one two..."),
        g("truncatewords, reference implementation test 5", .string("one two three four"), [f("truncatewords", .int(0))], "one..."),
        g("truncatewords, too many arguments", .string("hello"), [f("truncatewords", .int(5), .string("foo"), .string("bar"))], .invalid),
        g("truncatewords, undefined first argument", .string("one two three four"), [f("truncatewords", .nil)], .invalid),
        g("truncatewords, undefined left value", .nil, [f("truncatewords", .int(5))], ""),
        g("truncatewords, undefined second argument", .string("one two three four"), [f("truncatewords", .int(2), .nil)], "one two"),
        g("uniq, array of objects with key property", .array([o(("title", .string("foo")), ("name", .string("a"))), o(("title", .string("foo")), ("name", .string("b"))), o(("title", .string("bar")), ("name", .string("c")))]), [f("uniq", .string("title"))], render: .nested("(", ",", ")"), "(title,foo)(name,a)(title,bar)(name,c)"),
        g("uniq, array of objects with missing key property", .array([o(("title", .string("foo")), ("name", .string("a"))), o(("title", .string("foo")), ("name", .string("b"))), o(("title", .string("bar")), ("name", .string("c"))), o(("heading", .string("bar")), ("name", .string("c"))), o(("heading", .string("baz")), ("name", .string("d")))]), [f("uniq", .string("title"))], render: .nested("(", ",", ")"), "(title,foo)(name,a)(title,bar)(name,c)(heading,bar)(name,c)"),
        g("uniq, array of strings", .array([.string("a"), .string("b"), .string("b"), .string("a")]), [f("uniq"), f("join", .string("#"))], "a#b"),
        g("uniq, array of things", .array([.string("a"), .string("b"), .int(1), .int(1)]), [f("uniq"), f("join", .string("#"))], "a#b#1"),
        g("uniq, empty array", .array([]), [f("uniq"), f("join", .string("#"))], ""),
        g("uniq, left value is not an array", .int(123), [f("uniq"), f("join", .string("#"))], "123"),
        g("uniq, left value is undefined", .nil, [f("uniq"), f("join", .string("#"))], ""),
        g("uniq, too many arguments", .nil, [f("uniq", .string("foo"), .string("bar"))], .invalid),
        g("uniq, unhashable items", .array([.string("a"), .string("b"), .array([]), o(), o()]), [f("uniq"), f("join", .string("#"))], "a#b#{}"),
        g("upcase, make lower case", .string("hello"), [f("upcase")], "HELLO"),
        g("upcase, not a string", .int(5), [f("upcase")], "5"),
        g("upcase, undefined left value", .nil, [f("upcase")], ""),
        g("upcase, unexpected argument", .string("hello"), [f("upcase", .int(5))], .invalid),
        g("url decode, not a string", .int(5), [f("url_decode")], "5"),
        g("url decode, some special URL characters", .string("email+address+is+bob%40example.com%21"), [f("url_decode")], "email address is bob@example.com!"),
        g("url decode, undefined left value", .nil, [f("url_decode")], ""),
        g("url decode, unexpected argument", .string("hello"), [f("url_decode", .int(5))], .invalid),
        g("url encode, not a string", .int(5), [f("url_encode")], "5"),
        g("url encode, some special URL characters", .string("email address is bob@example.com!"), [f("url_encode")], "email+address+is+bob%40example.com%21"),
        g("url encode, undefined left value", .nil, [f("url_encode")], ""),
        g("url encode, unexpected argument", .string("hello"), [f("url_encode", .int(5))], .invalid),
        g("where, array of hashes", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("where", .string("title"))], render: .nested("(", ",", ")"), "(title,foo)(title,bar)"),
        g("where, array of hashes with a missing key", .array([o(("heading", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("where", .string("title"), .string("bar"))], render: .nested("(", ",", ")"), "(title,bar)"),
        g("where, array of hashes with equality test", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("where", .string("title"), .string("bar"))], render: .nested("(", ",", ")"), "(title,bar)"),
        g("where, both arguments are undefined", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("where", .nil, .nil)], ""),
        g("where, first argument is undefined", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("where", .nil)], ""),
        g("where, left value is not an array", .int(123), [f("where", .string("title"))], .invalid),
        g("where, left value is undefined", .nil, [f("where", .string("title"))], ""),
        g("where, missing argument", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("where")], .invalid),
        g("where, second argument is undefined", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("where", .string("title"), .nil)], render: .nested("(", ",", ")"), "(title,foo)(title,bar)"),
        g("where, too many arguments", .array([o(("title", .string("foo"))), o(("title", .string("bar"))), o(("title", .nil))]), [f("where", .string("title"), .string("foo"), .string("bar"))], .invalid),
        g("where, value is explicit nil", .array([o(("b", .bool(false))), o(("b", .string("bar"))), o(("b", .nil))]), [f("where", .string("b"), .nil)], render: .nested("(", ",", ")"), "(b,bar)"),
        g("where, value is false", .array([o(("b", .bool(false))), o(("b", .string("bar"))), o(("b", .nil))]), [f("where", .string("b"), .bool(false))], render: .nested("(", ",", ")"), "(b,false)"),
        // "divided by, render" ({{ 5.0 }} {{ 5 }}) has no filter: it is the renderer's case.
]

@Suite struct GoldenFilterTests {
    @Test(arguments: goldenCases)
    func golden(_ c: GoldenCase) {
        let result: Value
        do {
            result = try run(c.input, c.calls)
        } catch {
            switch error {
            case .rejected(let why):
                if case .invalid = c.expectation { return }
                Issue.record("refused: \(why)")
            case .failed(let failure):
                if case .invalid = c.expectation {
                    #expect(failure.kind == .render, "\(failure.message)")
                    return
                }
                Issue.record("threw: \(failure.message)")
            }
            return
        }
        let rendered = c.rendering.render(result)
        switch c.expectation {
        case .text(let expected): #expect(rendered == expected)
        case .oneOf(let options): #expect(options.contains(rendered), "\(rendered)")
        case .invalid: Issue.record("expected an error, got \(rendered)")
        }
    }

    @Test func everyGoldenFilterIsRegistered() {
        let names = Set(goldenCases.flatMap { $0.calls.map(\.name) })
        for name in names { #expect(FilterRegistry.standard[name] != nil, "\(name)") }
        #expect(goldenCases.count == 568)
    }
}

// MARK: - Beyond the golden suite

/// Ruby behaviour the golden suite does not pin, one chain per line.
private let rubyEdgeCases: [GoldenCase] = [
    // Text
    g("upcase, full case mapping", "straße", [f("upcase")], "STRASSE"),
    g("capitalize, rest lowered", "hELLO wORLD", [f("capitalize")], "Hello world"),
    g("capitalize, non-ASCII first letter", "élan", [f("capitalize")], "Élan"),
    g("strip, NUL and ASCII whitespace", "\u{0}\t hi \n\u{0}", [f("strip")], "hi"),
    g("strip, other spaces are kept", "\u{A0}hi", [f("strip")], "\u{A0}hi"),
    g("split, leading empty fields kept, trailing dropped", ",a,,b,,", [f("split", ","), f("join", "|")], "|a||b"),
    g("split, whitespace runs with a single space", "  a \t b\n", [f("split", " "), f("join", "|")], "a|b"),
    g("split, characters are code points", "e\u{301}x", [f("split", ""), f("size")], "3"),
    g("replace, \\0 is the match", "hello", [f("replace", "l", "[\\0]")], "he[l][l]o"),
    g("replace, \\\\ is a backslash", "a.b", [f("replace", ".", "\\\\")], "a\\b"),
    g("replace, \\` is the text before", "abc", [f("replace", "b", "<\\`>")], "a<a>c"),
    g("replace, \\' is the text after", "abc", [f("replace", "b", "<\\'>")], "a<c>c"),
    g("replace, groups are empty", "abc", [f("replace", "b", "<\\1>")], "a<>c"),
    g("replace, other escapes stay", "abc", [f("replace", "b", "\\n")], "a\\nc"),
    g("replace, matches do not overlap", "aaaa", [f("replace", "aa", "b")], "bb"),
    g("replace_first, only the first", "a-b-c", [f("replace_first", "-", "+")], "a+b-c"),
    g("replace_last, literal replacement", "a.b.c", [f("replace_last", ".", "\\0")], "a.b\\0c"),
    g("replace_last, overlapping last match", "aaa", [f("replace_last", "aa", "b")], "ab"),
    g("remove_last, empty pattern", "abc", [f("remove_last", "")], "abc"),
    g("append, an array is written as inspect", .array(["a", 1, .nil]), [f("append", "!")], "[\"a\", 1, nil]!"),
    g("append, a float as Ruby writes it", 1e20, [f("append", "")], "1.0e+20"),
    g("slice, code points", "héllo", [f("slice", 1)], "é"),
    g("slice, array negative offset", .array([1, 2, 3, 4, 5]), [f("slice", -2, 2), f("join", "#")], "4#5"),
    g("slice, array offset at the end", .array([1, 2]), [f("slice", 2), f("size")], "0"),
    g("slice, array offset past the end", .array([1, 2]), [f("slice", 3), f("size")], "0"),
    g("slice, integer string with underscores", "hello", [f("slice", "1_0")], ""),
    g("slice, hexadecimal offset", "hello", [f("slice", "0x1")], "e"),
    g("slice, huge offset", "hello", [f("slice", "99999999999999999999999")], ""),
    g("slice, a range is sliced as its text", .range(1...5), [f("slice", 0, 3)], "1.."),
    g("slice, boolean offset", "hello", [f("slice", true)], .invalid),
    g("truncate, counts code points", "héllo wörld", [f("truncate", 7)], "héll..."),
    g("truncate, negative length", "hello", [f("truncate", -5)], "..."),
    g("truncate, ellipsis longer than length", "hello world", [f("truncate", 2, "...")], "..."),
    g("truncatewords, huge count", "one two", [f("truncatewords", .int(Int.max))], "one two"),
    g("truncatewords, string count", "one two three", [f("truncatewords", "2")], "one two..."),
    // Lists
    g("size, code points", "héllo", [f("size")], "5"),
    g("size, an integer is a machine word", 5, [f("size")], "8"),
    g("size, a float has none", 5.5, [f("size")], "0"),
    g("size, a huge range is not built", .range(1...1_000_000_000), [f("size")], "1000000000"),
    g("first, huge range", .range(-5...1_000_000_000), [f("first")], "-5"),
    g("last, huge range", .range(-5...1_000_000_000), [f("last")], "1000000000"),
    g("join, nested arrays flatten", .array(["a", .array(["b", .array(["c"])])]), [f("join", ",")], "a,b,c"),
    g("join, nil items are empty", .array(["a", .nil, "b"]), [f("join", ",")], "a,,b"),
    g("join, objects as inspect", .array([o(("k", "v"))]), [f("join", ",")], "{\"k\" => \"v\"}"),
    g("sort, int and float together", .array([3, 1.5, 2]), [f("sort"), f("join", "#")], "1.5#2#3"),
    g("sort, nil last", .array([.nil, 2, 1]), [f("sort"), f("join", "#")], "1#2#"),
    g("sort, string and number", .array(["b", 1]), [f("sort")], .invalid),
    g("sort, bytewise", .array(["é", "z", "Z"]), [f("sort"), f("join", "#")], "Z#z#é"),
    g("sort, by property with a non-object", .array([o(("a", 1)), 2.5]), [f("sort", "a")], ""),
    g("sort, stable among equals", .array([o(("k", 1), ("n", "x")), o(("k", 0)), o(("k", 1), ("n", "y"))]),
      [f("sort", "k"), f("map", "n"), f("join", "#")], "#x#y"),
    g("sort_natural, ASCII folded to lower case", .array(["b", "A", "_c"]), [f("sort_natural"), f("join", "#")], "_c#A#b"),
    g("uniq, 1 and 1.0 differ", .array([1, 1.0, "1", 1]), [f("uniq"), f("join", "#")], "1#1.0#1"),
    g("uniq, by property, nil item", .array([o(("a", 1)), .nil]), [f("uniq", "a")], ""),
    g("where, numbers compare by value", .array([o(("n", 1)), o(("n", 2))]), [f("where", "n", 1.0), f("map", "n")], "1"),
    g("where, strings are not coerced", .array([o(("n", 1))]), [f("where", "n", "1"), f("size")], "0"),
    g("where, float item", .array([1.5]), [f("where", "a")], ""),
    g("find_index, in a flattened list", .array([.array(["x"]), "yz"]), [f("find_index", "z")], "1"),
    g("has, integer bits", .array([4]), [f("has", 2)], "true"),
    g("map, to_liquid gives the items", .array([1, .array([2])]), [f("map", "to_liquid"), f("join", "#")], "1#2"),
    g("map, string items", .array(["title", "x"]), [f("map", "it"), f("join", "#")], "it#"),
    g("concat, a range argument", .array([1]), [f("concat", .range(1...2))], .invalid),
    g("concat, the argument is not flattened", .array([1]), [f("concat", .array([.array([2, 3])])), f("size")], "2"),
    g("compact, by property", .array([o(("a", 1)), o(("a", .nil)), o(("b", 2))]), [f("compact", "a"), f("size")], "1"),
    g("reverse, a range", .range(1...3), [f("reverse"), f("join", "#")], "3#2#1"),
    g("default, allow_false keeps false", false, [f("default", "x", kw: [("allow_false", true)])], "false"),
    g("default, allow_false still replaces nil", .nil, [f("default", "x", kw: [("allow_false", true)])], "x"),
    g("default, undefined default", "", [f("default", .nil)], ""),
    g("default, whitespace is not empty", " ", [f("default", "x")], " "),
    g("sum, floats are decimal", .array([0.1, 0.2]), [f("sum")], "0.3"),
    g("sum, strings and ints", .array(["1.5", 2]), [f("sum")], "3.5"),
    g("sum, overflow", .array([.int(Int.max), 1]), [f("sum")], .invalid),
    g("sum, nested property values", .array([o(("k", .array([1, 2]))), o(("k", 3))]), [f("sum", "k")], "6"),
    // Math
    g("plus, decimal arithmetic", 0.1, [f("plus", 0.2)], "0.3"),
    g("times, decimal arithmetic", 1.1, [f("times", 1.1)], "1.21"),
    g("minus, decimal arithmetic", 0.3, [f("minus", 0.1)], "0.2"),
    g("plus, integer string", "3", [f("plus", 1)], "4"),
    g("plus, decimal string", "2.0", [f("plus", 1)], "3.0"),
    g("plus, to_i reads a prefix", " 12abc", [f("plus", 0)], "12"),
    g("plus, to_i reads underscores", "1_000", [f("plus", 0)], "1000"),
    g("plus, exponent strings are to_i", "1e3", [f("plus", 0)], "1"),
    g("plus, overflow", .int(Int.max), [f("plus", 1)], .invalid),
    g("plus, string too large", "99999999999999999999", [f("plus", 1)], .invalid),
    g("minus, overflow", .int(Int.min), [f("minus", 1)], .invalid),
    g("times, overflow", .int(Int.max), [f("times", 2)], .invalid),
    g("times, huge floats", 1e300, [f("times", 1e10)], "Infinity"),
    g("divided_by, floor division", -7, [f("divided_by", 2)], "-4"),
    g("divided_by, floor division, negative divisor", 7, [f("divided_by", -2)], "-4"),
    g("divided_by, exact", -8, [f("divided_by", 2)], "-4"),
    g("divided_by, overflow", .int(Int.min), [f("divided_by", -1)], .invalid),
    g("divided_by, float zero", 7, [f("divided_by", 0.0)], .invalid),
    g("divided_by, decimal", 1, [f("divided_by", 3.0)], "0.3333333333333333"),
    g("modulo, divisor's sign", -7, [f("modulo", 2)], "1"),
    g("modulo, negative divisor", 7, [f("modulo", -2)], "-1"),
    g("modulo, float divisor's sign", -7.5, [f("modulo", 2)], "0.5"),
    g("modulo, by -1", .int(Int.min), [f("modulo", -1)], "0"),
    g("modulo, zero", 1, [f("modulo", 0)], .invalid),
    g("modulo, float zero", 1.5, [f("modulo", 0.0)], .invalid),
    g("abs, Int.min", .int(Int.min), [f("abs")], .invalid),
    g("round, half away from zero", 2.5, [f("round")], "3"),
    g("round, negative half away from zero", -2.5, [f("round")], "-3"),
    g("round, decimal half up", 2.675, [f("round", 2)], "2.68"),
    g("round, negative decimal half up", -2.675, [f("round", 2)], "-2.68"),
    g("round, integer to tens", 1250, [f("round", -2)], "1300"),
    g("round, negative integer to tens", -1250, [f("round", -2)], "-1300"),
    g("round, integer, positive digits", 5, [f("round", 2)], "5"),
    g("round, float to hundreds is an integer", 1234.5678, [f("round", -2)], "1200"),
    g("round, many digits", 0.1, [f("round", 40)], "0.1"),
    g("round, too large for an integer", 1e300, [f("round")], .invalid),
    g("ceil, too large for an integer", 1e300, [f("ceil")], .invalid),
    g("floor, negative", -0.5, [f("floor")], "-1"),
    g("at_least, float bound", 5, [f("at_least", 5.5)], "5.5"),
    g("at_most, float input kept", 5.5, [f("at_most", 6)], "5.5"),
    g("at_least, exact int and float comparison", .int(9_007_199_254_740_993), [f("at_least", 9_007_199_254_740_992.0)], "9007199254740993"),
    // Encoding
    g("escape, all five", "<a href='x'>\"&amp;\"</a>", [f("escape")], "&lt;a href=&#39;x&#39;&gt;&quot;&amp;amp;&quot;&lt;/a&gt;"),
    g("h, alias of escape", "<b>", [f("h")], "&lt;b&gt;"),
    g("escape, nil stays nil", .nil, [f("escape")], ""),
    g("escape_once, entities kept", "&amp; &#39; &lt;", [f("escape_once")], "&amp; &#39; &lt;"),
    g("escape_once, not entities", "&#x27; & &foo &1;", [f("escape_once")], "&amp;#x27; &amp; &amp;foo &amp;1;"),
    g("url_encode, UTF-8 and reserved", "héllo wörld/~*", [f("url_encode")], "h%C3%A9llo+w%C3%B6rld%2F~%2A"),
    g("url_decode, partial escapes stay", "%E2%9C%93+ok%zz%4", [f("url_decode")], "✓ ok%zz%4"),
    g("url_decode, not UTF-8", "%FF", [f("url_decode")], .invalid),
    g("base64_url_safe_decode, no padding", "NQ", [f("base64_url_safe_decode")], "5"),
    g("base64_decode, padding required", "NQ", [f("base64_decode")], .invalid),
    g("base64_decode, stray bits", "NR==", [f("base64_decode")], .invalid),
    g("base64_decode, not UTF-8", "/w==", [f("base64_decode")], .invalid),
    g("base64_decode, bad character", "N!==", [f("base64_decode")], .invalid),
    g("base64_url_safe_encode, URL alphabet", "\u{FB}\u{FF}\u{FE}", [f("base64_url_safe_encode")], "w7vDv8O-"),
    g("base64_encode, standard alphabet", "\u{FB}\u{FF}\u{FE}", [f("base64_encode")], "w7vDv8O+"),
    g("strip_html, tags are case-sensitive blocks", "<SCRIPT>x</SCRIPT>y", [f("strip_html")], "xy"),
    g("strip_html, a lone <", "a < b", [f("strip_html")], "a < b"),
    g("strip_html, an unclosed tag", "a <b", [f("strip_html")], "a <b"),
    g("strip_html, an unclosed comment", "<!-- x -->y<!-- z", [f("strip_html")], "y<!-- z"),
    g("strip_html, blocks then tags", "<p>a</p><script>1</script><style>s</style>b", [f("strip_html")], "ab"),
    g("strip_html, lazy blocks", "<script>1</script>k<script>2</script>", [f("strip_html")], "k"),
    g("strip_html, empty tag", "a<>b", [f("strip_html")], "ab"),
    g("newline_to_br, lone CR kept", "a\r\nb\rc\n", [f("newline_to_br")], "a<br />\nb\rc<br />\n"),
    g("strip_newlines, lone CR kept", "a\r\nb\rc\n", [f("strip_newlines")], "ab\rc"),
]

@Suite struct RubyEdgeCaseTests {
    @Test(arguments: rubyEdgeCases)
    func edge(_ c: GoldenCase) {
        GoldenFilterTests().golden(c)
    }
}

// MARK: - Dates

/// 2016-03-14 10:05:09 UTC, a Monday.
private let monday: Value = .int(1_457_949_909)

/// `strftime` directives against 2016-03-14 10:05:09 UTC: (format, expected).
private let strftimeCases: [(String, String)] = [
    ("%a %A %b %B %h", "Mon Monday Mar March Mar"),
    ("%c", "Mon Mar 14 10:05:09 2016"),
    ("%C %d %D %e %F", "20 14 03/14/16 14 2016-03-14"),
    ("%H %I %j %k %l %m %M", "10 10 074 10 10 03 05"),
    ("%p %P %s %S %T", "AM am 1457949909 09 10:05:09"),
    ("%u %U %w %W %x %X %y %Y", "1 11 1 11 03/14/16 10:05:09 16 2016"),
    ("%z %:z %::z %Z %%", "+0000 +00:00 +00:00:00 UTC %"),
    ("%G %g %V %Q", "2016 16 11 1457949909000"),
    ("%r %R %v %+", "10:05:09 AM 10:05 14-MAR-2016 Mon Mar 14 10:05:09 UTC 2016"),
    ("%-d %-m %_m %05d %3d %-3d %_3d", "14 3  3 00014 014 14  14"),
    ("%^B %^a %#p %#b %#A %^P", "MARCH MON am MAR MONDAY AM"),
    ("%10A|%-10A|%010A|%_5B", "    Monday|Monday|0000Monday|March"),
    ("%L %N %3N %12N", "000 000000000 000 000000000000"),
    ("%n%t", "\n\t"),
    ("%Ey %Od %EY", "16 14 2016"),
    ("%K %Ez %:d 100%", "%K %Ez %:d 100%"),
    ("%64d", String(repeating: "0", count: 62) + "14"),
    ("", "1457949909"),
]

/// Russian names, genitive months: (timestamp, format, expected).
private let russianCases: [(Int, String, String)] = [
    (1_795_953_600, "%-d %B %Y", "29 ноября 2026"),
    (1_795_953_600, "%a, %A, %b", "вс, воскресенье, нояб."),
    (1_795_953_600, "%^B %^a", "НОЯБРЯ ВС"),
    (1_457_949_909, "%A %-d %B", "понедельник 14 марта"),
    (1_457_949_909, "%e %b %Y", "14 мар. 2016"),
    (1_457_949_909, "%d.%m.%Y %H:%M", "14.03.2016 10:05"),
]

/// Date inputs that must read as 2016-03-14 10:05:09 UTC.
private let mondayInputs: [String] = [
    "2016-03-14T10:05:09Z", "2016-03-14t10:05:09z", "2016-03-14 10:05:09", "2016-03-14 10:05:09 +0000",
    "2016-03-14T13:05:09+03:00", "2016-03-14T13:05:09+0300", "2016-03-14T07:05:09-03", "2016-03-14T10:05:09.75Z",
    "Mon, 14 Mar 2016 10:05:09 +0000", "Mon, 14 Mar 2016 10:05:09 GMT", "Monday, March 14, 2016 10:05:09",
    "March 14, 2016 10:05:09", "March 14th, 2016 10:05:09 am", "Mar. 14 2016 10:05:09", "14 March 2016 10:05:09",
    "14-Mar-2016 10:05:09", "14.03.2016 10:05:09", "14/03/2016 10:05:09", "2016/03/14 10:05:09",
    "Mon Mar 14 10:05:09 UTC 2016", "  2016-03-14 10:05:09  ", "2016-03-14 10:05:09 UTC+00:00",
    "2016-03-14 10:05:09 am",
]

/// Inputs `date` must hand back unchanged.
private let unreadableDates: [Value] = [
    "not a date", "2016-13-45", "2016-03-14 25:00", "-1152098955", "14/03/16", "March 123", "10 o'clock", 3.5, true,
    .array([1]), .string(String(repeating: "9", count: 5) + " March 2016 " + String(repeating: " ", count: 130)),
]

@Suite struct DateFilterTests {
    @Test(arguments: strftimeCases)
    func directive(_ format: String, _ expected: String) throws {
        #expect(try text("date", monday, .string(format)) == expected)
    }

    @Test(arguments: russianCases)
    func russian(_ seconds: Int, _ format: String, _ expected: String) throws {
        #expect(try text("date", .int(seconds), .string(format), options: RenderOptions(locale: "ru")) == expected)
    }

    @Test func russianMonthsAreGenitive() throws {
        let full = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                    "октября", "ноября", "декабря"]
        let short = ["янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."]
        let ru = RenderOptions(locale: "ru")
        for month in 1...12 {
            let date = Value.string("2026-\(month < 10 ? "0" : "")\(month)-01")
            #expect(try text("date", date, "%B", options: ru) == full[month - 1])
            #expect(try text("date", date, "%b", options: ru) == short[month - 1])
        }
        let weekdays = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"]
        let shortWeekdays = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
        for day in 0..<7 {
            let date = Value.string("2026-11-\(23 + day)")
            #expect(try text("date", date, "%A %a", options: ru) == "\(weekdays[day]) \(shortWeekdays[day])")
        }
    }

    @Test(arguments: mondayInputs)
    func readsDateStrings(_ input: String) throws {
        #expect(try text("date", .string(input), "%Y-%m-%d %H:%M:%S %z") == "2016-03-14 10:05:09 +0000", "\(input)")
    }

    @Test(arguments: unreadableDates)
    func unreadableInputComesBack(_ input: Value) throws {
        #expect(try apply("date", input, "%Y") == input)
    }

    @Test func widthIsCapped() {
        #expect(errorKind("date", monday, "%5000000d") == .limit)
        #expect(errorKind("date", monday, "%65d") == .limit)
        #expect(errorKind("date", monday, "%099999999999999999999999Y") == .limit)
        #expect(errorKind("date", monday, "%64d") == nil)
    }

    @Test func outputIsBounded() {
        let format = Value.string(String(repeating: "%64c", count: 20_000))
        #expect(errorKind("date", monday, format) == .limit)
    }

    @Test func nowAndToday() throws {
        let options = RenderOptions(now: Date(timeIntervalSince1970: 1_457_949_909.25))
        #expect(try text("date", "now", "%s %L", options: options) == "1457949909 250")
        #expect(try text("date", "Today", "%F", options: options) == "2016-03-14")
        #expect(try text("date", "10:30", "%F %T", options: options) == "2016-03-14 10:30:00")
        #expect(try text("date", "March 1", "%F", options: options) == "2016-03-01")
        #expect(try text("date", "now", "%Y").count == 4)
    }

    @Test func timeZones() throws {
        let moscow = RenderOptions(timeZone: try #require(TimeZone(identifier: "Europe/Moscow")))
        #expect(try text("date", monday, "%H:%M %z", options: moscow) == "13:05 +0300")
        #expect(try text("date", monday, "%H:%M %Z", options: moscow) == "13:05 MSK")
        #expect(try text("date", "2016-03-14 10:00", "%s", options: moscow) == "1457938800")
        #expect(try text("date", "2016-03-14T10:00:00Z", "%H:%M", options: moscow) == "13:00")
        let kolkata = RenderOptions(timeZone: try #require(TimeZone(identifier: "Asia/Kolkata")))
        #expect(try text("date", monday, "%z %:z %::z %:::z %-z", options: kolkata) == "+0530 +05:30 +05:30:00 +05:30 +530")
        let newYork = RenderOptions(timeZone: try #require(TimeZone(identifier: "America/New_York")))
        #expect(try text("date", "2016-07-01 12:00", "%H:%M %z", options: newYork) == "12:00 -0400")
        #expect(try text("date", "2016-01-01 12:00", "%H:%M %z", options: newYork) == "12:00 -0500")
    }

    @Test func fractionsAndOldDates() throws {
        let fraction = Value.string("2016-03-14T10:05:09.123456789Z")
        #expect(try text("date", fraction, "%N %3N %L %6L %12N") == "123456789 123 123 123456 123456789000")
        #expect(try text("date", -1, "%Y-%m-%d %H:%M:%S %s") == "1969-12-31 23:59:59 -1")
        #expect(try text("date", "0005-03-01", "%Y %C %y %s") == "0005 00 05 -62004268800")
        #expect(try text("date", "2016-12-31", "%j") == "366")
        #expect(try text("date", "2021-01-01", "%G-%V %U %W %u") == "2020-53 00 00 5")
        #expect(try text("date", "2026-11-29 23:59", "%G-%V %U %W %I %l %p") == "2026-48 48 47 11 11 PM")
        #expect(try text("date", "2016-02-30", "%F") == "2016-03-01")
    }
}

// MARK: - Safety bounds

/// Options whose string bound is `bytes`.
private func smallStrings(_ bytes: Int) -> RenderOptions {
    var limits = TemplateLimits()
    limits.maxStringBytes = bytes
    return RenderOptions(limits: limits)
}

@Suite struct FilterLimitTests {
    @Test func stringsCannotGrowPastTheBound() {
        let tiny = smallStrings(10)
        #expect(errorKind("append", "hello", "world!", options: tiny) == .limit)
        #expect(errorKind("prepend", "hello", "world!", options: tiny) == .limit)
        #expect(errorKind("append", "hello", "world", options: tiny) == nil)
        #expect(errorKind("join", .range(1...20), ",", options: tiny) == .limit)
        #expect(errorKind("join", .array(["a", "b"]), .string(String(repeating: "x", count: 20)), options: tiny) == .limit)
        #expect(errorKind("replace", "aaaa", "a", "xxxxxxxx", options: tiny) == .limit)
        #expect(errorKind("replace", .string(String(repeating: "a", count: 2_000)), "a", "\\`", options: smallStrings(100_000)) == .limit)
        #expect(errorKind("replace", "ab", "", "xxxxx", options: tiny) == .limit)
        #expect(errorKind("replace_last", "ab", "b", "xxxxxxxxxxxx", options: tiny) == .limit)
        #expect(errorKind("escape", "<<<<<", options: tiny) == .limit)
        #expect(errorKind("escape_once", "<<<<<", options: tiny) == .limit)
        #expect(errorKind("url_encode", "ééééé", options: tiny) == .limit)
        #expect(errorKind("base64_encode", "12345678", options: tiny) == .limit)
        #expect(errorKind("newline_to_br", "\n\n", options: tiny) == .limit)
        #expect(errorKind("truncate", "hello world", 5, "...........", options: tiny) == .limit)
        #expect(errorKind("truncatewords", "a b c", 1, "..........", options: tiny) == .limit)
        #expect(errorKind("upcase", .string(String(repeating: "ß", count: 6)), options: tiny) == .limit)
        #expect(errorKind("date", monday, "%Y%Y%Y", options: tiny) == .limit)
    }

    @Test func rangesAreBounded() {
        let huge = Value.range(1...10_000_000)
        for name in ["join", "reverse", "sort", "sort_natural", "uniq", "compact", "sum", "map"] {
            let args: [Value] = name == "map" ? ["x"] : []
            let definition = FilterRegistry.standard[name]
            #expect(throws: FilterError.self, "\(name)") {
                _ = try definition?.apply(huge, FilterArguments(positional: args, keywords: []),
                                          FilterContext(options: RenderOptions()))
            }
        }
        #expect(errorKind("where", huge, "x") == .limit)
        #expect(errorKind("concat", huge, .array([])) == .limit)
        #expect(errorKind("first", huge) == nil)
        #expect(errorKind("size", huge) == nil)
    }

    /// Inputs that make backtracking implementations quadratic; here they must simply finish with the
    /// right answer (their speed is the benchmarks' business, never a test's).
    @Test func hostileInputsGiveTheRightAnswer() throws {
        let openScripts = String(repeating: "<script", count: 100_000)
        #expect(try text("strip_html", .string(openScripts)) == openScripts)
        #expect(try text("strip_html", .string(String(repeating: "<", count: 500_000))) == String(repeating: "<", count: 500_000))
        let a = String(repeating: "a", count: 500_000)
        #expect(try text("replace", .string(a), .string(String(repeating: "a", count: 200_000) + "b"), "x") == a)
        #expect(try text("replace_last", .string(a), .string(String(repeating: "a", count: 200_000) + "b"), "x") == a)
        #expect(try text("escape_once", .string(String(repeating: "&a", count: 100_000))) == String(repeating: "&amp;a", count: 100_000))
    }
}

// MARK: - Robustness

/// A random value built from pieces that exercise the filters' edges.
private func randomValue(_ r: inout SplitMix64, depth: Int = 0) -> Value {
    let pieces = ["a", "<", ">", "<script", "</script>", "<!--", "-->", "&", ";", "#", "%", "%F", "%-5d", "%64Y",
                  "2016", "-", ":", " ", "\n", "\r", "é", "ß", "0", "1.5", ".", "March", "mon", "+03:00", "t", "z",
                  "\\", "\\0", "\\`", "=", "/", "+", "NQ", "{", "..", "10:00", "am", "%z", "%:::z", "%E", "%^#_0"]
    switch r.below(depth > 2 ? 6 : 8) {
    case 0: return .nil
    case 1: return .bool(r.below(2) == 0)
    case 2: return .int([0, 1, -1, 2, -7, 64, 65, Int.max, Int.min, 1_457_949_909, -62_135_596_800_000][r.below(11)])
    case 3: return .double([0.0, -0.0, 1.5, -2.5, 1e300, -1e300, 1e-300, .nan, .infinity, 2.675, 0.1][r.below(11)])
    case 4, 5: return .string((0..<r.below(12)).map { _ in pieces[r.below(pieces.count)] }.joined())
    case 6: return .array((0..<r.below(5)).map { _ in randomValue(&r, depth: depth + 1) })
    default:
        if r.below(3) == 0 {
            let low = r.below(200) - 100
            return .range(low...(low + r.below(300)))
        }
        return .object(ValueObject((0..<r.below(4)).map { _ in
            (["a", "title", "z", "k"][r.below(4)], randomValue(&r, depth: depth + 1))
        }))
    }
}

@Suite struct FilterRobustnessTests {
    @Test func everyStandardFilterIsRegistered() {
        let expected = [
            "abs", "append", "at_least", "at_most", "base64_decode", "base64_encode", "base64_url_safe_decode",
            "base64_url_safe_encode", "capitalize", "ceil", "compact", "concat", "date", "default", "divided_by",
            "downcase", "escape", "escape_once", "find", "find_index", "first", "floor", "h", "has", "join", "last",
            "lstrip", "map", "minus", "modulo", "newline_to_br", "plus", "prepend", "reject", "remove",
            "remove_first", "remove_last", "replace", "replace_first", "replace_last", "reverse", "round", "rstrip",
            "size", "slice", "sort", "sort_natural", "split", "strip", "strip_html", "strip_newlines", "sum", "times",
            "truncate", "truncatewords", "uniq", "upcase", "url_decode", "url_encode", "where",
        ]
        #expect(StandardFilters.all.map(\.name).sorted() == expected.sorted())
    }

    /// Random values and arguments through every filter: errors are fine, traps are not.
    @Test func randomInputsNeverTrap() throws {
        var r = SplitMix64(state: 2026)
        var limits = TemplateLimits()
        limits.maxStringBytes = 4096
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        let options = [RenderOptions(), RenderOptions(locale: "ru", timeZone: kolkata, limits: limits)]
        let definitions = StandardFilters.all
        for i in 0..<20_000 {
            let definition = definitions[r.below(definitions.count)]
            let count = definition.arity.lowerBound + r.below(definition.arity.count)
            let args = (0..<count).map { _ in randomValue(&r) }
            let keywords = definition.keywords.map { (name: $0, value: randomValue(&r)) }
            _ = try? definition.apply(randomValue(&r), FilterArguments(positional: args, keywords: keywords),
                                      FilterContext(options: options[i % 2]))
        }
    }
}

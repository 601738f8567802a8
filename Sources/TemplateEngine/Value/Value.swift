import Foundation

/// The data a template renders: a typed tree built from JSON or from Swift values, never `Any`.
///
/// ```swift
/// let data: Value = ["order": ["number": "R-1", "total": 1_234_50]]
/// ```
public enum Value: Sendable, Hashable {
    case `nil`
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object(ValueObject)
    /// An inclusive integer range, never materialised: `(1..1000000)` costs two integers.
    case range(ClosedRange<Int>)
}

/// A JSON object that keeps its keys in insertion order, as Liquid iterates them.
public struct ValueObject: Sendable, Hashable {
    public private(set) var keys: [String]
    public private(set) var storage: [String: Value]

    public init() {
        keys = []
        storage = [:]
    }

    public init(_ pairs: [(String, Value)]) {
        keys = []
        storage = Dictionary(minimumCapacity: pairs.count)
        keys.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The pairs in insertion order.
    public var pairs: [(key: String, value: Value)] { keys.map { ($0, storage[$0]!) } }

    public static func == (a: ValueObject, b: ValueObject) -> Bool { a.storage == b.storage }
    public func hash(into h: inout Hasher) { h.combine(storage) }
}

extension Value: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) { self = .object(ValueObject(elements)) }
}

extension Value {
    /// Liquid truthiness: only `nil` and `false` are false.
    @inlinable public var isTruthy: Bool {
        switch self {
        case .nil: return false
        case .bool(let b): return b
        default: return true
        }
    }

    public var isNil: Bool { if case .nil = self { return true } else { return false } }

    /// Liquid's `empty`: an empty string, array or object.
    var isEmptyCollection: Bool {
        switch self {
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        case .range(let r): return r.isEmpty
        default: return false
        }
    }

    /// Liquid's `blank`: nil, false, whitespace-only strings and empty collections.
    var isBlank: Bool {
        switch self {
        case .nil: return true
        case .bool(let b): return !b
        case .string(let s): return s.allSatisfy(\.isWhitespace)
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        default: return false
        }
    }

    /// The name of the value's type as templates and diagnostics speak of it.
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array, .range: return "array"
        case .object: return "object"
        }
    }

    /// The elements of an array or range; any other value has none.
    var elements: [Value] {
        switch self {
        case .array(let a): return a
        case .range(let r): return r.map { .int($0) }
        default: return []
        }
    }

    /// The string, when this value is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
}

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
///
/// Small objects (the usual case in notification data) are searched linearly, which is cheaper than
/// hashing a key; objects with more than `indexThreshold` keys also keep a hash index. The storage is
/// one immutable shared reference, so passing an object around costs one retain; build large objects
/// with `init(_:)` rather than key by key.
public struct ValueObject: Sendable, Hashable {
    private final class Storage: Sendable {
        let keys: [String]
        let values: [Value]
        /// Each key's UTF-8 length and first sixteen bytes (see `LookupKey`), for comparing integers.
        let fingerprints: [Fingerprint]
        let index: [String: Int]?

        struct Fingerprint {
            let count: Int
            let head: UInt64
            let tail: UInt64
        }

        init(keys: [String], values: [Value]) {
            self.keys = keys
            self.values = values
            self.fingerprints = keys.map { let k = LookupKey($0); return Fingerprint(count: k.count, head: k.head, tail: k.tail) }
            if keys.count > ValueObject.indexThreshold {
                var index = [String: Int](minimumCapacity: keys.count)
                for (i, k) in keys.enumerated() { index[k] = i }
                self.index = index
            } else {
                index = nil
            }
        }
    }

    private var storage: Storage

    static let indexThreshold = 48
    private static let empty = Storage(keys: [], values: [])

    public init() {
        storage = Self.empty
    }

    /// An object of these pairs; a repeated key keeps its first position and its last value.
    public init(_ pairs: [(String, Value)]) {
        var keys: [String] = []
        var values: [Value] = []
        keys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        var seen: [String: Int]? = pairs.count > Self.indexThreshold ? [:] : nil
        for (k, v) in pairs {
            let existing = seen.map { $0[k] } ?? keys.firstIndex(of: k)
            if let i = existing {
                values[i] = v
            } else {
                seen?[k] = keys.count
                keys.append(k)
                values.append(v)
            }
        }
        storage = Storage(keys: keys, values: values)
    }

    public var keys: [String] { storage.keys }
    public var count: Int { storage.keys.count }
    public var isEmpty: Bool { storage.keys.isEmpty }

    @inline(__always) func position(of key: String) -> Int? {
        position(of: LookupKey(key))
    }

    @inline(__always) func position(of key: LookupKey) -> Int? {
        position(count: key.count, head: key.head, tail: key.tail) { key.name }
    }

    /// The position of the key with this fingerprint (see `LookupKey`); `name` is asked for only
    /// when the fingerprint cannot decide.
    @inline(__always) func position(count: Int, head: UInt64, tail: UInt64, name: () -> String) -> Int? {
        let s = storage
        if let index = s.index { return index[name()] }
        return s.fingerprints.withUnsafeBufferPointer { fingerprints in
            var i = 0
            while i < fingerprints.count {
                let f = fingerprints[i]
                if f.head == head, f.tail == tail, f.count == count, count <= 16 || s.keys[i] == name() {
                    return i
                }
                i += 1
            }
            return nil
        }
    }

    /// The value of a key prepared at compile time.
    @inline(__always) func value(for key: LookupKey) -> Value? {
        position(of: key).map { storage.values[$0] }
    }

    /// The value of a key laid out in flat code.
    @inline(__always) func value(for key: FlatCode.Key, names: [String]) -> Value? {
        position(count: key.count, head: key.head, tail: key.tail) { names[key.name] }.map { storage.values[$0] }
    }

    public subscript(key: String) -> Value? {
        get { position(of: key).map { storage.values[$0] } }
        set {
            var keys = storage.keys
            var values = storage.values
            if let i = position(of: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            } else {
                return
            }
            storage = Storage(keys: keys, values: values)
        }
    }

    /// The pairs in insertion order, read from the object's own storage (nothing is copied: every
    /// object of every event is walked this way).
    public var pairs: LazyMapSequence<Zip2Sequence<[String], [Value]>, (key: String, value: Value)> {
        zip(storage.keys, storage.values).lazy.map { (key: $0, value: $1) }
    }

    public static func == (a: ValueObject, b: ValueObject) -> Bool {
        a.storage === b.storage || (a.count == b.count && zip(a.storage.keys, a.storage.values).allSatisfy { b[$0] == $1 })
    }

    public func hash(into h: inout Hasher) {
        // Order-independent, as equality is.
        var combined = 0
        for (k, v) in zip(storage.keys, storage.values) {
            var pair = Hasher()
            pair.combine(k)
            pair.combine(v)
            combined ^= pair.finalize()
        }
        h.combine(count)
        h.combine(combined)
    }
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

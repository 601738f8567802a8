/// The variables a template may use, as a subset of JSON Schema: `type`, `properties`, `required`,
/// `items`, `format` and `description`. The `money` format marks integer kopecks.
///
/// ```swift
/// let schema = try Schema(json: #"{"type": "object", "properties": {"amount": {"type": "integer", "format": "money"}}}"#)
/// ```
public struct Schema: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case string, integer, number, boolean, array, object, any
    }

    public var kind: Kind
    /// Whether `null` is allowed besides the kind.
    public var nullable: Bool
    public var format: String?
    public var description: String?
    /// An object's properties, in declaration order.
    public var properties: [(name: String, schema: Schema)] {
        didSet { propertyNames = properties.map(\.name) }
    }
    /// The properties' names alone, searched by `property(_:)` without copying a pair each.
    private var propertyNames: [String]
    public var required: Set<String>
    /// An array's element schema.
    public var items: [Schema]

    public init(kind: Kind, nullable: Bool = false, format: String? = nil, description: String? = nil,
                properties: [(name: String, schema: Schema)] = [], required: Set<String> = [], items: Schema? = nil) {
        self.kind = kind
        self.nullable = nullable
        self.format = format
        self.description = description
        self.properties = properties
        self.propertyNames = properties.map(\.name)
        self.required = required
        self.items = items.map { [$0] } ?? []
    }

    /// The schema of an array's elements, if declared.
    public var itemSchema: Schema? { items.first }

    /// Found by name alone, so that only the schema found is copied, not every (name, schema) pair
    /// passed on the way: each key of each event's data is looked up here.
    public func property(_ name: String) -> Schema? {
        propertyNames.firstIndex(of: name).map { properties[$0].schema }
    }

    public static func == (a: Schema, b: Schema) -> Bool {
        a.kind == b.kind && a.nullable == b.nullable && a.format == b.format && a.description == b.description
            && a.required == b.required && a.items == b.items && a.properties.count == b.properties.count
            && zip(a.properties, b.properties).allSatisfy { $0.name == $1.name && $0.schema == $1.schema }
    }
}

/// A schema document that does not describe variables the way we need.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// Where in the document, as a JSON pointer (`/properties/order/type`).
    public let path: String
    public let message: String
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

extension Schema {
    public init(json text: String) throws {
        try self.init(value: try Value(json: text), path: "")
    }

    public init(value: Value, path: String = "") throws(SchemaError) {
        guard case .object(let o) = value else { throw SchemaError(path: path, message: "a schema must be an object") }
        var kind: Kind = .any
        var nullable = false
        switch o["type"] {
        case nil: kind = o["properties"] != nil ? .object : .any
        case .string(let t)?:
            guard let k = Kind(rawValue: t), k != .any else { throw SchemaError(path: path + "/type", message: "unknown type '\(t)'") }
            kind = k
        case .array(let types)?:
            var names = types.compactMap(\.stringValue)
            if let n = names.firstIndex(of: "null") {
                nullable = true
                names.remove(at: n)
            }
            guard names.count == 1, let k = Kind(rawValue: names[0]), k != .any else {
                throw SchemaError(path: path + "/type", message: "a type list must be one type and optionally \"null\"")
            }
            kind = k
        default:
            throw SchemaError(path: path + "/type", message: "type must be a string or a list of strings")
        }
        var properties: [(name: String, schema: Schema)] = []
        if case .object(let props)? = o["properties"] {
            for (name, sub) in props.pairs {
                properties.append((name, try Schema(value: sub, path: path + "/properties/" + name)))
            }
        }
        var required: Set<String> = []
        if case .array(let names)? = o["required"] {
            for name in names {
                guard case .string(let n) = name else { throw SchemaError(path: path + "/required", message: "required must list strings") }
                guard properties.contains(where: { $0.name == n }) else {
                    throw SchemaError(path: path + "/required", message: "'\(n)' is required but not among the properties")
                }
                required.insert(n)
            }
        }
        let items = try o["items"].map { (v) throws(SchemaError) in try Schema(value: v, path: path + "/items") }
        self.init(kind: kind, nullable: nullable, format: o["format"]?.stringValue, description: o["description"]?.stringValue,
                  properties: properties, required: required, items: items)
    }

    /// This schema as a JSON Schema value.
    public var jsonValue: Value {
        var o = ValueObject()
        if kind != .any {
            o["type"] = nullable ? .array([.string(kind.rawValue), .string("null")]) : .string(kind.rawValue)
        }
        if let description { o["description"] = .string(description) }
        if let format { o["format"] = .string(format) }
        if !properties.isEmpty {
            o["properties"] = .object(ValueObject(properties.map { ($0.name, $0.schema.jsonValue) }))
            let req = properties.map(\.name).filter(required.contains)
            if !req.isEmpty { o["required"] = .array(req.map { .string($0) }) }
        }
        if let item = itemSchema { o["items"] = item.jsonValue }
        return .object(o)
    }

    /// The problems of `value` against this schema, as `path: message` lines; empty when it conforms.
    public func validate(_ value: Value, path: String = "") -> [String] {
        var problems: [String] = []
        validate(value, path: { path }, into: &problems)
        return problems
    }

    /// The path is written only for a problem: every event's data is validated, and most conforms.
    private func validate(_ value: Value, path: () -> String, into problems: inout [String]) {
        if case .nil = value {
            if !(nullable || kind == .any) { problems.append("\(Self.shown(path())): is null but must be \(kind.rawValue)") }
            return
        }
        switch (kind, value) {
        case (.any, _), (.string, .string), (.integer, .int), (.number, .int), (.number, .double), (.boolean, .bool):
            return
        case (.array, .array(let elements)):
            guard let item = itemSchema else { return }
            for (offset, element) in elements.enumerated() {
                item.validate(element, path: { "\(path())[\(offset)]" }, into: &problems)
            }
        case (.object, .object(let o)):
            for (name, sub) in properties {
                if let v = o[name] {
                    sub.validate(v, path: { Self.child(name, of: path()) }, into: &problems)
                } else if required.contains(name) {
                    problems.append("\(Self.child(name, of: path())): is required")
                }
            }
        default:
            problems.append("\(Self.shown(path())): is \(value.typeName) but must be \(kind.rawValue)")
        }
    }

    private static func shown(_ path: String) -> String { path.isEmpty ? "(root)" : path }
    private static func child(_ name: String, of parent: String) -> String { parent.isEmpty ? name : "\(parent).\(name)" }
}

extension Schema {
    /// Placeholder data of this shape, for previews when no sample is given: every property filled.
    public var placeholder: Value {
        switch kind {
        case .string:
            switch format {
            case "uri"?: return "https://example.ru/path"
            case "email"?: return "client@example.ru"
            case "phone"?: return "+79990000000"
            case "date-time"?: return "2026-01-15T12:00:00Z"
            default: return .string(description ?? "текст")
            }
        case .integer: return format == "money" ? 100_000 : 3
        case .number: return 1.5
        case .boolean: return true
        case .array: return .array(itemSchema.map { [$0.placeholder, $0.placeholder] } ?? [])
        case .object: return .object(ValueObject(properties.map { ($0.name, $0.schema.placeholder) }))
        case .any: return "…"
        }
    }
}

/// One finding about a template: where, how bad, a stable code and a plain message.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    /// The template's name (a file path, or a partial's name when the finding is inside a partial).
    public let file: String
    public let line: Int
    public let column: Int
    public let severity: Severity
    /// A stable identifier: `syntax`, `unknown-variable`, `unknown-property`, `unknown-filter`,
    /// `filter-arguments`, `type-mismatch`, `optional-unguarded`, `missing-partial`, …
    public let code: String
    public let message: String

    public init(file: String, line: Int, column: Int, severity: Severity, code: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.code = code
        self.message = message
    }

    init(_ severity: Severity, _ code: String, _ message: String, unit: SourceUnit, at offset: Int) {
        let location = SourceText.location(of: offset, in: unit.source)
        self.init(file: unit.name, line: location.line, column: location.column, severity: severity, code: code, message: message)
    }

    init(_ error: TemplateError) {
        let code: String
        switch error.kind {
        case .syntax: code = "syntax"
        case .compile: code = error.message.hasPrefix("partial ") ? "missing-partial" : "compile"
        case .render: code = "render"
        case .limit: code = "limit"
        }
        self.init(file: error.templateName, line: error.line, column: error.column, severity: .error, code: code, message: error.message)
    }

    /// `file:line:col: severity: message`.
    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// What the checker found: every diagnostic, and the data variables the template reads.
public struct CheckReport: Sendable {
    public var diagnostics: [Diagnostic]
    /// The paths of schema variables the template uses, as `order.number` or `paid.receipt.items[].name`.
    public var variables: [String]

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

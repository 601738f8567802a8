import Channels
import TemplateEngine

/// The findings about a template that `kassa check` and the HTTP API both report: the checker's,
/// HTML checks for an e-mail body, and failures to compose with data.
enum TemplateDiagnostics {
    /// The checker's report for one part, with HTML checks (on the markup, Liquid masked) when `html`.
    static func check(_ source: String, name: String, schema: Schema, library: any TemplateLibrary = EmptyTemplateLibrary(),
                      html: Bool) -> CheckReport {
        var report = Template.check(source: source, name: name, schema: schema, library: library)
        if html {
            for finding in EmailHTML.findings(in: Template.maskingLiquid(in: source)) {
                report.diagnostics.append(Diagnostic(file: name, line: finding.line, column: finding.column ?? 1,
                                                     severity: finding.severity == .error ? .error : .warning,
                                                     code: finding.code, message: finding.message))
            }
        }
        return report
    }

    /// A failure to compose a message with data (`with` names the data: "the sample data"), as a diagnostic.
    static func compositionFailure(_ error: any Error, file: String, with data: String) -> Diagnostic {
        switch error {
        case let error as TemplateError:
            return Diagnostic(file: error.templateName, line: error.line, column: error.column, severity: .error,
                              code: error.kind == .limit ? "limit" : "render", message: "with \(data): \(error.message)")
        case let error as CompositionError:
            return Diagnostic(file: error.file, line: 1, column: 1, severity: .error, code: "composition", message: error.message)
        default:
            return Diagnostic(file: file, line: 1, column: 1, severity: .error, code: "render", message: "\(error)")
        }
    }
}

extension Template {
    /// Checks a template's source against the schema of the data it will render, without rendering.
    ///
    /// ```swift
    /// let report = Template.check(source: "{{ ordr.number }}", name: "sms.liquid", schema: schema)
    /// // sms.liquid:1:4: error: unknown variable 'ordr' (did you mean 'order'?)
    /// ```
    public static func check(source: String, name: String, schema: Schema, library: any TemplateLibrary = EmptyTemplateLibrary(),
                             filters: FilterRegistry = .standard, limits: TemplateLimits = TemplateLimits()) -> CheckReport {
        let environment = CompileEnvironment(library: library, filters: filters, limits: limits)
        var parser = Parser(source: source, name: name, limits: limits)
        let document: Document
        do {
            document = try parser.parse()
        } catch {
            return CheckReport(diagnostics: [Diagnostic(error)], variables: [])
        }
        var checker = Checker(unit: SourceUnit(name: name, source: source), schema: schema, environment: environment)
        checker.check(document.nodes)
        var report = CheckReport(diagnostics: checker.diagnostics, variables: checker.variables.sorted())
        if !report.hasErrors {
            // Whatever the checker does not model, the compiler still refuses.
            var compiler = Compiler(unit: SourceUnit(name: name, source: source), environment: environment)
            do {
                _ = try compiler.compile(document)
            } catch {
                report.diagnostics.append(Diagnostic(error))
            }
        }
        report.diagnostics.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
        return report
    }
}

extension Template {
    /// The source with every `{{ … }}` turned into `{{` spaces `}}` and every `{% … %}` into spaces,
    /// keeping line breaks and byte offsets, so that the markup around them can be checked as HTML.
    public static func maskingLiquid(in source: String) -> String {
        var bytes = Array(source.utf8)
        for token in Lexer(bytes: bytes).tokenize() where token.kind == .output || token.kind == .tag || token.kind == .unterminated {
            for i in token.start..<token.end where bytes[i] != 0x0A {
                bytes[i] = 0x20
            }
            if token.kind == .output, token.end - token.start >= 4 {
                bytes[token.start] = UInt8(ascii: "{")
                bytes[token.start + 1] = UInt8(ascii: "{")
                bytes[token.end - 2] = UInt8(ascii: "}")
                bytes[token.end - 1] = UInt8(ascii: "}")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

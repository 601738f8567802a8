import Channels
import Foundation
import TemplateEngine

/// `kassa check PATH (--event NAME | --schema SCHEMA.json) [--channel email|sms|viber|vk] [--max-parts N]
/// [--partials DIR] [--data DATA.json] [--json]`: what a moderator sees before approving a template.
enum CheckCommand {
    static func run(_ words: [String], console: Console) throws -> Int32 {
        let args = try Arguments(words, options: ["event", "schema", "channel", "max-parts", "partials", "data"], flags: ["json"])
        let path = try args.expectPositional(["PATH"])[0]
        let (schema, sample) = try schemaAndSample(args, console: console)
        let maxParts = try positiveInteger(args.option("max-parts") ?? "2", "--max-parts")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandFailure("no file or folder at '\(path)'")
        }
        let url = URL(fileURLWithPath: path)
        let channel = try channelKind(args.option("channel"), url: url, isDirectory: isDirectory.boolValue)
        let partials = args.option("partials").map { URL(fileURLWithPath: $0) } ?? findPartials(above: url)
        let library: any TemplateLibrary = partials.map { DirectoryTemplateLibrary(directory: $0) } ?? EmptyTemplateLibrary()

        var result = TemplateCheck(schema: schema, library: library)
        if channel == .email {
            try result.checkEmail(folder: url)
        } else {
            try result.checkMessage(file: url, channel: channel)
        }
        if !result.hasErrors {
            result.preview(sample: sample, maxParts: maxParts)
        }
        if args.flag("json") {
            console.print(result.json.jsonString)
        } else {
            for d in result.diagnostics { console.print(d.description) }
            if !result.variables.isEmpty { console.print("variables: " + result.variables.joined(separator: ", ")) }
            if let sms = result.sms { console.print("sms: \(sms.encoding.rawValue), \(sms.units) units, \(sms.parts) \(sms.parts == 1 ? "part" : "parts")") }
        }
        return result.hasErrors ? 1 : 0
    }

    static func schemaAndSample(_ args: Arguments, console: Console) throws -> (Schema, Value) {
        switch (args.option("event"), args.option("schema")) {
        case (let name?, nil):
            guard let event = EventCatalog.named(name) else {
                throw UsageError("unknown event '\(name)'; events: \(EventCatalog.names.joined(separator: ", "))")
            }
            return (event.schema, try args.option("data").map { try RenderCommand.loadData($0, console: console) } ?? event.sample)
        case (nil, let file?):
            let schema: Schema
            do {
                schema = try Schema(value: try Value(jsonBytes: [UInt8](try console.read(file))))
            } catch let error as JSONError {
                throw CommandFailure("\(file):\(error.line):\(error.column): error: \(error.message)")
            } catch let error as SchemaError {
                throw CommandFailure("\(file): error: \(error)")
            }
            return (schema, try args.option("data").map { try RenderCommand.loadData($0, console: console) } ?? schema.placeholder)
        case (nil, nil):
            throw UsageError("give --event NAME or --schema SCHEMA.json")
        case (_?, _?):
            throw UsageError("give either --event or --schema, not both")
        }
    }

    static func channelKind(_ option: String?, url: URL, isDirectory: Bool) throws(UsageError) -> ChannelKind? {
        if let option {
            guard let kind = ChannelKind(rawValue: option) else { throw UsageError("--channel must be email, sms, viber or vk, not '\(option)'") }
            if kind == .email && !isDirectory { throw UsageError("an e-mail template is a folder with subject.liquid and html.liquid") }
            if kind != .email && isDirectory { throw UsageError("a \(kind.displayName) template is one file, not a folder") }
            return kind
        }
        if isDirectory { return .email }
        return ChannelKind(rawValue: url.deletingPathExtension().lastPathComponent).flatMap { $0 == .email ? nil : $0 }
    }

    static func positiveInteger(_ text: String, _ name: String) throws(UsageError) -> Int {
        guard let n = Int(text), n > 0 else { throw UsageError("\(name) must be a positive whole number, not '\(text)'") }
        return n
    }

    /// The `_partials` folder of a template tree (as in BaseTemplates), searched upwards from `url`.
    static func findPartials(above url: URL) -> URL? {
        var dir = url.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("_partials")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}

/// The findings about one template (a file, or an e-mail folder), gathered for `kassa check`.
struct TemplateCheck {
    let schema: Schema
    let library: any TemplateLibrary
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var variables: [String] = []
    private(set) var sms: SMSInfo?
    /// The compiled templates, once they are free of errors.
    private(set) var channel: TemplateFolder.Channel?
    private var kind: ChannelKind?

    init(schema: Schema, library: any TemplateLibrary) {
        self.schema = schema
        self.library = library
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func checkEmail(folder: URL) throws {
        kind = .email
        let subject = try checkFile(folder.appendingPathComponent("subject.liquid"), required: true, html: false)
        let html = try checkFile(folder.appendingPathComponent("html.liquid"), required: true, html: true)
        let text = try checkFile(folder.appendingPathComponent("text.liquid"), required: false, html: false)
        if let subject, let html {
            channel = .email(subject: subject, html: html, text: text)
        }
    }

    mutating func checkMessage(file: URL, channel kind: ChannelKind?) throws {
        self.kind = kind
        if let template = try checkFile(file, required: true, html: false) {
            channel = .message(template)
        }
    }

    /// Checks one file and returns it compiled when it has no errors.
    private mutating func checkFile(_ url: URL, required: Bool, html: Bool) throws -> Template? {
        guard FileManager.default.fileExists(atPath: url.path) else {
            if required {
                diagnostics.append(Diagnostic(file: url.path, line: 1, column: 1, severity: .error, code: "missing-file",
                                              message: "\(url.lastPathComponent) is missing"))
            }
            return nil
        }
        var bytes = [UInt8](try Data(contentsOf: url))
        if bytes.last == 0x0A { bytes.removeLast() }
        guard let source = String(validating: bytes, as: UTF8.self) else {
            diagnostics.append(Diagnostic(file: url.path, line: 1, column: 1, severity: .error, code: "syntax", message: "the file is not valid UTF-8"))
            return nil
        }
        let report = TemplateDiagnostics.check(source, name: url.path, schema: schema, library: library, html: html)
        diagnostics += report.diagnostics
        variables = Array(Set(variables).union(report.variables)).sorted()
        guard !report.hasErrors else { return nil }
        return try? Template(source: source, name: url.path, library: library)
    }

    /// Composes the notification with the sample data, as a payer would get it, and counts SMS parts.
    mutating func preview(sample: Value, maxParts: Int) {
        guard let channel else { return }
        do {
            let composed = try NotificationComposer.compose(channel, kind: kind ?? .sms, data: sample)
            if let html = composed.html, case .email(_, let htmlTemplate, _) = channel {
                // Partials and layouts are part of the message too: check what the payer would get.
                let known = Set(diagnostics.map { "\($0.code) \($0.message)" })
                for finding in EmailHTML.findings(in: html) where finding.severity == .error && !known.contains("\(finding.code) \(finding.message)") {
                    diagnostics.append(Diagnostic(file: htmlTemplate.name, line: 1, column: 1, severity: .error, code: finding.code,
                                                  message: "\(finding.message) (line \(finding.line) of the rendered message, from a partial or the layout)"))
                }
            }
            if kind == .sms {
                let info = SMSInfo(text: composed.text)
                sms = info
                if info.parts > maxParts {
                    diagnostics.append(Diagnostic(file: name(of: channel), line: 1, column: 1, severity: .warning, code: "sms-parts",
                                                  message: "with the sample data and the attribution the SMS takes \(info.parts) parts (\(info.units) \(info.encoding.rawValue) units), more than \(maxParts)"))
                }
            }
        } catch {
            diagnostics.append(TemplateDiagnostics.compositionFailure(error, file: name(of: channel), with: "the sample data"))
        }
    }

    private func name(of channel: TemplateFolder.Channel) -> String {
        switch channel {
        case .email(let subject, _, _): return subject.name
        case .message(let t): return t.name
        }
    }

    var json: Value {
        var o = ValueObject()
        o["diagnostics"] = .array(diagnostics.map { d in
            ["file": .string(d.file), "line": .int(d.line), "column": .int(d.column), "severity": .string(d.severity.rawValue),
             "code": .string(d.code), "message": .string(d.message)]
        })
        o["variables"] = .array(variables.map { .string($0) })
        if let sms { o["sms"] = ["encoding": .string(sms.encoding.rawValue), "units": .int(sms.units), "parts": .int(sms.parts)] }
        return .object(o)
    }
}

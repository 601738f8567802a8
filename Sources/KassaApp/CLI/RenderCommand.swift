import Foundation
import TemplateEngine

/// `kassa render TEMPLATE_FILE [--data DATA.json] [--partials DIR] [--format text|html] [--locale L] [--timezone TZ]`
enum RenderCommand {
    static func run(_ words: [String], console: Console) throws -> Int32 {
        let args = try Arguments(words, options: ["data", "partials", "format", "locale", "timezone"], flags: [])
        let path = try args.expectPositional(["TEMPLATE_FILE"])[0]
        let options = try renderOptions(args)
        let template: Template
        let data: Value
        do {
            template = try loadTemplate(path, partials: args.option("partials"), console: console)
            data = try loadData(args.option("data"), console: console)
        } catch let error as TemplateError {
            console.error(error.description)
            return 1
        }
        do {
            console.write(try template.render(data, options: options))
            return 0
        } catch {
            console.error(error.description)
            return 1
        }
    }

    static func renderOptions(_ args: Arguments) throws(UsageError) -> RenderOptions {
        var options = RenderOptions()
        switch args.option("format") ?? "text" {
        case "text": options.escaping = .none
        case "html": options.escaping = .html
        case let other: throw UsageError("--format must be 'text' or 'html', not '\(other)'")
        }
        if let locale = args.option("locale") {
            guard ["en", "ru"].contains(locale) else { throw UsageError("--locale must be 'en' or 'ru', not '\(locale)'") }
            options.locale = locale
        }
        if let zone = args.option("timezone") {
            guard let tz = TimeZone(identifier: zone) else { throw UsageError("unknown time zone '\(zone)'") }
            options.timeZone = tz
        }
        return options
    }

    static func loadTemplate(_ path: String, partials: String?, console: Console) throws -> Template {
        let bytes = [UInt8](try console.read(path))
        let library: any TemplateLibrary = partials.map { DirectoryTemplateLibrary(directory: URL(fileURLWithPath: $0)) }
            ?? EmptyTemplateLibrary()
        return try Template(bytes: bytes, name: path == "-" ? "<stdin>" : path, library: library)
    }

    /// Reads render data from a JSON file (an object); no file means no data.
    static func loadData(_ path: String?, console: Console) throws -> Value {
        guard let path else { return .object(ValueObject()) }
        let bytes = [UInt8](try console.read(path))
        do {
            let value = try Value(jsonBytes: bytes)
            guard case .object = value else {
                throw CommandFailure("\(path): the data must be a JSON object, not \(value.typeName)")
            }
            return value
        } catch let error as JSONError {
            throw CommandFailure("\(path):\(error.line):\(error.column): error: \(error.message)")
        }
    }
}

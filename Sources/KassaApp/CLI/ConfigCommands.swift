import Foundation
import TemplateEngine

/// `kassa config check [--config FILE] [--data-dir DIR] [--json]`: reads the configuration as
/// `serve` would (file, environment, options; sealed secrets opened; the base templates loaded) and
/// prints it, secrets masked.
/// `kassa secret seal --context PATH [--data-dir DIR]`: seals the secret read from standard input
/// for the configuration field PATH (say `providers.smtp.password`) under the data folder's master key.
enum ConfigCommands {
    static func run(_ group: String, _ words: [String], console: Console) throws -> Int32 {
        guard let verb = words.first else { throw UsageError("'\(group)' needs a subcommand") }
        let rest = Array(words.dropFirst())
        switch (group, verb) {
        case ("config", "check"):
            let args = try Arguments(rest, options: ServeCommand.options, flags: ["json"])
            _ = try args.expectPositional([])
            let config = try ServeCommand.configuration(args, console: console)
            // The base templates are part of what serve needs to start.
            let base = try ServeCommand.baseTemplates(config)
            console.error("base templates: \(base.entries.count) loaded from \(config.baseTemplates)")
            if args.flag("json") {
                console.print(config.json.jsonString)
            } else {
                console.print("configuration is valid" + (config.file.map { " (\($0))" } ?? " (defaults and environment)"))
                console.print(config.json.jsonString)
            }
            return 0
        case ("secret", "seal"):
            let args = try Arguments(rest, options: ["context", "data-dir"], flags: [])
            _ = try args.expectPositional([])
            guard let context = args.option("context"), !context.isEmpty else {
                throw UsageError("--context is required: the configuration field the secret is for, such as providers.smtp.password")
            }
            var text = String(decoding: try console.read("-"), as: UTF8.self)
            // A trailing newline from `echo` or a terminal is not part of the secret.
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw CommandFailure("standard input is empty: pipe the secret in") }
            let box = try ServeCommand.masterKey(dataDirectory: AccountCommands.dataDirectory(args, console), console: console)
            console.print("sealed:" + (try box.seal(text, context: context)))
            return 0
        default:
            throw UsageError("unknown subcommand '\(group) \(verb)'")
        }
    }
}

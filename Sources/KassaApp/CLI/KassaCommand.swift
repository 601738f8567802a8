import Foundation

/// The `kassa` command: dispatches to its subcommands; exit 0 on success, 1 on failure, 2 on a usage error.
public enum KassaCommand {
    static let usage = """
        usage: kassa <command> [arguments]

        commands:
          serve [--host H] [--port P] [--data-dir DIR] [--config FILE] [--base-templates DIR] [--demo]
                               run the HTTP service (defaults 127.0.0.1, 8080, ./data, ./BaseTemplates)
          config check [serve's options] [--json]
                               read the configuration as serve would and print it, secrets masked
          secret seal --context FIELD [--data-dir DIR]
                               seal the secret on stdin for a configuration field
          render TEMPLATE_FILE [--data DATA.json] [--partials DIR] [--format text|html]
                 [--locale en|ru] [--timezone TZ]
                               render a template and print the result
          check PATH (--event NAME | --schema SCHEMA.json) [--channel email|sms|viber|vk]
                [--max-parts N] [--partials DIR] [--data DATA.json] [--json]
                               check a template (a file, or an e-mail folder) before approval
          events [--json]      list the events and their variables
          partners create --name NAME | partners list
          moderators create --login LOGIN
          operators create --name NAME
          tokens list --owner ID | tokens rotate TOKEN_ID | tokens revoke TOKEN_ID
                               accounts and tokens (all take [--data-dir DIR] [--json]; default ./data)
          send-email --smtp URL [--tls starttls|smtps|none] --from ADDR [--from-name NAME]
                     [--reply-to ADDR] --to ADDR... --subject TEXT --html FILE [--text FILE]
                     [--inline FILE]... [--attach FILE]... [--dkim-key PEM --dkim-domain D
                     --dkim-selector S] [--ca-file PEM] [--credentials FILE] [--json]
                               send one test e-mail (credentials: KASSA_SMTP_USERNAME and
                               KASSA_SMTP_PASSWORD, or --credentials FILE); exit 75 if retryable
          sms-info TEXT [--json]
                               encoding, units and parts of an SMS (TEXT '-' reads stdin)
          backup --to FILE [--data-dir DIR]
                               copy the database with SQLite's online backup
          conformance SUITE.json [--verbose]
                               run a golden-liquid conformance suite
          preview [--dir DIR] [--event NAME]
                               compose every base template with its event's sample data
        """

    public static func main() async -> Never {
        exit(await runAsync(Array(CommandLine.arguments.dropFirst()), console: .standard))
    }

    /// Runs a command line, including those that wait on the network (`serve`, `send-email`), and
    /// returns the exit status.
    public static func runAsync(_ words: [String], console: Console) async -> Int32 {
        guard let command = words.first, ["serve", "send-email"].contains(command) else { return run(words, console: console) }
        let rest = Array(words.dropFirst())
        do {
            switch command {
            case "serve": return try await ServeCommand.run(rest, console: console)
            default: return try await SendEmailCommand.run(rest, console: console)
            }
        } catch {
            return report(error, command: command, console: console)
        }
    }

    /// Exit 2 with the usage for a usage error, else 1 with the message.
    private static func report(_ error: any Error, command: String, console: Console) -> Int32 {
        switch error {
        case let error as UsageError:
            console.error("kassa \(command): \(error.message)\n\n\(usage)")
            return 2
        case let failure as CommandFailure:
            console.error("kassa \(command): \(failure.message)")
            return 1
        default:
            console.error("kassa \(command): \(error)")
            return 1
        }
    }

    /// Runs a command line and returns the exit status.
    public static func run(_ words: [String], console: Console) -> Int32 {
        guard let command = words.first else {
            console.error(usage)
            return 2
        }
        let rest = Array(words.dropFirst())
        do {
            switch command {
            case "render": return try RenderCommand.run(rest, console: console)
            case "conformance": return try ConformanceCommand.run(rest, console: console)
            case "preview": return try PreviewCommand.run(rest, console: console)
            case "check": return try CheckCommand.run(rest, console: console)
            case "events": return try EventsCommand.run(rest, console: console)
            case "partners", "moderators", "operators", "tokens": return try AccountCommands.run(command, rest, console: console)
            case "config", "secret": return try ConfigCommands.run(command, rest, console: console)
            case "backup": return try AccountCommands.backup(rest, console: console)
            case "sms-info": return try SMSInfoCommand.run(rest, console: console)
            case "help", "--help", "-h":
                console.print(usage)
                return 0
            default:
                throw UsageError("unknown command '\(command)'")
            }
        } catch {
            return report(error, command: command, console: console)
        }
    }
}

import Channels
import Foundation
import TemplateEngine

/// `kassa send-email --smtp URL [--tls starttls|smtps|none] --from ADDR [--from-name NAME]
/// [--reply-to ADDR] --to ADDR... --subject TEXT --html FILE [--text FILE] [--inline FILE]...
/// [--attach FILE]... [--dkim-key PEM --dkim-domain D --dkim-selector S] [--ca-file PEM]
/// [--credentials FILE] [--json]`: an operator's test send of one message.
///
/// SMTP credentials come from `KASSA_SMTP_USERNAME` and `KASSA_SMTP_PASSWORD`, or a JSON file
/// `{"username": …, "password": …}`, never from the command line. Prints the Message-ID; exit 0
/// when the server accepted the message, 1 on a permanent failure, 75 (EX_TEMPFAIL) on a retryable one.
enum SendEmailCommand {
    static let retryableExit: Int32 = 75

    static func run(_ words: [String], console: Console) async throws -> Int32 {
        let args = try Arguments(words, options: ["smtp", "tls", "from", "from-name", "reply-to", "to", "subject", "html", "text", "inline",
                                                  "attach", "dkim-key", "dkim-domain", "dkim-selector", "ca-file", "credentials"],
                                 flags: ["json"])
        _ = try args.expectPositional([])
        func required(_ name: String) throws(UsageError) -> String {
            guard let value = args.option(name), !value.isEmpty else { throw UsageError("--\(name) is required") }
            return value
        }
        let tls = try args.option("tls").map { (text: String) throws(UsageError) -> SMTPConfiguration.TLS in
            guard let mode = SMTPConfiguration.TLS(rawValue: text) else { throw UsageError("--tls must be starttls, smtps or none, not '\(text)'") }
            return mode
        }
        let (username, password) = try credentials(args, console)
        let smtp: SMTPConfiguration
        do {
            smtp = try SMTPConfiguration(url: try required("smtp"), tls: tls, username: username, password: password, caFile: args.option("ca-file"))
        } catch {
            throw UsageError((error as? SMTPConfigurationError)?.message ?? "\(error)")
        }
        let message = try compose(args, console: console, subject: try required("subject"), from: try required("from"),
                                  html: try required("html"), recipients: args.all("to"))
        let signer = try dkimSigner(args, console)
        let adapter: EmailAdapter
        do {
            adapter = try EmailAdapter(smtp: smtp, dkim: signer)
        } catch {
            throw CommandFailure(error.description)
        }
        do {
            let receipt = try await adapter.send(OutboundMessage(notificationID: message.messageID, content: .email(message)))
            if args.flag("json") {
                console.print(Value.object(ValueObject([("message_id", .string(receipt.providerMessageID)), ("status", .string(receipt.status.rawValue))])).jsonString)
            } else {
                console.print(receipt.providerMessageID)
            }
            return 0
        } catch {
            if args.flag("json") {
                var o = ValueObject([("message_id", .string(message.messageID)), ("status", .string("failed")),
                                     ("retryable", .bool(!error.isPermanent)), ("reason", .string(error.reason))])
                if let code = error.providerCode { o["code"] = .string(code) }
                console.print(Value.object(o).jsonString)
            }
            console.error("kassa send-email: \(error)")
            return error.isPermanent ? 1 : retryableExit
        }
    }

    /// The SMTP login: the environment, or `--credentials FILE` (JSON); never an argument.
    private static func credentials(_ args: Arguments, _ console: Console) throws -> (String?, String?) {
        if let file = args.option("credentials") {
            guard case .object(let o)? = try? Value(jsonBytes: [UInt8](try console.read(file))),
                  let username = o["username"]?.stringValue, let password = o["password"]?.stringValue
            else { throw CommandFailure("\(file): expected a JSON object {\"username\": …, \"password\": …}") }
            return (username, password)
        }
        return (console.environment["KASSA_SMTP_USERNAME"], console.environment["KASSA_SMTP_PASSWORD"])
    }

    private static func compose(_ args: Arguments, console: Console, subject: String, from: String, html htmlFile: String,
                                recipients: [String]) throws -> EmailMessage {
        guard !recipients.isEmpty else { throw UsageError("--to is required") }
        func text(_ file: String) throws -> String {
            guard let text = String(validating: [UInt8](try console.read(file)), as: UTF8.self) else {
                throw CommandFailure("\(file): not UTF-8 text")
            }
            return text
        }
        func part(_ file: String, inline: Bool) throws -> EmailAttachment {
            let url = URL(fileURLWithPath: file)
            let name = url.lastPathComponent
            do {
                return try EmailAttachment(filename: name, contentType: contentType(of: url), data: [UInt8](try console.read(file)),
                                           contentID: inline ? url.deletingPathExtension().lastPathComponent : nil)
            } catch let error as EmailError {
                throw CommandFailure("\(file): \(error)")
            }
        }
        let html = try text(htmlFile)
        do {
            let domain = from.split(separator: "@").last.map(String.init) ?? "apikassa.ru"
            let message = EmailMessage(
                from: try EmailAddress(from, name: args.option("from-name")),
                to: try recipients.map { (address) throws(EmailError) in try EmailAddress(address) },
                replyTo: try args.option("reply-to").map { (address) throws(EmailError) in try EmailAddress(address) },
                subject: subject,
                text: try args.option("text").map(text) ?? EmailHTML.plainText(fromHTML: html),
                html: html,
                inline: try args.all("inline").map { try part($0, inline: true) },
                attachments: try args.all("attach").map { try part($0, inline: false) },
                messageID: try EmailMessage.messageID("test-" + Crypto.hex(try Crypto.randomBytes(12)), domain: domain),
                date: Date())
            try message.validate()
            return message
        } catch let error as EmailError {
            throw CommandFailure(error.description)
        }
    }

    private static func dkimSigner(_ args: Arguments, _ console: Console) throws -> DKIMSigner? {
        let given = [args.option("dkim-key"), args.option("dkim-domain"), args.option("dkim-selector")]
        guard given.contains(where: { $0 != nil }) else { return nil }
        guard let keyFile = given[0], let domain = given[1], let selector = given[2] else {
            throw UsageError("DKIM needs all three of --dkim-key, --dkim-domain and --dkim-selector")
        }
        do {
            return try DKIMSigner(domain: domain, selector: selector, privateKeyPEM: String(decoding: try console.read(keyFile), as: UTF8.self))
        } catch let error as DKIMError {
            throw CommandFailure("\(keyFile): \(error)")
        }
    }

    static func contentType(of url: URL) -> String {
        switch url.pathExtension.lowercased() {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "svg": return "image/svg+xml"
        case "webp": return "image/webp"
        case "pdf": return "application/pdf"
        case "txt": return "text/plain; charset=utf-8"
        case "html", "htm": return "text/html; charset=utf-8"
        case "csv": return "text/csv; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}

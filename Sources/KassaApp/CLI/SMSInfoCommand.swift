import Channels
import Foundation
import TemplateEngine

/// `kassa sms-info TEXT [--json]` (`-` reads the text from standard input): the encoding, the
/// length in units and the number of parts an SMS of this text takes.
enum SMSInfoCommand {
    static func run(_ words: [String], console: Console) throws -> Int32 {
        let args = try Arguments(words, options: [], flags: ["json"])
        var text = try args.expectPositional(["TEXT"])[0]
        if text == "-" {
            guard let input = String(data: try console.read("-"), encoding: .utf8) else {
                throw CommandFailure("standard input is not valid UTF-8")
            }
            // A final newline from `echo` or a file is not part of the message.
            text = input.hasSuffix("\n") ? String(input.dropLast()) : input
        }
        let info = SMSInfo(text: text)
        if args.flag("json") {
            console.print(Value.object(ValueObject([("encoding", .string(info.encoding.rawValue)), ("units", .int(info.units)),
                                                    ("parts", .int(info.parts))])).jsonString)
        } else {
            console.print("\(info.encoding.rawValue), \(info.units) units, \(info.parts) \(info.parts == 1 ? "part" : "parts")")
        }
        return 0
    }
}

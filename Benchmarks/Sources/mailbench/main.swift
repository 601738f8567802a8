// mailbench: how many typical notification e-mails per second we build (MIME), sign (DKIM) and
// send over one reused SMTP connection.
//
//   mailbench [--port P] [--seconds S] [--dkim-key PEM] [--json]
//   mailbench --iterations N [--dkim-key PEM]   builds (and signs) N messages and exits: for
//                                                callgrind, which counts instructions per message
// With --port: one message at a time over one connection (sent_per_sec), then through the
// EmailAdapter with --in-flight messages (default 8) over --connections (default 4) connections
// (adapter_sent_per_sec), as the dispatcher sends.
// Without --port only building and signing are measured. Run it held to one core (taskset -c 0),
// with the SMTP sink on another, so that the sink is not what is measured.
import Channels
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("mailbench: \(message)\n".utf8))
    exit(2)
}

var port: Int?
var seconds = 5.0
var keyFile: String?
var json = false
var iterations: Int?
var connections = 4
var inFlight = 8
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--port": port = args.popFirst().flatMap { Int($0) } ?? { fail("--port needs a number") }()
    case "--seconds": seconds = args.popFirst().flatMap { Double($0) } ?? { fail("--seconds needs a number") }()
    case "--dkim-key": keyFile = args.popFirst() ?? { fail("--dkim-key needs a file") }()
    case "--json": json = true
    case "--connections": connections = args.popFirst().flatMap { Int($0) } ?? { fail("--connections needs a number") }()
    case "--in-flight": inFlight = args.popFirst().flatMap { Int($0) } ?? { fail("--in-flight needs a number") }()
    case "--iterations": iterations = args.popFirst().flatMap { Int($0) } ?? { fail("--iterations needs a number") }()
    default: fail("unknown argument '\(arg)'")
    }
}

// A receipt notification as partners send them: Cyrillic subject and names, 4 KB of HTML, the text
// part, an inline 6 KB logo.
let html = "<html><body>" + String(repeating: "<p>Заказ KO-2026-001542 оплачен: выписка из ЕГРН на объект 77:01:0004012:1234, 450,00 ₽.</p>\n", count: 30) + #"<img src="cid:logo" alt="Ромашка"></body></html>"#
let text = String(repeating: "Заказ KO-2026-001542 оплачен: выписка из ЕГРН на объект 77:01:0004012:1234, 450,00 ₽.\n", count: 30)
let logo = (0..<6000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

func message(_ n: Int) throws -> EmailMessage {
    EmailMessage(from: try EmailAddress("noreply@apikassa.ru", name: "ООО «Ромашка»"), to: [try EmailAddress("payer\(n)@example.ru")],
                 replyTo: try EmailAddress("help@romashka.ru"), subject: "Заказ KO-2026-001542 оплачен — выписка будет готова через 2 часа",
                 text: text, html: html,
                 inline: [try EmailAttachment(filename: "logo.png", contentType: "image/png", data: logo, contentID: "logo")],
                 messageID: try EmailMessage.messageID("n-\(n)", domain: "apikassa.ru"), date: Date())
}

let signer: DKIMSigner? = try keyFile.map { try DKIMSigner(domain: "apikassa.ru", selector: "k1", privateKeyPEM: String(contentsOfFile: $0, encoding: .utf8)) }

func rate(_ seconds: Double, _ body: (Int) throws -> Void) rethrows -> Double {
    let start = Date()
    var n = 0
    while Date().timeIntervalSince(start) < seconds {
        try body(n)
        n += 1
    }
    return Double(n) / Date().timeIntervalSince(start)
}

if let iterations {
    for n in 0..<iterations { _ = try EmailAdapter.wire(try message(n), signer: signer) }
    exit(0)
}

var results: [(String, Double)] = []
let bytes = try EmailAdapter.wire(try message(0), signer: nil).count
results.append(("mime_per_sec", try rate(min(seconds, 3)) { n in _ = try EmailAdapter.wire(try message(n), signer: nil) }))
if let signer {
    results.append(("mime_dkim_per_sec", try rate(min(seconds, 3)) { n in _ = try EmailAdapter.wire(try message(n), signer: signer) }))
}
if let port {
    let transport = try SMTPTransport(try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", tls: SMTPConfiguration.TLS.plain))
    results.append(("sent_per_sec", try rate(seconds) { n in
        let m = try message(n)
        try transport.send(from: "bounce@apikassa.ru", to: m.to.map(\.address), message: try EmailAdapter.wire(m, signer: signer))
    }))
}
if let port {
    // As the dispatcher sends: several messages in flight through the adapter, so that building and
    // signing one overlaps the SMTP round trips of another.
    let adapter = try EmailAdapter(smtp: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)", tls: SMTPConfiguration.TLS.plain),
                                   connections: connections, dkim: signer, envelopeSender: "bounce@apikassa.ru")
    // Built beforehand (cheap: no MIME yet) so that the tasks share nothing mutable.
    let queues: [[EmailMessage]] = try (0..<inFlight).map { w in try (0..<3000).map { try message(w * 1_000_000 + $0) } }
    let start = Date()
    let duration = seconds
    let sent = await withTaskGroup(of: Int.self) { group in
        for queue in queues {
            group.addTask {
                var n = 0
                while n < queue.count, Date().timeIntervalSince(start) < duration {
                    let m = queue[n]
                    guard (try? await adapter.send(OutboundMessage(notificationID: m.messageID, content: .email(m)))) != nil else { return n }
                    n += 1
                }
                return n
            }
        }
        var total = 0
        for await n in group { total += n }
        return total
    }
    results.append(("adapter_sent_per_sec", Double(sent) / Date().timeIntervalSince(start)))
}
if json {
    print("{" + (results.map { "\"\($0.0)\": \(Int($0.1))" } + ["\"message_bytes\": \(bytes)", "\"dkim\": \(signer != nil)"]).joined(separator: ", ") + "}")
} else {
    print("message: \(bytes) bytes (MIME, \(signer == nil ? "unsigned" : "DKIM-signed when sent"))")
    for (name, value) in results { print("\(name): \(Int(value))") }
}

import Foundation
import TestPeers
import Testing

/// What CPython's `email` package (policy.default) reads from a message: the independent oracle
/// for the MIME writer. A test that cannot run python3 fails; it never skips.
struct PythonParsedEmail: Decodable {
    struct Mailbox: Decodable, Equatable {
        var name: String
        var address: String
    }

    struct Tree: Decodable, Equatable, CustomStringConvertible {
        var type: String
        var parts: [Tree]?

        var description: String {
            guard let parts else { return type }
            return "\(type){\(parts.map(\.description).joined(separator: ", "))}"
        }
    }

    struct File: Decodable, Equatable {
        var type: String
        var disposition: String?
        var filename: String?
        var contentID: String?
        var size: Int
        var sha256: String
    }

    var subject: String?
    var from: [Mailbox]?
    var to: [Mailbox]?
    var replyTo: [Mailbox]?
    var date: String?
    var messageID: String?
    var mimeVersion: String?
    var listUnsubscribe: String?
    var listUnsubscribePost: String?
    var tree: Tree
    var text: String?
    var html: String?
    var files: [File]
    var defects: [String]
    var headers: [[String]]

    func header(_ name: String) -> String? {
        headers.first { $0[0].lowercased() == name.lowercased() }?[1]
    }
}

enum PythonEmailOracle {
    private static let script = #"""
import sys, json, hashlib, email
from email import policy

data = sys.stdin.buffer.read()
msg = email.message_from_bytes(data, policy=policy.default)

def mailboxes(header):
    if header is None:
        return None
    return [{"name": a.display_name, "address": a.addr_spec} for a in header.addresses]

def tree(part):
    if part.is_multipart():
        return {"type": part.get_content_type(), "parts": [tree(p) for p in part.iter_parts()]}
    return {"type": part.get_content_type()}

def body(kind):
    part = msg.get_body(preferencelist=(kind,))
    return None if part is None else part.get_content().replace("\r\n", "\n")

defects = []
files = []
for part in msg.walk():
    defects += [type(d).__name__ for d in part.defects]
    for name, value in part.items():
        defects += ["%s: %s" % (name, type(d).__name__) for d in getattr(value, "defects", ())]
    if part.is_multipart():
        continue
    if part.get_content_type() in ("text/plain", "text/html") and part.get_content_disposition() is None:
        continue
    payload = part.get_payload(decode=True)
    files.append({
        "type": part.get_content_type(),
        "disposition": part.get_content_disposition(),
        "filename": part.get_filename(),
        "contentID": None if part["content-id"] is None else str(part["content-id"]),
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    })

def text(name):
    value = msg[name]
    return None if value is None else str(value)

print(json.dumps({
    "subject": text("subject"),
    "from": mailboxes(msg["from"]),
    "to": mailboxes(msg["to"]),
    "replyTo": mailboxes(msg["reply-to"]),
    "date": None if msg["date"] is None else msg["date"].datetime.isoformat(),
    "messageID": text("message-id"),
    "mimeVersion": text("mime-version"),
    "listUnsubscribe": text("list-unsubscribe"),
    "listUnsubscribePost": text("list-unsubscribe-post"),
    "tree": tree(msg),
    "text": body("plain"),
    "html": body("html"),
    "files": files,
    "defects": defects,
    "headers": [[k, str(v)] for k, v in msg.items()],
}))
"""#

    /// Parses `message` with python3; records an issue and returns nil when python3 cannot run or fails.
    static func parse(_ message: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> PythonParsedEmail? {
        // The message goes through a file opened as stdin, so neither side can block on a full pipe.
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("mime-\(UUID().uuidString).eml")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            try Data(message).write(to: input)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script]
            process.standardInput = try FileHandle(forReadingFrom: input)
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let stdout = output.fileHandleForReading.readDataToEndOfFile()
            let stderr = errors.fileHandleForReading.readDataToEndOfFile()
            let status = ChildProcess.wait(process, timeout: 60) ?? ChildProcess.stop(process, grace: 1) ?? -1
            guard status == 0 else {
                let reason = status == 127 ? "python3 was not found on PATH" : "python3 failed with exit status \(status)"
                Issue.record("""
                    \(reason); the MIME round-trip oracle needs CPython 3 with its email package: \
                    \(String(decoding: stderr, as: UTF8.self))
                    """, sourceLocation: sourceLocation)
                return nil
            }
            return try JSONDecoder().decode(PythonParsedEmail.self, from: stdout)
        } catch {
            Issue.record("could not run python3 for the MIME round-trip oracle: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}

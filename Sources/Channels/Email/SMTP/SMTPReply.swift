/// An SMTP server's reply line (`550-5.1.1 No such user`), with the enhanced status code (RFC 3463)
/// when the server gives one, and what it means for delivery.
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let enhanced: String?
    let text: String

    init(code: Int, enhanced: String?, text: String) {
        self.code = code
        self.enhanced = enhanced
        self.text = text
    }

    /// Parses one reply line; nil when it is not one (`250-PIPELINING` is one; `hello` is not).
    init?(line: Substring) {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, let code = Int(String(line.prefix(3))), (200...599).contains(code) else { return nil }
        self.code = code
        var rest = line.dropFirst(3)
        if rest.first == "-" || rest.first == " " { rest = rest.dropFirst() }
        let words = rest.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        if let first = words.first, Self.isEnhanced(first, class: code / 100) {
            enhanced = String(first)
            text = words.count > 1 ? String(words[1]) : ""
        } else {
            enhanced = nil
            text = String(rest)
        }
    }

    private static func isEnhanced(_ word: Substring, class first: Int) -> Bool {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) } && parts[0] == "\(first)"
    }

    /// The last failure among a session's replies (multi-line replies joined), if any.
    static func lastFailure(in lines: [Substring]) -> SMTPReply? {
        var result: SMTPReply?
        var pending: [SMTPReply] = []
        for line in lines {
            guard let reply = SMTPReply(line: line) else { continue }
            pending.append(reply)
            // A space after the code ends a (possibly multi-line) reply.
            let ends = line.utf8.count <= 3 || line.dropFirst(3).first == " "
            guard ends else { continue }
            if reply.code >= 400, let first = pending.first {
                result = SMTPReply(code: first.code, enhanced: first.enhanced ?? reply.enhanced,
                                   text: pending.map(\.text).filter { !$0.isEmpty }.joined(separator: " "))
            }
            pending = []
        }
        return result
    }

    /// 4xx is temporary, 5xx permanent; a 4xx that speaks of rate or too many messages asks us to slow down.
    var failure: DeliveryFailure {
        let code = "\(self.code)" + (enhanced.map { " \($0)" } ?? "")
        if self.code >= 500 {
            return DeliveryFailure(.permanent, code: code, reason: text.isEmpty ? "the server refused the message" : text,
                                   recipientUnknown: meansNoSuchRecipient)
        }
        let lower = text.lowercased()
        let rateLimited = enhanced == "4.7.28" || enhanced == "4.2.1" || lower.contains("rate") || lower.contains("too many")
        return DeliveryFailure(rateLimited ? .rateLimited(after: nil) : .retryable(after: nil), code: code,
                               reason: text.isEmpty ? "the server deferred the message" : text)
    }

    /// Whether the reply says the mailbox or its domain does not exist, and nothing else: a 550, 551
    /// or 553 with the enhanced code 5.1.1 (bad mailbox), 5.1.2 (bad domain) or 5.1.10 (null MX,
    /// RFC 7505), or, from a server that gives no enhanced code or a vaguer one (Yandex answers
    /// `550 5.7.1 No such user!`), text that says so in so many words. Policy and spam refusals
    /// (5.7.x, 5.2.x, 5.4.x) are not it: the address exists, and may take mail another day.
    var meansNoSuchRecipient: Bool {
        guard [550, 551, 553].contains(code) else { return false }
        if let enhanced, ["5.1.1", "5.1.2", "5.1.10"].contains(enhanced) { return true }
        let lower = text.lowercased()
        return Self.noSuchRecipientPhrases.contains { lower.contains($0) }
    }

    private static let noSuchRecipientPhrases = [
        "no such user", "user unknown", "unknown user", "no such mailbox", "mailbox not found", "user not found",
        "recipient not found", "no such recipient", "mailbox does not exist", "address does not exist", "account does not exist",
    ]
}

import Foundation

/// SMS.ru's JSON answer to `sms/send` or `sms/status` (`json=1`), read and checked: a request-level
/// error or an answer that is not what SMS.ru documents comes out as a classified failure.
///
/// The shape, from SMS.ru's documentation as the `smsru` Rust crate's SPEC.md records it and from a
/// real answer (pastebin.com/rdTddG26): `{"status": "OK"|"ERROR", "status_code": N, "status_text"?,
/// "sms": {KEY: {"status", "status_code", "status_text"?, "sms_id"?}}, "balance"?}`, where KEY is the
/// phone number for `sms/send` and the message id for `sms/status`. Per-recipient errors do not fail
/// the request. Unknown fields are ignored; a code may come as a number or a numeric string.
struct SMSRuAnswer {
    /// One entry of `sms`: one recipient of `sms/send` or one message of `sms/status`.
    struct Entry {
        let ok: Bool
        let code: Int
        /// SMS.ru's `status_text`, redacted; for logs only, it is in Russian.
        let text: String?
        let smsID: String?
    }

    let code: Int
    /// The entries of `sms`, keys trimmed of white space.
    let entries: [String: Entry]

    /// Reads `response`; every text taken from it goes through `redact` first.
    init(_ response: HTTPResponse, redact: (String) -> String) throws(DeliveryFailure) {
        switch response.status {
        case 200:
            break
        case 429:
            throw DeliveryFailure(.rateLimited(after: response.retryAfter), code: "http 429", reason: "SMS.ru asked us to send more slowly")
        case 408, 500...599:
            throw DeliveryFailure(.retryable(after: response.retryAfter), code: "http \(response.status)",
                                  reason: "SMS.ru answered HTTP \(response.status) and may not have taken the request")
        default:
            throw DeliveryFailure(.permanent, code: "http \(response.status)",
                                  reason: "SMS.ru answered HTTP \(response.status) (is the base URL right?)")
        }
        func malformed(_ what: String) -> DeliveryFailure {
            let start = redact(response.text).prefix(120).replacingOccurrences(of: "\n", with: " ")
            return DeliveryFailure(.retryable(after: nil), code: "smsru answer",
                                   reason: "SMS.ru's answer is not the JSON it documents (\(what)): '\(start)'")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)), let top = object as? [String: Any] else {
            throw malformed("not a JSON object")
        }
        guard let status = top["status"] as? String, status == "OK" || status == "ERROR",
              let code = Self.integer(top["status_code"]) else {
            throw malformed("no status and status_code")
        }
        if status == "ERROR" {
            throw SMSRuCodes.failure(code, providerText: (top["status_text"] as? String).map(redact))
        }
        var entries: [String: Entry] = [:]
        if let sms = top["sms"] {
            guard let sms = sms as? [String: Any] else { throw malformed("'sms' is not an object") }
            for (key, value) in sms {
                guard let value = value as? [String: Any], let entryStatus = value["status"] as? String,
                      let entryCode = Self.integer(value["status_code"]) else {
                    throw malformed("an entry of 'sms' has no status and status_code")
                }
                let smsID = (value["sms_id"] as? String).map { $0.trimmingCharacters(in: .whitespaces) }
                entries[key.trimmingCharacters(in: .whitespaces)] = Entry(
                    ok: entryStatus == "OK", code: entryCode, text: (value["status_text"] as? String).map(redact),
                    smsID: smsID?.isEmpty == false ? smsID : nil)
            }
        }
        self.code = code
        self.entries = entries
    }

    /// A JSON number or a numeric string as an integer.
    private static func integer(_ value: Any?) -> Int? {
        if let text = value as? String { return Int(text.trimmingCharacters(in: .whitespaces)) }
        if let number = value as? NSNumber, let exact = Int(exactly: number.doubleValue) { return exact }
        return nil
    }
}

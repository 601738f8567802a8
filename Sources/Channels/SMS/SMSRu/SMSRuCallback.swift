import Foundation

/// SMS.ru's delivery reports as it posts them to our callback handler, read into `DeliveryReport`s.
///
/// The format comes from SMS.ru's handler example (documented at `sms.ru/?panel=api&subpanel=cb`, as
/// reproduced in client libraries: the SmsRu C# `CallbackHandler`, the Ruby `SmsRu::Webhook`, PHP
/// controllers) and reference §3.2: a form POST of fields `data[0]` … `data[n]`, each one record of
/// lines joined by "\n". A status record is `sms_status`, the sms_id, the delivery code and the Unix
/// time; other kinds (`callcheck_status` for call authorisation, a `test` heartbeat) are skipped
/// here. SMS.ru's page says the handler must answer every request with `100` (`reply`), or it
/// counts the post as failed and sends it again.
///
/// Authenticity: the same PHP example (with SMS.ru's own comment) and the Ruby library check a
/// `hash` field, the hex SHA-256 of the `api_id` followed by the `data` records concatenated in
/// order; `isAuthentic(body:configuration:)` checks it. That is a secret-prefix hash, not an HMAC:
/// it is open to length extension once one genuine post is known, and nothing in it stops a
/// replay. The service should therefore also put the handler behind a long random path token over
/// HTTPS, and apply reports idempotently (a status never moves backwards), polling `sms/status`
/// when a report would change what it does next.
///
/// ```swift
/// guard SMSRuCallback.isAuthentic(body: body, configuration: account) else { return .forbidden }
/// for report in try SMSRuCallback.parse(body: body) { try outbox.record(report) }
/// return .ok(SMSRuCallback.reply)
/// ```
public enum SMSRuCallback {
    /// The body SMS.ru requires in answer to every callback request.
    public static let reply = "100"

    /// The status reports in a callback body (`application/x-www-form-urlencoded`), in `data[N]`
    /// order; records of other kinds, and codes not in SMS.ru's table, are skipped.
    public static func parse(body: String) throws(SMSRuCallbackError) -> [DeliveryReport] {
        var reports: [DeliveryReport] = []
        for (name, record) in try records(FormEncoding.decode(body)) {
            // "\r\n" is one Character in Swift, so it is named as a separator of its own.
            let lines = record.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard lines[0] == "sms_status" else { continue }
            guard lines.count >= 4 else {
                throw SMSRuCallbackError("\(name): an sms_status record needs 4 lines (kind, sms_id, code, Unix time), it has \(lines.count)")
            }
            let id = lines[1]
            guard !id.isEmpty, !id.contains(where: { $0.isWhitespace }) else {
                throw SMSRuCallbackError("\(name): the sms_id is empty or holds spaces")
            }
            guard let code = Int(lines[2]) else {
                throw SMSRuCallbackError("\(name): the status code '\(lines[2].prefix(20))' is not a number")
            }
            guard let seconds = Int64(lines[3]), seconds >= 0 else {
                throw SMSRuCallbackError("\(name): the time '\(lines[3].prefix(20))' is not a Unix time")
            }
            guard let delivery = SMSRuCodes.delivery(code) else { continue }
            reports.append(DeliveryReport(providerMessageID: id, status: delivery.status, at: Date(timeIntervalSince1970: TimeInterval(seconds)),
                                          providerCode: String(code), reason: delivery.reason))
        }
        return reports
    }

    /// Whether the body's `hash` is SHA-256(`api_id` + `data[0]` + … + `data[n]`) for this account,
    /// compared in constant time; a body without one, or not readable, is not authentic.
    public static func isAuthentic(body: String, configuration: SMSRuConfiguration) -> Bool {
        let fields = FormEncoding.decode(body)
        guard let hash = fields.last(where: { $0.name == "hash" })?.value.lowercased(), hash.utf8.count == 64,
              let data = try? records(fields) else {
            return false
        }
        let expected = Array(hex(ChannelCrypto.sha256(Array((configuration.apiID.value + data.map(\.value).joined()).utf8))).utf8)
        let given = Array(hash.utf8)
        return ChannelCrypto.constantTimeEqual(expected, given)
    }

    /// The `data[N]` fields in index order; a body with none, or with an index twice, is not SMS.ru's.
    private static func records(_ fields: [(name: String, value: String)]) throws(SMSRuCallbackError) -> [(name: String, value: String)] {
        var indexed: [Int: (name: String, value: String)] = [:]
        for field in fields where field.name.hasPrefix("data[") && field.name.hasSuffix("]") {
            guard let index = Int(field.name.dropFirst(5).dropLast()), index >= 0 else { continue }
            guard indexed.updateValue(field, forKey: index) == nil else {
                throw SMSRuCallbackError("\(field.name) appears twice")
            }
        }
        guard !indexed.isEmpty else { throw SMSRuCallbackError("the body has no data[N] fields, so it is not an SMS.ru callback") }
        return indexed.keys.sorted().compactMap { indexed[$0] }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }, as: UTF8.self)
    }
}

/// A callback body that is not what SMS.ru posts; the message names the record at fault.
public struct SMSRuCallbackError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

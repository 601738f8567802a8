/// SMS.ru's numeric codes and what each means for a message.
///
/// The tables are SMS.ru's own ("Status codes" of the `sms/send`, `sms/status` and `sms/cost`
/// documentation, as exported in the `smsru` Rust crate's SPEC.md and summarised in reference §3.2);
/// the classification is ours and follows reference §6.1: retry what is temporary, slow down for
/// limits, stop for what will never change by waiting.
enum SMSRuCodes {
    /// The code of a request or of one recipient that went through.
    static let ok = 100

    /// The failure an error code of `sms/send` or `sms/status` means, at the request level or for one
    /// recipient. `providerText` (SMS.ru's `status_text`, already redacted) is used only for a code
    /// this table does not know.
    ///
    /// - Retryable: 220 (service temporarily unavailable) and 500 (server error), which SMS.ru itself
    ///   says to retry.
    /// - Rate-limited: the account's daily limit (206), the anti-spam limits per number (230–233) and
    ///   the anti-fraud volume limits (503–506, 508). Each lifts by itself after its period and the
    ///   number is not at fault, so the message is not lost; how long to wait, or whether to hand it to
    ///   the next channel instead, is the dispatcher's retry budget. A wait is given only where SMS.ru
    ///   names the period (a minute for 231, ten minutes for 506, five for 508).
    /// - Permanent: everything about this number or this text (202, 203, 205, 207, 209, 214–217),
    ///   money (201: nothing changes until someone pays) and configuration (200, 204, 210–213, 221,
    ///   the 300s, which need a person to fix the account or the code).
    /// - A code not in the table is retryable: SMS.ru refused the request, so a retry cannot
    ///   duplicate the message, and the dispatcher's retry budget bounds it.
    static func failure(_ code: Int, providerText: String? = nil) -> DeliveryFailure {
        let providerCode = String(code)
        func permanent(_ reason: String) -> DeliveryFailure { DeliveryFailure(.permanent, code: providerCode, reason: reason) }
        func retryable(_ reason: String) -> DeliveryFailure { DeliveryFailure(.retryable(after: nil), code: providerCode, reason: reason) }
        func limited(_ reason: String, after: Duration? = nil) -> DeliveryFailure {
            DeliveryFailure(.rateLimited(after: after), code: providerCode, reason: reason)
        }
        func configuration(_ reason: String) -> DeliveryFailure {
            permanent("the SMS.ru account or the adapter is misconfigured: \(reason)")
        }
        switch code {
        case 200: return configuration("SMS.ru does not know this api_id")
        case 201: return permanent("the SMS.ru account has not enough money")
        // The one code that says the recipient cannot exist: a hard bounce.
        case 202: return DeliveryFailure(.permanent, code: providerCode, reason: "SMS.ru says the phone number is wrong", recipientUnknown: true)
        case 203: return permanent("the message has no text")
        case 204: return configuration("the sender name is not approved with this recipient's operator")
        case 205: return permanent("the message is longer than SMS.ru's 8 parts")
        case 206: return limited("the SMS.ru account's daily sending limit is reached")
        case 207: return permanent("SMS.ru has no route to this number")
        case 208: return configuration("SMS.ru refused the send time")
        case 209: return permanent("the number is in the account's stop list")
        case 210: return configuration("the request was not a POST")
        case 211: return configuration("SMS.ru has no such API method (is the base URL right?)")
        case 212: return configuration("the text was not sent as UTF-8")
        case 213: return configuration("too many numbers in one request")
        case 214: return permanent("the number is abroad and the account sends only to Russian numbers")
        case 215: return permanent("the number is in SMS.ru's global stop list (its owner complained of spam)")
        case 216: return permanent("the text holds a word SMS.ru forbids")
        case 217: return permanent("the text advertises credit without the disclaimer the law requires")
        case 220: return retryable("SMS.ru is temporarily unavailable")
        case 221: return configuration("SMS.ru needs a letter sender name matching the site or trademark for this")
        case 230: return limited("the day's limit of messages to this number is reached")
        case 231: return limited("the same text went to this number too often in the last minute", after: .seconds(60))
        case 232: return limited("the same text went to this number too often today")
        case 233: return limited("the limit of repeated code messages to this number is reached")
        case 300: return configuration("SMS.ru refused the authorisation token")
        case 301: return configuration("SMS.ru refused the api_id or login")
        case 302: return configuration("the SMS.ru account is not confirmed")
        case 303...305: return configuration("SMS.ru refused the account's authorisation (code \(code))")
        case 500: return retryable("SMS.ru had a server error")
        case 501, 502: return permanent("SMS.ru's anti-fraud rules refuse the end user's country")
        case 503: return limited("SMS.ru's anti-fraud limit of messages to this country is reached")
        case 504: return limited("SMS.ru's anti-fraud limit of foreign authorisations is reached")
        case 505: return limited("SMS.ru's anti-fraud limit of messages per IP address is reached")
        case 506: return limited("SMS.ru's anti-fraud limit of messages from hosting providers' addresses is reached",
                                 after: .seconds(600))
        case 507: return configuration("SMS.ru refused the end user's IP address")
        case 508: return limited("SMS.ru's anti-fraud limit of calls in five minutes is reached", after: .seconds(300))
        case 550: return permanent("SMS.ru blocks this country for security reasons")
        case 901, 902: return configuration("SMS.ru refused the callback handler (code \(code))")
        default:
            let text = providerText.map { ": \($0.prefix(200))" } ?? ""
            return retryable("SMS.ru answered with code \(code), which this adapter does not know\(text)")
        }
    }

    /// Where a message is, for a delivery code of `sms/status` or of a delivery report, with a plain
    /// reason for every state but the ordinary ones; nil for a code not in SMS.ru's table.
    static func delivery(_ code: Int) -> (status: DeliveryStatus, reason: String?)? {
        switch code {
        case -1: (.failed, "SMS.ru does not know this message")
        case 100: (.accepted, nil)
        case 101: (.sent, "being handed to the operator")
        case 102: (.sent, nil)
        case 103: (.delivered, nil)
        case 104: (.expired, "the message's lifetime ran out before it was delivered")
        case 105: (.failed, "the operator deleted the message")
        case 106: (.failed, "the phone failed to take the message")
        case 107: (.failed, "not delivered, for a reason nobody gave")
        case 108: (.failed, "the operator rejected the message")
        case 110: (.read, nil)
        case 150: (.failed, "there is no route to this number")
        default: nil
        }
    }
}

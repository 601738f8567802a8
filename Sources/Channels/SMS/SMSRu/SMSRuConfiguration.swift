/// An SMS.ru account as the adapter uses it: the secret `api_id`, the sender name, the limits put on
/// every message, and where the API is.
///
/// The `api_id` is a secret: it goes into request bodies only, never into a description, a log line or
/// a failure's reason.
///
/// ```swift
/// let account = try SMSRuConfiguration(apiID: secrets.smsru, from: "Apikassa", ttl: 60)
/// let adapter = SMSRuAdapter(account)
/// ```
public struct SMSRuConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The most parts SMS.ru takes in one message: a longer text is its error 205 (SMS.ru `sms/send` documentation).
    public static let providerMaxParts = 8
    /// The range SMS.ru allows for `ttl`, in minutes (SMS.ru `sms/send` documentation: 1…1440).
    public static let ttlRange = 1...1440
    /// The longest alphanumeric sender name operators accept.
    public static let maxSenderLength = 11

    let apiID: Secret
    /// The sender name shown on the phone; nil sends with the account's default sender.
    public let from: String?
    /// Texts with more parts than this are refused before any request (at most `providerMaxParts`).
    public let maxParts: Int
    /// Minutes the operator keeps trying before the message expires; nil leaves SMS.ru's default.
    public let ttl: Int?
    /// Sends with SMS.ru's `test=1`: the answer is real but nothing is sent or charged.
    public let test: Bool
    /// Where the API is, without a trailing slash: `https://sms.ru`, or a loopback fake in tests.
    public let baseURL: String
    /// The longest one API call may take.
    public let timeout: Duration

    /// Checks every setting; a mistake is reported without the `api_id` in it.
    public init(apiID: String, from: String? = nil, maxParts: Int = SMSRuConfiguration.providerMaxParts, ttl: Int? = nil,
                test: Bool = false, baseURL: String = "https://sms.ru", timeout: Duration = .seconds(15)) throws(SMSRuConfigurationError) {
        guard !apiID.isEmpty, apiID.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw SMSRuConfigurationError("the SMS.ru api_id must be non-empty printable ASCII without spaces")
        }
        if let from { try Self.checkSender(from) }
        guard (1...Self.providerMaxParts).contains(maxParts) else {
            throw SMSRuConfigurationError("maxParts must be from 1 to \(Self.providerMaxParts) (SMS.ru refuses longer texts), not \(maxParts)")
        }
        if let ttl, !Self.ttlRange.contains(ttl) {
            throw SMSRuConfigurationError("ttl must be from 1 to 1440 minutes, not \(ttl)")
        }
        guard timeout > .zero else {
            throw SMSRuConfigurationError("the timeout must be positive")
        }
        let url = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard Self.isSafe(url) else {
            throw SMSRuConfigurationError(
                "the SMS.ru base URL must be https:// (plain http:// only on loopback), not '\(url.prefix(80))'")
        }
        self.apiID = Secret(value: apiID)
        self.from = from
        self.maxParts = maxParts
        self.ttl = ttl
        self.test = test
        self.baseURL = url
        self.timeout = timeout
    }

    public var description: String {
        "SMS.ru account (api_id redacted" + (from.map { ", from '\($0)'" } ?? "") + ", at most \(maxParts) parts"
            + (ttl.map { ", ttl \($0) min" } ?? "") + (test ? ", test mode" : "") + ", \(baseURL))"
    }

    public var debugDescription: String { description }

    /// No children, so that `dump` and mirrors never reach the `api_id`.
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// `text` with every occurrence of the `api_id` replaced, for anything that came from outside
    /// (a provider's answer, a transport error) before it goes into a failure's reason.
    func redacting(_ text: String) -> String {
        text.replacingOccurrences(of: apiID.value, with: "[api_id]")
    }

    /// Operators accept Latin letters, digits, space and `! ? - _ . ( )`, at most 11 of them
    /// (reference §2.3, from smscentre.com, smstraf.ru and redsms.ru).
    static func checkSender(_ name: String) throws(SMSRuConfigurationError) {
        guard !name.isEmpty, name.count <= maxSenderLength else {
            throw SMSRuConfigurationError("the sender name '\(name)' must be 1 to \(maxSenderLength) characters long")
        }
        guard name.unicodeScalars.allSatisfy(isSenderScalar) else {
            throw SMSRuConfigurationError(
                "the sender name '\(name)' may only hold Latin letters, digits, spaces and ! ? - _ . ( )")
        }
        guard name.unicodeScalars.contains(where: { $0 != " " }) else {
            throw SMSRuConfigurationError("the sender name must not be only spaces")
        }
    }

    private static func isSenderScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", " ", "!", "?", "-", "_", ".", "(", ")": true
        default: false
        }
    }

    /// HTTPS, or plain HTTP to this machine only, so that the `api_id` never crosses a network in clear.
    private static func isSafe(_ url: String) -> Bool {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") { return lower.count > 8 }
        for loopback in ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        where lower == loopback || lower.hasPrefix(loopback + ":") || lower.hasPrefix(loopback + "/") {
            return true
        }
        return false
    }
}

/// The `api_id`, which prints as `[redacted]` however it is printed.
struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String
    var description: String { "[redacted]" }
    var debugDescription: String { "[redacted]" }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// A mistake in an SMS.ru configuration; its message never holds the `api_id`.
public struct SMSRuConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

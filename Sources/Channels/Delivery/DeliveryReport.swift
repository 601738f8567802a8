import Foundation

/// What a provider said later about one message it had taken: a delivery callback or a status poll,
/// in the common vocabulary.
///
/// ```swift
/// // SMS.ru callback line "sms_status\n000000-10000001\n103\n1750000000":
/// let report = DeliveryReport(providerMessageID: "000000-10000001", status: .delivered,
///                             at: Date(timeIntervalSince1970: 1_750_000_000), providerCode: "103")
/// ```
public struct DeliveryReport: Sendable, Equatable, Codable {
    /// The id the provider gave when it took the message (`SendReceipt.providerMessageID`).
    public let providerMessageID: String
    public let status: DeliveryStatus
    /// When the provider says the status was reached, if it said.
    public let at: Date?
    /// The provider's own status or error code: `103` for SMS.ru, `SRVC_USER_BLOCKED` for Viber.
    public let providerCode: String?
    /// A plain sentence for people, mostly for failures; never a secret.
    public let reason: String?

    public init(providerMessageID: String, status: DeliveryStatus, at: Date? = nil, providerCode: String? = nil, reason: String? = nil) {
        self.providerMessageID = providerMessageID
        self.status = status
        self.at = at
        self.providerCode = providerCode
        self.reason = reason
    }
}

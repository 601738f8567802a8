import Foundation
/// What a provider said later about one message: delivered, read, failed, expired…
public struct DeliveryReport: Sendable, Equatable {
    public let providerMessageID: String
    public let status: DeliveryStatus
    public let at: Date?
    public let providerCode: String?
    public let reason: String?
    public init(providerMessageID: String, status: DeliveryStatus, at: Date? = nil, providerCode: String? = nil, reason: String? = nil) {
        self.providerMessageID = providerMessageID; self.status = status; self.at = at; self.providerCode = providerCode; self.reason = reason
    }
}

/// Where a message is, in one vocabulary for every channel and provider.
public enum DeliveryStatus: String, Sendable, Equatable, CaseIterable, Codable {
    /// The provider took the message; nothing more is known yet.
    case accepted
    /// The provider handed it on towards the recipient.
    case sent
    /// It reached the recipient's device or mailbox.
    case delivered
    /// The recipient opened it (where the channel reports that).
    case read
    /// It will not arrive.
    case failed
    /// The provider gave up waiting for the recipient.
    case expired

    /// Whether no later status can follow.
    public var isFinal: Bool { self == .read || self == .failed || self == .expired }
}

/// What a provider answered when it took a message.
public struct SendReceipt: Sendable, Equatable {
    /// The provider's id of the message (for e-mail, our `Message-ID`), for status queries and reports.
    public let providerMessageID: String
    public let status: DeliveryStatus

    public init(providerMessageID: String, status: DeliveryStatus) {
        self.providerMessageID = providerMessageID
        self.status = status
    }
}

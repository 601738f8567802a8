import Channels
import Foundation

/// Which entries a listing shows: one partner's own (with `partnerID`), the global ones (with
/// `globalOnly`), or all (neither, operators only); optionally one channel or one address.
struct SuppressionFilter: Sendable, Equatable {
    var partnerID: String?
    var globalOnly = false
    var channel: ChannelKind?
    /// Normalised addresses, any of which matches (an address given without a channel may be on several).
    var addresses: [String] = []
    var limit = 500
}

/// Which suppression entry would stop a message of `partnerID` to `address` on `channel`: a global
/// one or the partner's own, with a scope that covers the message.
struct SuppressionQuery: Sendable, Equatable {
    let partnerID: String
    let channel: ChannelKind
    /// Normalised.
    let address: String
    let transactional: Bool
}

/// The suppression list, partners' daily quotas and the send counters that enforce quotas and caps.
protocol SuppressionStore: Sendable {
    /// Adds `entry` unless the same partner, channel, address and reason are already there; returns
    /// the stored entry and whether it is new.
    func addSuppression(_ entry: NewSuppression, now: Date) throws -> (entry: SuppressionEntry, created: Bool)
    /// Entries newest first.
    func suppressions(_ filter: SuppressionFilter) throws -> [SuppressionEntry]
    func suppression(id: String) throws -> SuppressionEntry?
    func deleteSuppression(id: String) throws -> Bool

    /// The partner's own daily limits, by channel, where an operator set them.
    func partnerQuotas(partnerID: String) throws -> [ChannelKind: Int]
    /// Sets (a number) or clears (nil) the partner's own daily limits, in one transaction.
    func setPartnerQuotas(partnerID: String, _ changes: [ChannelKind: Int?], now: Date) throws
    /// How many sends a counter holds for its period.
    func sends(key: String, period: String) throws -> Int
    /// Deletes the counters of periods that began before `date`; returns how many.
    func pruneSendCounters(before date: Date) throws -> Int
}

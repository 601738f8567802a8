import Foundation

/// One channel in a cascade: how it retries, and how long an accepted message may stay unconfirmed
/// before the next channel takes over.
public struct CascadeStep: Sendable, Equatable, Codable {
    public var channel: ChannelKind
    public var retry: RetryPolicy
    /// When set, a message the provider accepted must be reported delivered or read within this
    /// time or the next channel takes over; when nil, acceptance is enough. The last step ignores it,
    /// since no channel is left to take over.
    public var confirmWithin: Duration?

    public init(_ channel: ChannelKind, retry: RetryPolicy = .standard, confirmWithin: Duration? = nil) {
        self.channel = channel
        self.retry = retry
        self.confirmWithin = confirmWithin
    }
}

/// The channels to try for one message, in order, each taking over when the one before fails or
/// does not confirm delivery in time.
///
/// The caller leaves out the channels the payer has no contact for:
/// ```swift
/// let policy = CascadePolicy.standard.restricted(to: [.sms, .email])   // SMS, then e-mail
/// ```
public struct CascadePolicy: Sendable, Equatable, Codable {
    public var steps: [CascadeStep]

    public init(_ steps: [CascadeStep]) {
        self.steps = steps
    }

    /// Viber, then VK, then SMS, then e-mail, each with the standard retry policy.
    ///
    /// Viber reports delivery and costs less than SMS, so it goes first, and SMS takes over when it
    /// does not confirm within 10 minutes (Vonage's default failover window). VK reports no delivery
    /// (a message it accepts is in the recipient's dialog) and SMS reports come late, so acceptance
    /// is enough for both; their later reports are still recorded. E-mail, nearly always on file and
    /// free, is the last resort.
    public static let standard = CascadePolicy([
        CascadeStep(.viber, confirmWithin: .seconds(10 * 60)),
        CascadeStep(.vk),
        CascadeStep(.sms),
        CascadeStep(.email),
    ])

    /// The same policy without the steps whose channel is not in `channels`, such as those the
    /// payer has no contact for.
    public func restricted(to channels: Set<ChannelKind>) -> CascadePolicy {
        CascadePolicy(steps.filter { channels.contains($0.channel) })
    }
}

extension CascadePolicy {
    private enum CodingKeys: String, CodingKey { case steps }

    /// The standard policy restricted to some channels is stored as `"standard:viber,sms"`; any
    /// other policy as its steps. The state of every message carries its policy, and the dispatcher
    /// writes that state at every step, so the short form matters.
    public func encode(to encoder: any Encoder) throws {
        let channels = steps.map(\.channel)
        if CascadePolicy.standard.restricted(to: Set(channels)) == self {
            var container = encoder.singleValueContainer()
            try container.encode("standard:" + channels.map(\.rawValue).joined(separator: ","))
        } else {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(steps, forKey: .steps)
        }
    }

    public init(from decoder: any Decoder) throws {
        if let short = try? decoder.singleValueContainer().decode(String.self) {
            guard short.hasPrefix("standard:") else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown cascade policy '\(short)'"))
            }
            var channels: Set<ChannelKind> = []
            for name in short.dropFirst("standard:".count).split(separator: ",") {
                guard let channel = ChannelKind(rawValue: String(name)) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown channel '\(name)'"))
                }
                channels.insert(channel)
            }
            self = CascadePolicy.standard.restricted(to: channels)
        } else {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(try container.decode([CascadeStep].self, forKey: .steps))
        }
    }
}

/// What the dispatcher does next for a message in a cascade.
public enum CascadeAction: Sendable, Equatable, Codable {
    /// Send the message on this channel now; `attempt` counts the tries on that channel from 1.
    case send(ChannelKind, attempt: Int)
    /// Send the message on this channel again at the given time.
    case retry(ChannelKind, attempt: Int, at: Date)
    /// Wait for a delivery report until the given time, then call `timerFired(now:)`.
    case awaitConfirmation(ChannelKind, until: Date)
    /// The message is through on this channel, with the status that was enough.
    case done(ChannelKind, DeliveryStatus)
    /// No channel is left to try; the reason is a plain sentence.
    case giveUp(reason: String)
    /// Nothing to do: the event was stale, early, a duplicate, or only worth recording.
    case nothing
}

/// One try on one channel, as the cascade's history shows it.
public struct CascadeAttempt: Sendable, Equatable, Codable {
    public let channel: ChannelKind
    /// The try's number on its channel, from 1.
    public let number: Int
    /// When the send's result came in.
    public let at: Date
    /// The provider's id of the message, when it took it.
    public let providerMessageID: String?
    /// The latest status: from the receipt and later reports, or `failed` when the send itself failed.
    public internal(set) var status: DeliveryStatus
    public internal(set) var providerCode: String?
    /// Why the try failed, or why the cascade stopped waiting for it, in a plain sentence.
    public internal(set) var reason: String?

    /// Takes a later status from `report` and returns true, unless the report tells nothing newer.
    mutating func apply(_ report: DeliveryReport) -> Bool {
        guard report.status.progress > status.progress else { return false }
        status = report.status
        providerCode = report.providerCode ?? providerCode
        reason = report.reason ?? reason
        return true
    }
}

/// One message going through a `CascadePolicy`: a pure state machine whose methods take what
/// happened (and the time, where it matters) and return what to do next.
///
/// ```swift
/// var cascade = CascadeState(policy: .standard.restricted(to: [.viber, .sms]))
/// cascade.start()                                          // .send(.viber, attempt: 1)
/// cascade.sendSucceeded(receipt, now: t)                   // .awaitConfirmation(.viber, until: t + 10 min)
/// cascade.timerFired(now: t + .seconds(600))               // .send(.sms, attempt: 1)
/// ```
///
/// Reports are matched to the try that got the provider's message id on that channel; a report for a
/// try the cascade has moved on from updates the history and nothing else. The state is `Codable`
/// so that the dispatcher can keep it in the outbox row.
public struct CascadeState: Sendable, Equatable, Codable {
    enum Phase: Sendable, Equatable, Codable {
        case ready
        /// A send on the current step is due, now or at a retry time; its result comes next.
        case sending
        case awaitingConfirmation(providerMessageID: String, until: Date)
        case done
        case gaveUp
    }

    public let policy: CascadePolicy
    /// Every try so far, oldest first.
    public private(set) var history: [CascadeAttempt] = []
    var phase = Phase.ready
    var step = 0
    /// Sends on the current step, the one due or in flight included.
    var tries = 0
    /// Rate-limited failures on the current step.
    var rateLimitedWaits = 0

    public init(policy: CascadePolicy) {
        self.policy = policy
    }

    /// The channel the cascade is on, or ended on; nil only for a policy with no steps.
    public var channel: ChannelKind? {
        step < policy.steps.count ? policy.steps[step].channel : nil
    }

    /// Whether the message is through or given up.
    public var isFinished: Bool { phase == .done || phase == .gaveUp }

    /// Starts the cascade on its first channel.
    public mutating func start() -> CascadeAction {
        guard phase == .ready else { return .nothing }
        guard !policy.steps.isEmpty else {
            phase = .gaveUp
            return .giveUp(reason: "No channel reaches the recipient.")
        }
        return enter(step: 0)
    }

    /// The provider took the current send.
    public mutating func sendSucceeded(_ receipt: SendReceipt, now: Date) -> CascadeAction {
        guard phase == .sending else { return .nothing }
        let current = policy.steps[step]
        history.append(CascadeAttempt(
            channel: current.channel, number: tries, at: now,
            providerMessageID: receipt.providerMessageID, status: receipt.status))
        switch receipt.status {
        case .delivered, .read:
            phase = .done
            return .done(current.channel, receipt.status)
        case .failed, .expired:
            return fallBack(after: "\(current.channel.displayName) reported the message \(receipt.status.rawValue)")
        case .accepted, .sent:
            guard let within = current.confirmWithin, step + 1 < policy.steps.count else {
                phase = .done
                return .done(current.channel, receipt.status)
            }
            let until = now.adding(within)
            phase = .awaitingConfirmation(providerMessageID: receipt.providerMessageID, until: until)
            return .awaitConfirmation(current.channel, until: until)
        }
    }

    /// The provider refused the current send; `random` (in `0..<1`) spreads the retry delay.
    public mutating func sendFailed(_ failure: DeliveryFailure, now: Date, random: Double) -> CascadeAction {
        guard phase == .sending else { return .nothing }
        let current = policy.steps[step]
        history.append(CascadeAttempt(
            channel: current.channel, number: tries, at: now, providerMessageID: nil,
            status: .failed, providerCode: failure.providerCode, reason: failure.reason))
        if case .rateLimited = failure.kind { rateLimitedWaits += 1 }
        let decision = current.retry.decision(
            after: failure, attempts: tries - rateLimitedWaits, rateLimitedWaits: rateLimitedWaits, random: random)
        switch decision {
        case .wait(let delay):
            tries += 1
            return .retry(current.channel, attempt: tries, at: now.adding(delay))
        case .stop(let reason):
            return fallBack(after: reason)
        }
    }

    /// A provider reported on a message it took on `channel`; a confirmation still counts after the
    /// deadline as long as the timer has not moved the cascade on.
    public mutating func reportReceived(_ report: DeliveryReport, on channel: ChannelKind) -> CascadeAction {
        guard let index = history.lastIndex(where: {
            $0.channel == channel && $0.providerMessageID == report.providerMessageID
        }) else { return .nothing }
        guard history[index].apply(report) else { return .nothing }
        guard case .awaitingConfirmation(let id, _) = phase, id == report.providerMessageID,
              policy.steps[step].channel == channel else { return .nothing }
        switch report.status {
        case .delivered, .read:
            phase = .done
            return .done(channel, report.status)
        case .failed, .expired:
            return fallBack(after: report.reason ?? "\(channel.displayName) reported the message \(report.status.rawValue)")
        case .accepted, .sent:
            return .nothing
        }
    }

    /// The confirmation timer went off: past the deadline, the next channel takes over; before it,
    /// the same deadline is returned to wait for; with no deadline pending, nothing happens.
    public mutating func timerFired(now: Date) -> CascadeAction {
        guard case .awaitingConfirmation(let id, let until) = phase else { return .nothing }
        let current = policy.steps[step]
        guard now >= until else { return .awaitConfirmation(current.channel, until: until) }
        let reason = "no delivery confirmation within \(current.confirmWithin?.spoken ?? "the time allowed")"
        if let index = history.lastIndex(where: { $0.channel == current.channel && $0.providerMessageID == id }) {
            history[index].reason = reason
        }
        return fallBack(after: reason)
    }

    /// Moves to the next step, or gives up when there is none; `reason` says why the current one stopped.
    private mutating func fallBack(after reason: String) -> CascadeAction {
        guard step + 1 < policy.steps.count else {
            phase = .gaveUp
            return .giveUp(reason: "\(policy.steps[step].channel.displayName), the last channel, failed: \(reason)")
        }
        return enter(step: step + 1)
    }

    private mutating func enter(step index: Int) -> CascadeAction {
        step = index
        tries = 1
        rateLimitedWaits = 0
        phase = .sending
        return .send(policy.steps[index].channel, attempt: 1)
    }
}

extension DeliveryStatus {
    /// How far along a message is, so that a report arriving out of order cannot move it back.
    var progress: Int {
        switch self {
        case .accepted: return 0
        case .sent: return 1
        case .delivered, .failed, .expired: return 2
        case .read: return 3
        }
    }
}

extension Date {
    func adding(_ duration: Duration) -> Date { addingTimeInterval(duration.inSeconds) }
}

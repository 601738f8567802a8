import Channels
import Foundation

/// What the dispatcher does next for one message to one endpoint.
enum WebhookDeliveryAction: Sendable, Equatable, Codable {
    /// The endpoint took the message (it answered 2xx); nothing more to do.
    case succeeded
    /// Send the message again at this time.
    case retry(at: Date)
    /// The endpoint asked us to slow down (429, 502, 503, 504): send this message again at this time,
    /// and hold the endpoint's other messages until then.
    case throttle(until: Date)
    /// Every attempt of the round failed; the message stays undelivered until the partner redelivers it.
    case exhausted
    /// The endpoint answered 410 Gone: disable it and send it nothing more; the reason is a plain sentence.
    case disableEndpoint(reason: String)
    /// Nothing to do: the outcome came for a message that was no longer waiting for one.
    case nothing
}

/// The delivery of one message to one endpoint as a pure state machine: outcomes of attempts in,
/// the next thing to do out, every attempt kept for the API. It is `Codable`, to be stored between
/// attempts.
///
/// ```swift
/// var delivery = WebhookDeliveryState(now: now)              // first attempt due now
/// let outcome = await sender.send(message, to: endpoint, now: now)
/// switch delivery.attemptFinished(outcome, now: Date(), random: .random(in: 0..<1)) {
/// case .retry(let at), .throttle(let at): …                   // store, come back at `at`
/// case .succeeded, .exhausted, .disableEndpoint, .nothing: …
/// }
/// ```
struct WebhookDeliveryState: Sendable, Equatable, Codable {
    /// Where the message is.
    enum Phase: Sendable, Equatable, Codable {
        /// An attempt is due at this time.
        case due(Date)
        /// The endpoint answered 2xx.
        case succeeded
        /// The round's last attempt failed.
        case exhausted
        /// The endpoint answered 410 Gone.
        case endpointGone
    }

    let schedule: WebhookSchedule
    private(set) var phase: Phase
    /// Every attempt, in every round, oldest first.
    private(set) var attempts: [WebhookAttempt] = []
    /// 1 for the first delivery, one more for each redelivery.
    private(set) var round = 1
    /// The attempts made in the current round.
    private(set) var attemptsInRound = 0

    /// A new message, whose first attempt is due at `now`.
    init(schedule: WebhookSchedule = .standard, now: Date) {
        self.schedule = schedule
        phase = .due(now)
    }

    /// When the next attempt is due, or nil when none is.
    var nextAttemptAt: Date? {
        if case .due(let date) = phase { date } else { nil }
    }

    /// Records an attempt's outcome and decides what follows; `random` (in `0..<1`) spreads the next delay.
    ///
    /// 2xx succeeds; 410 disables the endpoint; anything else, 3xx included (redirects are not
    /// followed), fails and is retried on the schedule, no sooner than a `Retry-After` asks.
    mutating func attemptFinished(_ outcome: WebhookOutcome, now: Date, random: Double) -> WebhookDeliveryAction {
        attemptsInRound += 1
        attempts.append(WebhookAttempt(round: round, number: attemptsInRound, at: now, outcome: outcome))
        let status: Int?, retryAfter: Duration?, throttled: Bool
        switch outcome.reply {
        case .response(let response):
            status = response.status
            retryAfter = response.retryAfter
            throttled = [429, 502, 503, 504].contains(response.status)
        case .failure(let failure):
            status = nil
            switch failure.kind {
            case .retryable(let after): (retryAfter, throttled) = (after, false)
            case .rateLimited(let after): (retryAfter, throttled) = (after, true)
            case .permanent: (retryAfter, throttled) = (nil, false)
            }
        }
        if let status, (200..<300).contains(status) {
            phase = .succeeded
            return .succeeded
        }
        // A late outcome (a redelivery raced an attempt in flight) is kept, but only a success changes anything.
        guard case .due = phase else { return .nothing }
        if status == 410 {
            phase = .endpointGone
            return .disableEndpoint(reason: "The endpoint answered 410 Gone, which means it wants no more webhooks.")
        }
        guard let delay = schedule.delay(afterAttempt: attemptsInRound, random: random, retryAfter: retryAfter) else {
            phase = .exhausted
            return .exhausted
        }
        let next = now.addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
        phase = .due(next)
        return throttled ? .throttle(until: next) : .retry(at: next)
    }

    /// Starts a fresh round of attempts, the first due at `now`, for a message the partner asked to
    /// redeliver; whether the endpoint is enabled is the caller's check.
    mutating func redeliver(now: Date) -> WebhookDeliveryAction {
        round += 1
        attemptsInRound = 0
        phase = .due(now)
        return .retry(at: now)
    }
}

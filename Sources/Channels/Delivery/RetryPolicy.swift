import Foundation

/// How often, and how far apart, one channel tries a message again after failures it may recover
/// from: exponential backoff with jitter, drawn from a random number the caller passes in.
///
/// The standard policy makes up to 8 attempts. The nominal delay after attempt `n` is
/// `base × factor^(n−1)`, at most `cap`: 15 s, 30 s, 1 min, 2 min, 4 min, 8 min and 15 min (16 min,
/// capped) after attempts 1…7, 30 min 45 s in all. Equal jitter takes each real delay from the upper
/// half of its nominal one, so the whole schedule lasts between about 15 and 31 minutes.
///
/// A rate-limited failure means "slow down", not "this message is failing", so it uses up no
/// attempt; it has its own budget instead: at most `maxRateLimitedWaits` waits per channel, on the
/// same curve counted separately (15 s … 15 min, 76 min in all by default), after which the next
/// channel takes over. A provider's own retry-after wins when it is longer than the computed delay,
/// but no wait is ever longer than `cap`: a provider asking for more is treated as unusable for this
/// message now. So one channel keeps a message at most `(maxAttempts − 1 + maxRateLimitedWaits) × cap`
/// (4 h 15 min by default), and usually far less.
///
/// ```swift
/// let retry = RetryPolicy.standard
/// retry.delay(afterAttempt: 1, random: 0.5)   // 11.25 s: between 7.5 s and 15 s
/// retry.delay(afterAttempt: 8, random: 0.5)   // nil: the 8th attempt was the last
/// ```
public struct RetryPolicy: Sendable, Equatable, Codable {
    /// How a delay is spread below its nominal value, so that messages failing together do not all retry together.
    public enum Jitter: String, Sendable, Equatable, Codable {
        /// Anywhere from zero up to the nominal delay.
        case full
        /// From half the nominal delay up to all of it.
        case equal
    }

    /// The nominal delay after the first attempt.
    public var base: Duration
    /// What each nominal delay is multiplied by for the next.
    public var factor: Double
    /// The longest wait between two attempts, the provider's retry-after included.
    public var cap: Duration
    /// Attempts in all, the first one included; rate-limited attempts do not count.
    public var maxAttempts: Int
    public var jitter: Jitter
    /// How many times a channel may ask us to slow down before the next channel takes over.
    public var maxRateLimitedWaits: Int

    public init(
        base: Duration = .seconds(15), factor: Double = 2, cap: Duration = .seconds(15 * 60),
        maxAttempts: Int = 8, jitter: Jitter = .equal, maxRateLimitedWaits: Int = 10
    ) {
        precondition(base > .zero && factor >= 1 && cap >= base, "a retry policy needs a positive base, a factor of at least 1 and a cap no shorter than the base")
        precondition(maxAttempts >= 1 && maxRateLimitedWaits >= 0, "a retry policy needs at least one attempt")
        self.base = base
        self.factor = factor
        self.cap = cap
        self.maxAttempts = maxAttempts
        self.jitter = jitter
        self.maxRateLimitedWaits = maxRateLimitedWaits
    }

    /// Eight attempts over about half an hour, with equal jitter.
    public static let standard = RetryPolicy()

    /// The wait after attempt `attempt` (from 1) failed, or nil when that was the last;
    /// `random` is a number in `0..<1` that spreads the delay.
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration? {
        precondition(attempt >= 1, "attempts count from 1")
        guard attempt < maxAttempts else { return nil }
        return jittered(nominalDelay(afterAttempt: attempt), random: random)
    }

    /// The delay after attempt `attempt` before jitter: `base × factor^(attempt−1)`, at most `cap`.
    func nominalDelay(afterAttempt attempt: Int) -> Duration {
        let seconds = min(base.inSeconds * pow(factor, Double(attempt - 1)), cap.inSeconds)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    func jittered(_ nominal: Duration, random: Double) -> Duration {
        let r = random.isFinite ? min(max(random, 0), 1) : 0
        let seconds = nominal.inSeconds
        let spread = jitter == .full ? r * seconds : seconds / 2 + r * seconds / 2
        return .milliseconds(Int64((spread * 1000).rounded()))
    }

    /// What to do after `failure`: wait and try again, or stop (with a sentence saying why).
    /// `attempts` counts the attempts that were not rate-limited, and `rateLimitedWaits` the
    /// rate-limited ones, each including this failure.
    func decision(after failure: DeliveryFailure, attempts: Int, rateLimitedWaits: Int, random: Double) -> RetryDecision {
        let computed: Duration, providerWait: Duration?
        switch failure.kind {
        case .permanent:
            return .stop(reason: failure.reason)
        case .retryable(let after):
            guard let delay = delay(afterAttempt: attempts, random: random) else {
                return .stop(reason: "gave up after \(attempts) attempts (\(failure.reason))")
            }
            (computed, providerWait) = (delay, after)
        case .rateLimited(let after):
            guard rateLimitedWaits <= maxRateLimitedWaits else {
                return .stop(reason: "still rate-limited after \(maxRateLimitedWaits) waits (\(failure.reason))")
            }
            (computed, providerWait) = (jittered(nominalDelay(afterAttempt: rateLimitedWaits), random: random), after)
        }
        guard let providerWait, providerWait > computed else { return .wait(computed) }
        guard providerWait <= cap else {
            return .stop(reason: "the provider asked to wait \(providerWait.spoken), longer than the \(cap.spoken) allowed (\(failure.reason))")
        }
        return .wait(providerWait)
    }
}

/// A retry policy's answer to one failure.
enum RetryDecision: Equatable {
    /// Try the same channel again after this long.
    case wait(Duration)
    /// Stop trying this channel, for the reason given.
    case stop(reason: String)
}

extension Duration {
    /// The duration in seconds, fractions included.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// The duration as people write it: "45 s", "7.5 s", "10 min", "2 h".
    var spoken: String {
        let ms = Int64((inSeconds * 1000).rounded())
        if ms >= 3_600_000 && ms % 3_600_000 == 0 { return "\(ms / 3_600_000) h" }
        if ms >= 60_000 && ms % 60_000 == 0 { return "\(ms / 60_000) min" }
        if ms % 1000 == 0 { return "\(ms / 1000) s" }
        return "\(Double(ms) / 1000) s"
    }
}

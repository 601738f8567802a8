import Synchronization

/// A per-account rate limit: `burst` sends at once, refilled at `perSecond`. `take()` either takes
/// a token or says how long until one is there; it never sleeps itself.
public final class TokenBucket: Sendable {
    private struct State {
        var tokens: Double
        var last: Duration
    }

    public let perSecond: Double
    public let burst: Int
    private let now: @Sendable () -> Duration
    private let state: Mutex<State>

    /// `now` is the time since any fixed origin (a test advances it by hand).
    public init(perSecond: Double, burst: Int, now: @escaping @Sendable () -> Duration = TokenBucket.monotonicNow) {
        precondition(perSecond > 0 && burst > 0, "a token bucket needs a positive rate and burst")
        self.perSecond = perSecond
        self.burst = burst
        self.now = now
        state = Mutex(State(tokens: Double(burst), last: now()))
    }

    /// Takes a token and returns nil, or returns how long to wait for one (taking nothing).
    public func take() -> Duration? {
        let t = now()
        return state.withLock { s in
            let elapsed = t - s.last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            s.tokens = min(Double(burst), s.tokens + max(0, seconds) * perSecond)
            s.last = t
            if s.tokens >= 1 {
                s.tokens -= 1
                return nil
            }
            return .nanoseconds(Int64(((1 - s.tokens) / perSecond * 1e9).rounded(.up)))
        }
    }

    private static let origin = ContinuousClock.now

    @Sendable public static func monotonicNow() -> Duration { ContinuousClock.now - origin }
}

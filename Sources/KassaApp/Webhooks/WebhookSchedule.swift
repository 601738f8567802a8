/// When the attempts at one webhook are made: the first at once, then after 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h and 10 h (eight attempts over 27 h 35 min 5 s), each delay lengthened by a little
/// jitter drawn from a random number the caller passes in.
///
/// A `Retry-After` from the endpoint wins when it is longer than the scheduled delay, up to the
/// schedule's longest delay, so that an endpoint cannot park a message indefinitely.
///
/// ```swift
/// let schedule = WebhookSchedule.standard
/// schedule.delay(afterAttempt: 1, random: 0, retryAfter: nil)            // 5 s
/// schedule.delay(afterAttempt: 2, random: 0, retryAfter: .seconds(900))  // 15 min: the endpoint asked
/// schedule.delay(afterAttempt: 8, random: 0, retryAfter: nil)            // nil: that was the last
/// ```
struct WebhookSchedule: Sendable, Equatable, Codable {
    /// The nominal wait before each attempt after the first.
    let delays: [Duration]
    /// The largest fraction of a delay that jitter adds: 0.1 makes a 5 min delay last 5 to 5.5 min.
    let jitter: Double

    init(delays: [Duration], jitter: Double) {
        precondition(delays.allSatisfy { $0 >= .zero } && (0...1).contains(jitter),
                     "a webhook schedule needs delays of zero or more and a jitter between 0 and 1")
        self.delays = delays
        self.jitter = jitter
    }

    /// The schedule the issue and Svix use: eight attempts, with up to 10 % jitter.
    static let standard = WebhookSchedule(
        delays: [.seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600),
                 .seconds(5 * 3600), .seconds(10 * 3600), .seconds(10 * 3600)],
        jitter: 0.1)

    /// Attempts in one round, the first one included.
    var maxAttempts: Int { delays.count + 1 }

    /// The longest wait an endpoint's `Retry-After` can ask for.
    var longestDelay: Duration { delays.max() ?? .zero }

    /// The wait after attempt `attempt` (from 1) failed, or nil when it was the last; `random` in
    /// `0..<1` spreads the delay, and a longer `retryAfter` from the endpoint replaces it.
    func delay(afterAttempt attempt: Int, random: Double, retryAfter: Duration?) -> Duration? {
        precondition(attempt >= 1, "attempts count from 1")
        guard attempt < maxAttempts else { return nil }
        let nominal = delays[attempt - 1]
        // Jitter comes in whole milliseconds, so that a schedule reads back exactly.
        let milliseconds = Double(nominal.components.seconds) * 1000 + Double(nominal.components.attoseconds) / 1e15
        let jittered = nominal + .milliseconds(Int64((milliseconds * jitter * min(max(random, 0), 1)).rounded()))
        guard let retryAfter, retryAfter > jittered else { return jittered }
        return min(retryAfter, max(longestDelay, jittered))
    }
}

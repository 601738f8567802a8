import Testing
@testable import Channels

/// One row of the jitter table: a policy, an attempt, a random draw and the delay that must come out.
struct JitterCase: Sendable, CustomTestStringConvertible {
    let name: String
    let jitter: RetryPolicy.Jitter
    let attempt: Int
    let random: Double
    let expected: Duration

    var testDescription: String { name }
}

private let jitterCases: [JitterCase] = [
    JitterCase(name: "full jitter can retry at once", jitter: .full, attempt: 1, random: 0, expected: .zero),
    JitterCase(name: "full jitter, middle draw", jitter: .full, attempt: 1, random: 0.5, expected: .milliseconds(7500)),
    JitterCase(name: "equal jitter never goes below half", jitter: .equal, attempt: 1, random: 0, expected: .milliseconds(7500)),
    JitterCase(name: "equal jitter, middle draw", jitter: .equal, attempt: 1, random: 0.5, expected: .milliseconds(11_250)),
    JitterCase(name: "the delay doubles", jitter: .equal, attempt: 3, random: 0, expected: .seconds(30)),
    JitterCase(name: "the cap holds (16 min becomes 15)", jitter: .equal, attempt: 7, random: 0, expected: .seconds(450)),
    JitterCase(name: "a draw above 1 counts as 1", jitter: .full, attempt: 2, random: 1.5, expected: .seconds(30)),
    JitterCase(name: "a negative draw counts as 0", jitter: .equal, attempt: 2, random: -3, expected: .seconds(15)),
    JitterCase(name: "a NaN draw counts as 0", jitter: .full, attempt: 2, random: .nan, expected: .zero),
]

@Suite struct RetryPolicyTests {
    @Test func theStandardScheduleIsEightAttemptsOverAboutHalfAnHour() {
        let policy = RetryPolicy.standard
        var nominal: [Duration] = [], shortest: [Duration] = []
        var attempt = 1
        while let delay = policy.delay(afterAttempt: attempt, random: 0) {
            shortest.append(delay)
            nominal.append(policy.nominalDelay(afterAttempt: attempt))
            attempt += 1
        }
        #expect(attempt == 8, "8 attempts have 7 delays between them")
        let total = nominal.reduce(.zero, +)
        #expect(total >= .seconds(25 * 60) && total <= .seconds(35 * 60), "nominal schedule: \(total.spoken)")
        // Equal jitter: never less than half the nominal schedule, never more than all of it.
        #expect(shortest.reduce(.zero, +) == total / 2)
        let longest = (1..<attempt).compactMap { policy.delay(afterAttempt: $0, random: 0.999_999) }.reduce(.zero, +)
        #expect(longest <= total && longest > total - .seconds(1))
        #expect(zip(nominal, nominal.dropFirst()).allSatisfy { $0 < $1 && $1 <= policy.cap })
    }

    @Test(arguments: jitterCases)
    func jitterSpreadsTheDelay(_ row: JitterCase) {
        let policy = RetryPolicy(jitter: row.jitter)
        #expect(policy.delay(afterAttempt: row.attempt, random: row.random) == row.expected)
    }

    @Test func noDelayAfterTheLastAttempt() {
        let policy = RetryPolicy(maxAttempts: 3)
        #expect(policy.delay(afterAttempt: 2, random: 0.5) != nil)
        #expect(policy.delay(afterAttempt: 3, random: 0.5) == nil)
        #expect(RetryPolicy(maxAttempts: 1).delay(afterAttempt: 1, random: 0.5) == nil)
    }

    @Test func aProvidersRetryAfterWinsOnlyWhenLonger() {
        let policy = RetryPolicy.standard
        let computed = policy.delay(afterAttempt: 1, random: 0.5)!
        func decide(_ kind: DeliveryFailure.Kind) -> RetryDecision {
            policy.decision(after: DeliveryFailure(kind, reason: "Busy."), attempts: 1, rateLimitedWaits: 1, random: 0.5)
        }
        #expect(decide(.retryable(after: .seconds(1))) == .wait(computed))
        #expect(decide(.retryable(after: .seconds(120))) == .wait(.seconds(120)))
        #expect(decide(.rateLimited(after: .seconds(90))) == .wait(.seconds(90)))
        #expect(decide(.retryable(after: policy.cap)) == .wait(policy.cap))
        #expect(decide(.retryable(after: .seconds(2 * 3600))) == .stop(
            reason: "the provider asked to wait 2 h, longer than the 15 min allowed (Busy.)"))
        #expect(decide(.permanent) == .stop(reason: "Busy."))
    }

    @Test func rateLimitedWaitsHaveTheirOwnBoundedBudget() {
        let policy = RetryPolicy(maxAttempts: 2, maxRateLimitedWaits: 3)
        let slowDown = DeliveryFailure(.rateLimited(after: nil), code: "6", reason: "Too many requests per second.")
        // Far past `maxAttempts`, rate limiting still waits, on its own curve.
        for waits in 1...3 {
            #expect(policy.decision(after: slowDown, attempts: 5, rateLimitedWaits: waits, random: 0)
                == .wait(policy.nominalDelay(afterAttempt: waits) / 2))
        }
        #expect(policy.decision(after: slowDown, attempts: 1, rateLimitedWaits: 4, random: 0)
            == .stop(reason: "still rate-limited after 3 waits (Too many requests per second.)"))
    }

    @Test func durationsAreSpokenPlainly() {
        let cases: [(Duration, String)] = [
            (.seconds(45), "45 s"), (.milliseconds(7500), "7.5 s"), (.seconds(600), "10 min"),
            (.seconds(90), "90 s"), (.seconds(7200), "2 h"), (.seconds(5400), "90 min"), (.zero, "0 s"),
        ]
        for (duration, spoken) in cases {
            #expect(duration.spoken == spoken)
        }
    }
}

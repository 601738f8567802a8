import Foundation
import Testing
@testable import Channels

private let t0 = Date(timeIntervalSince1970: 1_750_000_000)
private let tenMinutes = Duration.seconds(10 * 60)

private let unavailable = DeliveryFailure(.retryable(after: nil), code: "220", reason: "The service is temporarily unavailable.")
private let badNumber = DeliveryFailure(.permanent, code: "202", reason: "The phone number is not valid.")
private let slowDown = DeliveryFailure(.rateLimited(after: nil), code: "6", reason: "Too many requests per second.")

private func accepted(_ id: String) -> SendReceipt { SendReceipt(providerMessageID: id, status: .accepted) }

/// Viber, SMS when Viber does not confirm within 10 minutes, then e-mail.
private let viberSMSEmail = CascadePolicy.standard.restricted(to: [.viber, .sms, .email])

/// What the first SMS failure must lead to, in an SMS → e-mail cascade.
struct FirstFailureCase: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable {
        case retryAfter(Duration)
        case fallBack
    }

    let name: String
    let failure: DeliveryFailure
    let expected: Expected

    var testDescription: String { name }
}

private let standardRetry = RetryPolicy.standard

private let firstFailureCases: [FirstFailureCase] = [
    FirstFailureCase(name: "a permanent failure falls back at once", failure: badNumber, expected: .fallBack),
    FirstFailureCase(
        name: "a temporary failure backs off", failure: unavailable,
        expected: .retryAfter(standardRetry.delay(afterAttempt: 1, random: 0.5)!)),
    FirstFailureCase(
        name: "a shorter retry-after gives way to the backoff",
        failure: DeliveryFailure(.retryable(after: .seconds(1)), reason: "Try again."),
        expected: .retryAfter(standardRetry.delay(afterAttempt: 1, random: 0.5)!)),
    FirstFailureCase(
        name: "a longer retry-after is honoured",
        failure: DeliveryFailure(.retryable(after: .seconds(300)), code: "12", reason: "Too many requests."),
        expected: .retryAfter(.seconds(300))),
    FirstFailureCase(
        name: "a retry-after beyond the cap falls back",
        failure: DeliveryFailure(.rateLimited(after: .seconds(24 * 3600)), code: "29", reason: "Rate limit reached."),
        expected: .fallBack),
    FirstFailureCase(
        name: "rate limiting backs off on its own curve", failure: slowDown,
        expected: .retryAfter(standardRetry.jittered(standardRetry.nominalDelay(afterAttempt: 1), random: 0.5))),
]

@Suite struct CascadeTests {
    @Test(arguments: firstFailureCases)
    func theFirstFailure(_ row: FirstFailureCase) {
        var cascade = CascadeState(policy: CascadePolicy.standard.restricted(to: [.sms, .email]))
        #expect(cascade.start() == .send(.sms, attempt: 1))
        let action = cascade.sendFailed(row.failure, now: t0, random: 0.5)
        switch row.expected {
        case .retryAfter(let delay): #expect(action == .retry(.sms, attempt: 2, at: t0.adding(delay)))
        case .fallBack: #expect(action == .send(.email, attempt: 1))
        }
        #expect(cascade.history.map(\.status) == [.failed])
        #expect(cascade.history.first?.providerCode == row.failure.providerCode)
    }

    @Test func retriesWithBackoffThenSucceeds() {
        var cascade = CascadeState(policy: CascadePolicy([CascadeStep(.sms), CascadeStep(.email)]))
        #expect(cascade.start() == .send(.sms, attempt: 1))
        var now = t0
        for attempt in 1...2 {
            let delay = RetryPolicy.standard.delay(afterAttempt: attempt, random: 0.3)!
            #expect(cascade.sendFailed(unavailable, now: now, random: 0.3) == .retry(.sms, attempt: attempt + 1, at: now.adding(delay)))
            now = now.adding(delay)
        }
        #expect(cascade.sendSucceeded(accepted("000000-10000001"), now: now) == .done(.sms, .accepted))
        #expect(cascade.isFinished)
        #expect(cascade.history.map(\.number) == [1, 2, 3])
        #expect(cascade.history.map(\.status) == [.failed, .failed, .accepted])
        #expect(cascade.history.last?.providerMessageID == "000000-10000001")
    }

    @Test func exhaustedRetriesFallBack() {
        let policy = CascadePolicy.standard.restricted(to: [.vk, .email])
        var cascade = CascadeState(policy: policy)
        #expect(cascade.start() == .send(.vk, attempt: 1))
        var now = t0, retries = 0
        var action = cascade.sendFailed(unavailable, now: now, random: 0.9)
        while case .retry(.vk, _, let at) = action {
            retries += 1
            now = at
            action = cascade.sendFailed(unavailable, now: now, random: 0.9)
        }
        #expect(action == .send(.email, attempt: 1))
        #expect(retries == policy.steps[0].retry.maxAttempts - 1)
        #expect(cascade.history.count == policy.steps[0].retry.maxAttempts)
        #expect(cascade.history.allSatisfy { $0.channel == .vk && $0.status == .failed })
        // Equal jitter: the tries took between half and all of the nominal schedule.
        let retry = policy.steps[0].retry
        let nominal = (1..<retry.maxAttempts).map { retry.nominalDelay(afterAttempt: $0).inSeconds }.reduce(0, +)
        #expect(now.timeIntervalSince(t0) >= nominal / 2 && now.timeIntervalSince(t0) <= nominal)
    }

    @Test func rateLimitingUsesUpNoAttemptsButIsBounded() {
        let retry = RetryPolicy(maxAttempts: 2, maxRateLimitedWaits: 3)
        var cascade = CascadeState(policy: CascadePolicy([CascadeStep(.vk, retry: retry), CascadeStep(.email)]))
        _ = cascade.start()
        // Three rate-limited tries, then a temporary failure still gets its one retry…
        for attempt in 1...3 {
            guard case .retry(.vk, attempt + 1, _) = cascade.sendFailed(slowDown, now: t0, random: 0) else {
                Issue.record("rate-limited try \(attempt) was not retried")
                return
            }
        }
        guard case .retry(.vk, 5, _) = cascade.sendFailed(unavailable, now: t0, random: 0) else {
            Issue.record("the rate-limited tries used up the attempts")
            return
        }
        // …and its second failure is the last of `maxAttempts`.
        #expect(cascade.sendFailed(unavailable, now: t0, random: 0) == .send(.email, attempt: 1))

        // Rate limiting alone ends too: the wait after `maxRateLimitedWaits` is not granted.
        var limited = CascadeState(policy: CascadePolicy([CascadeStep(.vk, retry: retry), CascadeStep(.email)]))
        _ = limited.start()
        var actions: [CascadeAction] = []
        for _ in 0...retry.maxRateLimitedWaits {
            actions.append(limited.sendFailed(slowDown, now: t0, random: 0))
        }
        #expect(actions.dropLast().allSatisfy { if case .retry(.vk, _, _) = $0 { true } else { false } })
        #expect(actions.last == .send(.email, attempt: 1))
    }

    @Test func viberFallsBackToSMSWhenNotConfirmedInTenMinutes() {
        var cascade = CascadeState(policy: viberSMSEmail)
        #expect(cascade.start() == .send(.viber, attempt: 1))
        let until = t0.adding(tenMinutes)
        #expect(cascade.sendSucceeded(accepted("viber-1"), now: t0) == .awaitConfirmation(.viber, until: until))
        #expect(cascade.reportReceived(DeliveryReport(providerMessageID: "viber-1", status: .sent), on: .viber) == .nothing)
        #expect(cascade.timerFired(now: until) == .send(.sms, attempt: 1))
        #expect(cascade.channel == .sms)
        #expect(cascade.history.first?.reason == "no delivery confirmation within 10 min")
        #expect(cascade.history.first?.status == .sent)
        #expect(cascade.sendSucceeded(accepted("sms-1"), now: until) == .done(.sms, .accepted))
    }

    @Test(arguments: [
        (DeliveryStatus.delivered, CascadeAction.done(.viber, .delivered)),
        (.read, .done(.viber, .read)),
        (.failed, .send(.sms, attempt: 1)),
        (.expired, .send(.sms, attempt: 1)),
        (.sent, .nothing),
        (.accepted, .nothing),
    ])
    func aReportWhileWaitingForConfirmation(status: DeliveryStatus, expected: CascadeAction) {
        var cascade = CascadeState(policy: viberSMSEmail)
        _ = cascade.start()
        _ = cascade.sendSucceeded(accepted("viber-1"), now: t0)
        let report = DeliveryReport(providerMessageID: "viber-1", status: status, at: t0.addingTimeInterval(60), providerCode: "x")
        #expect(cascade.reportReceived(report, on: .viber) == expected)
    }

    @Test func deliveredBeforeTheDeadlineFinishesAndTheTimerThenDoesNothing() {
        var cascade = CascadeState(policy: viberSMSEmail)
        _ = cascade.start()
        _ = cascade.sendSucceeded(accepted("viber-1"), now: t0)
        let report = DeliveryReport(providerMessageID: "viber-1", status: .delivered, at: t0.addingTimeInterval(42))
        #expect(cascade.reportReceived(report, on: .viber) == .done(.viber, .delivered))
        #expect(cascade.timerFired(now: t0.adding(tenMinutes)) == .nothing)
        #expect(cascade.isFinished && cascade.channel == .viber)
        #expect(cascade.history.map(\.status) == [.delivered])
    }

    @Test func aLateReportFromThePreviousChannelDoesNotDisturbTheCurrentOne() {
        let policy = CascadePolicy([
            CascadeStep(.viber, confirmWithin: tenMinutes), CascadeStep(.sms, confirmWithin: tenMinutes), CascadeStep(.email),
        ])
        var cascade = CascadeState(policy: policy)
        _ = cascade.start()
        _ = cascade.sendSucceeded(accepted("42"), now: t0)
        #expect(cascade.timerFired(now: t0.adding(tenMinutes)) == .send(.sms, attempt: 1))
        let smsDeadline = t0.adding(tenMinutes + tenMinutes)
        #expect(cascade.sendSucceeded(accepted("42"), now: t0.adding(tenMinutes)) == .awaitConfirmation(.sms, until: smsDeadline))
        let waiting = cascade

        // Viber's failure comes late: recorded on the Viber try, nothing else.
        #expect(cascade.reportReceived(DeliveryReport(providerMessageID: "42", status: .failed, reason: "Blocked."), on: .viber) == .nothing)
        #expect(cascade.history[0].status == .failed && cascade.history[0].reason == "Blocked.")
        #expect(cascade.history[1] == waiting.history[1])
        #expect(cascade.phase == waiting.phase)
        // A report for an id nobody sent on that channel changes nothing at all.
        let before = cascade
        #expect(cascade.reportReceived(DeliveryReport(providerMessageID: "42", status: .delivered), on: .vk) == .nothing)
        #expect(cascade.reportReceived(DeliveryReport(providerMessageID: "43", status: .delivered), on: .sms) == .nothing)
        #expect(cascade == before)

        #expect(cascade.reportReceived(DeliveryReport(providerMessageID: "42", status: .delivered), on: .sms) == .done(.sms, .delivered))
        // A report older than what is known does not move a try back.
        #expect(cascade.reportReceived(DeliveryReport(providerMessageID: "42", status: .sent), on: .sms) == .nothing)
        #expect(cascade.history.map(\.status) == [.failed, .delivered])
    }

    @Test func earlyAndStaleTimersAreIgnored() {
        var cascade = CascadeState(policy: viberSMSEmail)
        #expect(cascade.timerFired(now: t0) == .nothing, "not started")
        _ = cascade.start()
        #expect(cascade.timerFired(now: t0) == .nothing, "a send is in flight")
        _ = cascade.sendSucceeded(accepted("viber-1"), now: t0)
        let waiting = cascade
        let until = t0.adding(tenMinutes)
        #expect(cascade.timerFired(now: until.addingTimeInterval(-1)) == .awaitConfirmation(.viber, until: until))
        #expect(cascade == waiting)
        #expect(cascade.timerFired(now: until.addingTimeInterval(30)) == .send(.sms, attempt: 1))
        #expect(cascade.timerFired(now: until.addingTimeInterval(60)) == .nothing, "the Viber timer again, now stale")
    }

    @Test func theLastChannelFailingGivesUpWithAReason() {
        var cascade = CascadeState(policy: CascadePolicy.standard.restricted(to: [.sms]))
        #expect(cascade.start() == .send(.sms, attempt: 1))
        #expect(cascade.sendFailed(badNumber, now: t0, random: 0.5)
            == .giveUp(reason: "SMS, the last channel, failed: The phone number is not valid."))
        #expect(cascade.isFinished)
        #expect(cascade.sendFailed(badNumber, now: t0, random: 0.5) == .nothing)
        #expect(cascade.start() == .nothing)

        var nobody = CascadeState(policy: CascadePolicy.standard.restricted(to: []))
        #expect(nobody.start() == .giveUp(reason: "No channel reaches the recipient."))
        #expect(nobody.isFinished && nobody.channel == nil)
    }

    @Test func restrictingKeepsTheOrderAndTheLastStepNeedsNoConfirmation() {
        #expect(CascadePolicy.standard.restricted(to: [.email, .viber]).steps.map(\.channel) == [.viber, .email])
        #expect(CascadePolicy.standard.restricted(to: Set(ChannelKind.allCases)) == .standard)
        var viberOnly = CascadeState(policy: CascadePolicy.standard.restricted(to: [.viber]))
        _ = viberOnly.start()
        #expect(viberOnly.sendSucceeded(accepted("viber-1"), now: t0) == .done(.viber, .accepted))
        // Its later report is still recorded for the history.
        #expect(viberOnly.reportReceived(DeliveryReport(providerMessageID: "viber-1", status: .read), on: .viber) == .nothing)
        #expect(viberOnly.history.map(\.status) == [.read])
    }

    @Test func aReceiptThatAlreadySaysDeliveredFinishes() {
        var cascade = CascadeState(policy: viberSMSEmail)
        _ = cascade.start()
        #expect(cascade.sendSucceeded(SendReceipt(providerMessageID: "v", status: .delivered), now: t0) == .done(.viber, .delivered))
        #expect(cascade.sendSucceeded(accepted("v"), now: t0) == .nothing, "a duplicate result")
    }

    @Test func theStateAndItsActionsSurviveJSON() throws {
        var cascade = CascadeState(policy: viberSMSEmail)
        _ = cascade.start()
        _ = cascade.sendFailed(DeliveryFailure(.retryable(after: .seconds(90)), code: "12", reason: "Too many requests."), now: t0, random: 0.25)
        _ = cascade.sendSucceeded(accepted("viber-7"), now: t0.addingTimeInterval(90))
        let stored = try JSONEncoder().encode(cascade)
        var restored = try JSONDecoder().decode(CascadeState.self, from: stored)
        #expect(restored == cascade)
        let deadline = t0.addingTimeInterval(90).adding(tenMinutes)
        #expect(restored.timerFired(now: deadline) == cascade.timerFired(now: deadline))
        #expect(restored == cascade)

        let actions: [CascadeAction] = [
            .send(.vk, attempt: 1), .retry(.sms, attempt: 3, at: t0), .awaitConfirmation(.viber, until: t0),
            .done(.email, .accepted), .giveUp(reason: "No channel reaches the recipient."), .nothing,
        ]
        #expect(try JSONDecoder().decode([CascadeAction].self, from: JSONEncoder().encode(actions)) == actions)
        let report = DeliveryReport(providerMessageID: "1", status: .expired, at: t0, providerCode: "104", reason: "The message expired.")
        #expect(try JSONDecoder().decode(DeliveryReport.self, from: JSONEncoder().encode(report)) == report)
    }

    @Test func theStandardPolicyIsStoredByName() throws {
        let standard = CascadePolicy.standard.restricted(to: [.sms, .viber])
        let stored = try JSONEncoder().encode(standard)
        #expect(String(decoding: stored, as: UTF8.self) == #""standard:viber,sms""#)
        #expect(try JSONDecoder().decode(CascadePolicy.self, from: stored) == standard)
        // Any other policy keeps its steps, and states written before the short form still read.
        let custom = CascadePolicy([CascadeStep(.sms, confirmWithin: .seconds(60)), CascadeStep(.email)])
        let written = try JSONEncoder().encode(custom)
        #expect(String(decoding: written, as: UTF8.self).hasPrefix(#"{"steps":["#))
        #expect(try JSONDecoder().decode(CascadePolicy.self, from: written) == custom)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CascadePolicy.self, from: Data(#""standard:fax""#.utf8)) }
    }
}

@Suite struct CascadeJSONTests {
    /// States along random walks through every policy the service stores in the short form: each
    /// written by hand reads back equal through `JSONDecoder`, with the keys `JSONEncoder` writes.
    @Test func theHandWrittenJSONReadsBackAsTheState() throws {
        var generator = SystemRandomNumberGenerator()
        let policies = [[ChannelKind.email], [.viber, .sms], [.viber, .vk, .sms, .email], [.sms], [.vk, .email]]
            .map { CascadePolicy.standard.restricted(to: Set($0)) }
        let reasons = ["Номер \"не\" тот\\\n\tпробуйте\u{1}снова", "The phone number is not valid.", ""]
        var checked = 0
        for policy in policies {
            for _ in 0..<60 {
                var cascade = CascadeState(policy: policy)
                var states = [cascade]
                var now = Date(timeIntervalSince1970: 1_750_000_000 + Double.random(in: 0..<1e6, using: &generator))
                _ = cascade.start()
                states.append(cascade)
                for n in 0..<Int.random(in: 1...8, using: &generator) {
                    now = now.addingTimeInterval(Double.random(in: 0.001..<900, using: &generator))
                    let id = "id-\(n)-\"\(Int.random(in: 0..<1_000, using: &generator))\""
                    let reason = reasons.randomElement(using: &generator)!
                    switch Int.random(in: 0..<5, using: &generator) {
                    case 0: _ = cascade.sendSucceeded(SendReceipt(providerMessageID: id, status: .accepted), now: now)
                    case 1: _ = cascade.sendFailed(DeliveryFailure(.permanent, code: "202", reason: reason), now: now, random: 0.5)
                    case 2: _ = cascade.sendFailed(DeliveryFailure(.retryable(after: nil), reason: reason), now: now, random: 0.3)
                    case 3: _ = cascade.timerFired(now: now.addingTimeInterval(700))
                    default:
                        if let last = cascade.history.last, let lastID = last.providerMessageID {
                            _ = cascade.reportReceived(DeliveryReport(providerMessageID: lastID, status: .delivered, at: now, providerCode: "x",
                                                                      reason: reason), on: last.channel)
                        }
                    }
                    states.append(cascade)
                }
                for state in states {
                    let text = try #require(state.jsonText)
                    #expect(try JSONDecoder().decode(CascadeState.self, from: Data(text.utf8)) == state, "\(text)")
                    let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(state)) as? NSDictionary
                    let written = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
                    #expect(written == encoded, "\(text)")
                    checked += 1
                }
            }
        }
        #expect(checked > 1_000)
        // A policy of other steps is left to the encoder.
        #expect(CascadeState(policy: CascadePolicy([CascadeStep(.sms, confirmWithin: .seconds(5))])).jsonText == nil)
    }
}

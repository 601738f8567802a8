import Channels
import Foundation
import Testing
@testable import KassaApp

/// The delivery state machine with no I/O: outcomes in, actions out, every attempt on record.
@Suite struct WebhookDeliveryStateTests {
    let start = Date(timeIntervalSince1970: 1_750_000_000)

    func answer(_ status: Int, headers: [(String, String)] = [], body: String = "") -> WebhookOutcome {
        WebhookOutcome(.response(Channels.HTTPResponse(
            status: status, headers: headers.map { HTTPHeaderField(name: $0.0, value: $0.1) }, body: Array(body.utf8))))
    }

    @Test func aNewMessageIsDueAtOnce() {
        let delivery = WebhookDeliveryState(now: start)
        #expect(delivery.nextAttemptAt == start)
        #expect(delivery.phase == .due(start))
        #expect(delivery.attempts.isEmpty)
    }

    @Test(arguments: [
        (200, WebhookDeliveryAction.succeeded), (201, .succeeded), (204, .succeeded), (299, .succeeded),
        (410, .disableEndpoint(reason: "The endpoint answered 410 Gone, which means it wants no more webhooks.")),
        (301, .retry(at: Date(timeIntervalSince1970: 1_750_000_005))),
        (302, .retry(at: Date(timeIntervalSince1970: 1_750_000_005))),
        (304, .retry(at: Date(timeIntervalSince1970: 1_750_000_005))),
        (400, .retry(at: Date(timeIntervalSince1970: 1_750_000_005))),
        (404, .retry(at: Date(timeIntervalSince1970: 1_750_000_005))),
        (500, .retry(at: Date(timeIntervalSince1970: 1_750_000_005))),
        (429, .throttle(until: Date(timeIntervalSince1970: 1_750_000_005))),
        (502, .throttle(until: Date(timeIntervalSince1970: 1_750_000_005))),
        (503, .throttle(until: Date(timeIntervalSince1970: 1_750_000_005))),
        (504, .throttle(until: Date(timeIntervalSince1970: 1_750_000_005))),
    ])
    func theFirstAnswerDecides(_ status: Int, _ expected: WebhookDeliveryAction) {
        var delivery = WebhookDeliveryState(now: start)
        #expect(delivery.attemptFinished(answer(status), now: start, random: 0) == expected)
        #expect(delivery.attempts.map(\.status) == [status])
        switch expected {
        case .succeeded: #expect(delivery.phase == .succeeded && delivery.nextAttemptAt == nil)
        case .disableEndpoint: #expect(delivery.phase == .endpointGone && delivery.nextAttemptAt == nil)
        case .retry(let at), .throttle(let at): #expect(delivery.nextAttemptAt == at)
        case .exhausted, .nothing: Issue.record("no first answer exhausts or is ignored")
        }
    }

    @Test func eightFailuresFollowTheScheduleThenExhaust() {
        var delivery = WebhookDeliveryState(now: start)
        var now = start
        var waits: [TimeInterval] = []
        for _ in 1...7 {
            guard case .retry(let at) = delivery.attemptFinished(answer(500), now: now, random: 0) else {
                Issue.record("a 500 before the eighth attempt is retried")
                return
            }
            waits.append(at.timeIntervalSince(now))
            #expect(delivery.nextAttemptAt == at)
            now = at
        }
        #expect(waits == [5, 300, 1800, 7200, 18_000, 36_000, 36_000])
        #expect(delivery.attemptFinished(answer(500), now: now, random: 0) == .exhausted)
        #expect(delivery.phase == .exhausted)
        #expect(delivery.nextAttemptAt == nil)
        #expect(delivery.attempts.map(\.number) == Array(1...8))
        #expect(delivery.attempts.allSatisfy { $0.round == 1 && $0.status == 500 })
        #expect(delivery.attempts.last?.at == start.addingTimeInterval(99_305))
    }

    @Test func jitterFromTheRandomNumberLengthensTheWait() {
        var delivery = WebhookDeliveryState(now: start)
        _ = delivery.attemptFinished(answer(500), now: start, random: 0)
        #expect(delivery.attemptFinished(answer(500), now: start, random: 0.5) == .retry(at: start.addingTimeInterval(315)))
    }

    @Test func aRetryAfterLongerThanTheScheduleIsHonoured() {
        var delivery = WebhookDeliveryState(now: start)
        #expect(delivery.attemptFinished(answer(429, headers: [("Retry-After", "120")]), now: start, random: 0)
                == .throttle(until: start.addingTimeInterval(120)))
        // Shorter than the schedule's 5 min: the schedule wins.
        #expect(delivery.attemptFinished(answer(503, headers: [("retry-after", "1")]), now: start, random: 0)
                == .throttle(until: start.addingTimeInterval(300)))
        // Any failure's Retry-After counts, not only a throttling one's.
        #expect(delivery.attemptFinished(answer(500, headers: [("Retry-After", "3600")]), now: start, random: 0)
                == .retry(at: start.addingTimeInterval(3600)))
    }

    @Test func aTransportFailureIsRetriedAndRecorded() {
        var delivery = WebhookDeliveryState(now: start)
        let timeout = DeliveryFailure(.retryable(after: nil), code: "curl 28", reason: "the provider did not answer in time")
        let action = delivery.attemptFinished(WebhookOutcome(.failure(timeout), duration: .milliseconds(15_002)), now: start, random: 0)
        #expect(action == .retry(at: start.addingTimeInterval(5)))
        let attempt = delivery.attempts[0]
        #expect(attempt.status == nil)
        #expect(attempt.error == "retryable failure (curl 28): the provider did not answer in time")
        #expect(attempt.durationMilliseconds == 15_002)
        #expect(attempt.responseExcerpt == nil)
        // A refused URL (permanent for the sender) is still retried: DNS answers change.
        let refused = DeliveryFailure(.permanent, code: "webhook url", reason: "The host is a private network address.")
        #expect(delivery.attemptFinished(WebhookOutcome(.failure(refused)), now: start, random: 0) == .retry(at: start.addingTimeInterval(300)))
        // A rate-limited failure throttles, honouring its wait.
        let slow = DeliveryFailure(.rateLimited(after: .seconds(4000)), reason: "slow down")
        #expect(delivery.attemptFinished(WebhookOutcome(.failure(slow)), now: start, random: 0) == .throttle(until: start.addingTimeInterval(4000)))
    }

    @Test func aGoneEndpointOnTheLastAttemptIsStillDisabled() {
        var delivery = WebhookDeliveryState(now: start)
        for _ in 1...7 { _ = delivery.attemptFinished(answer(500), now: start, random: 0) }
        guard case .disableEndpoint = delivery.attemptFinished(answer(410), now: start, random: 0) else {
            Issue.record("410 disables the endpoint")
            return
        }
    }

    @Test func theAttemptRecordKeepsAnExcerptOfAtMostOneKilobyte() {
        var delivery = WebhookDeliveryState(now: start)
        let long = "a" + String(repeating: "ж", count: 600)   // 1201 bytes; a 2-byte letter straddles byte 1024
        _ = delivery.attemptFinished(answer(500, body: long), now: start, random: 0)
        _ = delivery.attemptFinished(answer(500, body: "upstream down"), now: start, random: 0)
        _ = delivery.attemptFinished(answer(204), now: start, random: 0)
        let excerpt = delivery.attempts[0].responseExcerpt ?? ""
        #expect(excerpt.utf8.count == 1023)
        #expect(long.hasPrefix(excerpt))
        #expect(!excerpt.contains("\u{FFFD}"))
        #expect(delivery.attempts[1].responseExcerpt == "upstream down")
        #expect(delivery.attempts[2].responseExcerpt == nil)
        #expect(WebhookAttempt.excerpt(Array(String(repeating: "x", count: 5000).utf8)).utf8.count == 1024)
    }

    @Test func redeliveryStartsAFreshRound() {
        var delivery = WebhookDeliveryState(now: start)
        for _ in 1...8 { _ = delivery.attemptFinished(answer(500), now: start, random: 0) }
        #expect(delivery.phase == .exhausted)
        let later = start.addingTimeInterval(86_400 * 3)
        #expect(delivery.redeliver(now: later) == .retry(at: later))
        #expect(delivery.nextAttemptAt == later)
        #expect(delivery.round == 2)
        #expect(delivery.attemptFinished(answer(500), now: later, random: 0) == .retry(at: later.addingTimeInterval(5)))
        #expect(delivery.attemptFinished(answer(200), now: later, random: 0) == .succeeded)
        #expect(delivery.attempts.count == 10)
        #expect(delivery.attempts.suffix(2).map(\.round) == [2, 2])
        #expect(delivery.attempts.suffix(2).map(\.number) == [1, 2])
        // A delivered message can be redelivered too, and after a 410 once the endpoint is enabled again.
        #expect(delivery.redeliver(now: later) == .retry(at: later))
        _ = delivery.attemptFinished(answer(410), now: later, random: 0)
        #expect(delivery.phase == .endpointGone)
        #expect(delivery.redeliver(now: later) == .retry(at: later))
        #expect(delivery.round == 4)
    }

    @Test func aLateOutcomeOnlyCountsWhenItIsASuccess() {
        var delivery = WebhookDeliveryState(now: start)
        _ = delivery.attemptFinished(answer(200), now: start, random: 0)
        #expect(delivery.attemptFinished(answer(500), now: start, random: 0) == .nothing)
        #expect(delivery.phase == .succeeded)
        var exhausted = WebhookDeliveryState(schedule: WebhookSchedule(delays: [], jitter: 0), now: start)
        #expect(exhausted.attemptFinished(answer(500), now: start, random: 0) == .exhausted)
        #expect(exhausted.attemptFinished(answer(200), now: start, random: 0) == .succeeded)
        #expect(exhausted.attempts.count == 2)
    }

    @Test func theStateSurvivesStorageAsJSON() throws {
        var delivery = WebhookDeliveryState(now: start)
        _ = delivery.attemptFinished(answer(503, headers: [("Retry-After", "60")], body: "busy"), now: start, random: 0.25)
        let stored = try JSONEncoder().encode(delivery)
        var restored = try JSONDecoder().decode(WebhookDeliveryState.self, from: stored)
        #expect(restored == delivery)
        #expect(restored.attemptFinished(answer(500), now: start, random: 0) == delivery.attemptFinished(answer(500), now: start, random: 0))
        let action = try JSONDecoder().decode(WebhookDeliveryAction.self, from: JSONEncoder().encode(WebhookDeliveryAction.throttle(until: start)))
        #expect(action == .throttle(until: start))
    }
}

import Channels
import Foundation
import Synchronization
import TemplateEngine

/// Sends what the outbox holds: leases the notifications whose time has come, carries out each
/// one's next cascade action through the channel adapters, and writes what happened and when to
/// look again. The steps of a claim share their writes (see `carryOut`); each step's changes are
/// written whole or not at all.
///
/// A crash at any point loses nothing: an accepted event's notifications are in the outbox before
/// the producer's answer, and a lease left by a dead process expires, so the step runs again. What
/// the provider took just before a crash may be sent twice; the message ids we give providers are
/// derived from the notification (e-mail `Message-ID`, VK `random_id`, edna `messageId`), so that
/// those that can recognise a repeat do.
///
/// Before a message is handed to its provider, the dispatcher checks, in order: the suppression list
/// (an entry added after the event was accepted counts), quiet hours (a non-transactional SMS or
/// Viber message waits for their end), and the partner's daily quota and the recipient's caps. A
/// suppressed or capped channel fails permanently, so the cascade moves on; none calls the provider.
final class OutboxDispatcher: Sendable {
    let store: any NotificationStore & SuppressionStore
    let live: ChannelSet
    let sandbox: ChannelSet
    let clock: any WallClock
    let metrics: Metrics?
    /// How long a claimed notification stays ours before another dispatcher may take it.
    let lease: TimeInterval
    /// Notifications handled at once.
    let batch: Int
    /// After a pass that found fewer than `batch`, how long the loop lets new ones gather before it
    /// claims again: a claim, its reads and its commits then serve many notifications instead of one
    /// or two. The first notification after a quiet spell goes at once.
    let gather: Duration
    /// This node's name, which its leases carry: stable across restarts (the host name by default),
    /// so that a node starting again takes back at once what it held when it died.
    let node: String
    /// Quiet hours, quotas and caps.
    let policy: SendingPolicy
    /// Makes the unsubscribe links of non-transactional e-mail; without it, none carries one.
    let unsubscribe: UnsubscribeLinks?
    /// When send counters were last pruned (they are, about once an hour).
    private let lastPrune = Mutex<Date?>(nil)
    private let random: @Sendable () -> Double
    private let log: @Sendable (String) -> Void
    /// Runs after a step that queued webhook messages is written (the webhook dispatcher's wake-up).
    private let webhooksQueued: @Sendable () -> Void
    private let signal = WakeSignal()
    /// When the outbox was last counted for the metrics.
    private let depthCounted = Mutex(Date.distantPast)

    init(store: any NotificationStore & SuppressionStore, live: ChannelSet, sandbox: ChannelSet = .sandbox, clock: any WallClock = SystemWallClock(),
         metrics: Metrics? = nil, lease: TimeInterval = 120, batch: Int = 64, gather: Duration = .milliseconds(20),
         node: String = ProcessInfo.processInfo.hostName,
         policy: SendingPolicy = SendingPolicy(), unsubscribe: UnsubscribeLinks? = nil,
         random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, log: @escaping @Sendable (String) -> Void = { _ in },
         webhooksQueued: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.live = live
        self.sandbox = sandbox
        self.clock = clock
        self.metrics = metrics
        self.lease = lease
        self.batch = batch
        self.gather = gather
        self.node = node
        self.policy = policy
        self.unsubscribe = unsubscribe
        self.random = random
        self.log = log
        self.webhooksQueued = webhooksQueued
    }

    /// Says that something new is in the outbox, so that the loop looks now rather than at its next tick.
    func wake() {
        signal.wake()
    }

    /// Runs until the task is cancelled, looking at the outbox when woken and at least every `tick`,
    /// and, while notifications keep coming, every `gather`.
    func run(tick: Duration = .milliseconds(250)) async {
        do {
            let released = try store.releaseLeases(owner: node)
            if released > 0 {
                log(ServiceLog.line("info", "took back the notifications this node held when it stopped", ["count": "\(released)", "node": node]))
            }
        } catch {
            log(ServiceLog.line("error", "the outbox's leases could not be read", ["error": "\(error)"]))
        }
        while !Task.isCancelled {
            let handled = await runOnce()
            if handled == 0 {
                await signal.wait(upTo: tick)
            } else if handled < batch {
                try? await Task.sleep(for: gather)
            }
        }
    }

    /// Claims what is due and carries it out; returns how many notifications it handled.
    @discardableResult
    func runOnce() async -> Int {
        let now = clock.now()
        let ids: [String]
        do {
            ids = try await store.claimDue(now: now, leaseUntil: now.addingTimeInterval(lease), limit: batch, owner: node)
            // Counting the outbox reads all of it: done when the dispatcher has caught up (the
            // count is small then) and otherwise at most once a second.
            if let metrics, ids.count < batch || depthCounted.withLock({ now.timeIntervalSince($0) >= 1 }) {
                metrics.setOutboxDepth(try store.outboxDepth())
                depthCounted.withLock { $0 = now }
            }
        } catch {
            log(ServiceLog.line("error", "the outbox could not be read", ["error": "\(error)"]))
            return 0
        }
        pruneCounters(now: now)
        let records: [DispatchRecord]
        do {
            records = try store.dispatchRecords(ids: ids)
        } catch {
            log(ServiceLog.line("error", "the claimed notifications could not be read; they come back when their leases end", ["error": "\(error)"]))
            return 0
        }
        await carryOut(records)
        return ids.count
    }

    /// A notification's step under way: its record, the action it carries out, and what came of it.
    private struct Step: Sendable {
        var record: DispatchRecord
        let action: CascadeAction
        var outcome: DispatchOutcome
        /// When it was carried out.
        var at: Date

        init(_ record: DispatchRecord, action: CascadeAction, at: Date) {
            self.record = record
            self.action = action
            outcome = DispatchOutcome(cascade: record.cascade, nextAction: action)
            self.at = at
        }
    }

    /// A send as decided before its attempt is recorded.
    private struct Send: Sendable {
        var step: Step
        let channel: ChannelKind
        let message: RenderedMessage?
        let adapter: (any ChannelAdapter)?
        let address: String
        /// Quiet hours hold the message until then, unless the address is suppressed.
        let quietUntil: Date?
        let attempt: AttemptRequest
    }

    /// What a round's child task hands back: a step carried out, or steps written.
    private enum Done: Sendable {
        case carriedOut(Step)
        case written([Step])
    }

    /// Carries out the due actions of `records` in rounds. In a round the attempts are recorded in
    /// one write, the sends run at once, and what came of them is written as they finish: each
    /// write takes every step finished while the one before it was under way. A fall-back to the
    /// next channel, due at once, is sent in the next round, under the same lease.
    func carryOut(_ records: [DispatchRecord]) async {
        var round = records.map { Step($0, action: $0.nextAction, at: clock.now()) }
        while !round.isEmpty {
            round = await carryOut(round: round)
        }
    }

    /// One round; returns the steps of the next (the fall-backs).
    private func carryOut(round: [Step]) async -> [Step] {
        var carriedOut: [Step] = []
        var sends: [Send] = []
        for var step in round {
            step.at = clock.now()
            switch step.action {
            case .send(let channel, let attempt), .retry(let channel, let attempt, _):
                do {
                    sends.append(try send(step, channel: channel, attempt: attempt))
                } catch {
                    logFailure(step, error)
                }
                continue
            case .awaitConfirmation(let channel, let until):
                let record = step.record
                if step.at >= until, !record.transactional, let next = Self.channel(after: channel, in: record.cascade),
                   let end = policy.heldUntil(step.at, channel: next) {
                    // The next channel would wait out quiet hours anyway: keep waiting for this one's
                    // report until they end, so that a late Viber report still counts and no SMS follows.
                    step.outcome.due = .at(end)
                } else {
                    let next = step.record.cascade.timerFired(now: step.at)
                    step.outcome = DispatchOutcome(cascade: step.record.cascade, nextAction: next == .nothing ? step.action : next)
                }
            case .done, .giveUp, .nothing:
                break
            }
            carriedOut.append(step)
        }
        let starts = await eachWritten(sends.map(\.attempt)) { try await self.store.startAttempts($0) }
        var next: [Step] = []
        await withTaskGroup(of: Done.self) { group in
            for (send, start) in zip(sends, starts) {
                switch start {
                case .success(let start):
                    if let quietUntil = send.quietUntil, start.suppressed == nil {
                        var step = send.step
                        step.outcome = deferred(DispatchOutcome(cascade: step.record.cascade, nextAction: .nothing, attemptID: start.id),
                                                action: step.action, until: quietUntil, channel: send.channel)
                        carriedOut.append(step)
                    } else {
                        group.addTask { .carriedOut(await self.perform(send, start)) }
                    }
                case .failure(let error):
                    logFailure(send.step, error)
                }
            }
            var writing = false
            while true {
                if !writing, !carriedOut.isEmpty {
                    let steps = carriedOut
                    carriedOut = []
                    writing = true
                    group.addTask { .written(await self.finish(steps)) }
                }
                guard let done = await group.next() else { break }
                switch done {
                case .carriedOut(let step):
                    carriedOut.append(step)
                case .written(let steps):
                    writing = false
                    for step in steps {
                        // A fall-back to the next channel is sent now, under the same lease.
                        guard case .send = step.outcome.nextAction, step.outcome.nextAction != step.action else { continue }
                        next.append(Step(step.record, action: step.outcome.nextAction, at: step.at))
                    }
                }
            }
        }
        return next
    }

    /// Writes what steps changed; returns those written, their records brought up to date.
    private func finish(_ steps: [Step]) async -> [Step] {
        var steps = steps
        for index in steps.indices where steps[index].outcome.due == .unchanged {
            let outcome = steps[index].outcome
            steps[index].outcome.due = Self.due(of: outcome.nextAction, cascade: outcome.cascade, now: steps[index].at)
        }
        let results = await eachWritten(steps.map { FinishedStep(notificationID: $0.record.id, outcome: $0.outcome, at: $0.at) }) { batch in
            let queued = try await self.store.finishSteps(batch)
            return batch.map { _ in queued }
        }
        var written: [Step] = []
        var webhooks = false
        for (var step, result) in zip(steps, results) {
            switch result {
            case .success(let queued):
                webhooks = webhooks || queued
                step.record.cascade = step.outcome.cascade
                step.record.nextAction = step.outcome.nextAction
                if case .done(let channel, let status) = step.outcome.nextAction {
                    metrics?.recordNotification(channel: channel.rawValue, status: status.rawValue)
                } else if case .giveUp = step.outcome.nextAction {
                    metrics?.recordNotification(channel: step.record.cascade.channel?.rawValue ?? "none", status: "failed")
                }
                written.append(step)
            case .failure(let error):
                logFailure(step, error)
            }
        }
        if webhooks { webhooksQueued() }
        return written
    }

    /// Runs `write` on all of `items` at once and, when that fails because of what one of them
    /// holds (a constraint, not a locked or failing database, which would fail each alone as well,
    /// each after its own wait), on each alone, so that one that cannot be written holds up no other;
    /// returns what came of each.
    private func eachWritten<Item: Sendable, Result: Sendable>(_ items: [Item], _ write: @Sendable ([Item]) async throws -> [Result]) async
        -> [Swift.Result<Result, any Error>] {
        guard !items.isEmpty else { return [] }
        do {
            return try await write(items).map { .success($0) }
        } catch {
            let itsOwn = (error as? SQLiteError)?.isConstraintViolation ?? true
            guard items.count > 1, itsOwn else { return items.map { _ in .failure(error) } }
        }
        var results: [Swift.Result<Result, any Error>] = []
        for item in items {
            do {
                guard let result = try await write([item]).first else { throw StoreError.invalid("nothing was written") }
                results.append(.success(result))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    private func logFailure(_ step: Step, _ error: any Error) {
        log(ServiceLog.line("error", "a notification step failed; it comes back when its lease ends", ["notification": step.record.id, "error": "\(error)"]))
    }

    /// A send held by the dispatcher itself before the provider: the attempt's outcome and why.
    private struct Held: Error {
        let outcome: String
        let failure: DeliveryFailure
    }

    /// What the dispatcher decides before any provider: quiet hours (a non-transactional message
    /// waits for their end), then, in the write that records the attempt, the suppression list and
    /// the partner's quota and the recipient's caps, which are counted only for a send that is not held.
    private func send(_ step: Step, channel: ChannelKind, attempt: Int) throws -> Send {
        let record = step.record, now = step.at
        let channels = record.sandbox ? sandbox : live
        let message = record.messages.first(where: { $0.channel == channel })
        let adapter = channels.adapters[channel]
        var suppression: SuppressionQuery?
        var quietUntil: Date?
        var counters: [SendCounter] = []
        let address = message.map { SuppressionEntry.normalize($0.recipient, channel: channel) ?? $0.recipient } ?? ""
        if message != nil, adapter != nil {
            suppression = SuppressionQuery(partnerID: record.partnerID, channel: channel, address: address, transactional: record.transactional)
            if !record.transactional, let until = policy.heldUntil(now, channel: channel) {
                quietUntil = until
            } else {
                let partnerDaily = try store.partnerQuotas(partnerID: record.partnerID)[channel] ?? policy.partnerDaily[channel]
                counters = policy.counters(partnerID: record.partnerID, channel: channel, address: address, sandbox: record.sandbox,
                                           partnerDaily: partnerDaily, now: now)
            }
        }
        return Send(step: step, channel: channel, message: message, adapter: adapter, address: address, quietUntil: quietUntil,
                    attempt: AttemptRequest(notificationID: record.id, channel: channel, number: attempt, at: now,
                                            suppression: suppression, counters: counters))
    }

    /// Hands the message to its provider, unless the attempt's write found it suppressed or over a
    /// limit; the step as carried out.
    private func perform(_ send: Send, _ start: AttemptStart) async -> Step {
        var step = send.step
        let channel = send.channel
        let channels = step.record.sandbox ? sandbox : live
        var outcome = DispatchOutcome(cascade: step.record.cascade, nextAction: .nothing, attemptID: start.id)
        let started = ContinuousClock.now
        do {
            guard let message = send.message else {
                throw DeliveryFailure(.permanent, code: "no message", reason: "no \(channel.displayName) message was rendered for this notification")
            }
            guard let adapter = send.adapter else {
                throw DeliveryFailure(.permanent, code: "not configured", reason: "no \(channel.displayName) provider is configured")
            }
            if let suppressed = start.suppressed {
                throw Held(outcome: "suppressed", failure: DeliveryFailure(.permanent, reason: suppressed.explanation))
            }
            if let full = start.full {
                throw Held(outcome: full.refusal.outcome, failure: DeliveryFailure(.permanent, reason: full.refusal.reason))
            }
            let built = try outbound(step.record, message, address: send.address, from: channels.emailFrom, now: step.at)
            let receipt = try await adapter.send(built)
            outcome.attemptOutcome = receipt.status.rawValue
            outcome.providerMessageID = receipt.providerMessageID
            outcome.nextAction = step.record.cascade.sendSucceeded(receipt, now: clock.now())
            metrics?.recordSend(channel: channel.rawValue, outcome: "accepted", seconds: (ContinuousClock.now - started).seconds,
                                sinceEvent: step.record.sandbox ? nil : clock.now().timeIntervalSince(step.record.createdAt))
        } catch let held as Held {
            outcome.attemptOutcome = held.outcome
            outcome.detail = held.failure.reason
            outcome.nextAction = step.record.cascade.sendFailed(held.failure, now: clock.now(), random: random())
            metrics?.recordSend(channel: channel.rawValue, outcome: held.outcome, seconds: 0, sinceEvent: nil)
        } catch {
            let failure = error as? DeliveryFailure ?? DeliveryFailure(.retryable(after: nil), reason: "\(error)")
            outcome.attemptOutcome = "failed"
            outcome.providerCode = failure.providerCode
            outcome.detail = failure.description
            outcome.nextAction = step.record.cascade.sendFailed(failure, now: clock.now(), random: random())
            metrics?.recordSend(channel: channel.rawValue, outcome: failure.isPermanent ? "permanent" : "retryable",
                                seconds: (ContinuousClock.now - started).seconds, sinceEvent: nil)
            if failure.recipientUnknown, failure.isPermanent, !step.record.sandbox, let message = send.message {
                do {
                    try suppressHardBounce(step.record, message, failure)
                } catch {
                    log(ServiceLog.line("error", "a hard bounce could not be put on the suppression list", ["notification": step.record.id, "error": "\(error)"]))
                }
            }
        }
        outcome.cascade = step.record.cascade
        step.outcome = outcome
        step.at = clock.now()
        return step
    }

    /// Quiet hours: the send waits for their end, as it is (the same action, due then), and the
    /// history shows a `deferred` attempt saying until when.
    private func deferred(_ outcome: DispatchOutcome, action: CascadeAction, until: Date, channel: ChannelKind) -> DispatchOutcome {
        var outcome = outcome
        if case .retry(let channel, let attempt, _) = action {
            outcome.nextAction = .retry(channel, attempt: attempt, at: until)
        } else {
            outcome.nextAction = action
        }
        outcome.due = .at(until)
        outcome.attemptOutcome = "deferred"
        let quiet = policy.quietHours?.description ?? ""
        let moscow = until.formatted(Date.VerbatimFormatStyle(
            format: "\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits) \(day: .twoDigits).\(month: .twoDigits).\(year: .defaultDigits)",
            timeZone: SendingPolicy.moscow, calendar: SendingPolicy.calendar))
        outcome.detail = "Тихие часы (\(quiet) по Москве): отправка в \(moscow) / quiet hours (\(quiet) Moscow time): sending at \(StoredTime.text(until))"
        metrics?.recordSend(channel: channel.rawValue, outcome: "deferred", seconds: 0, sinceEvent: nil)
        return outcome
    }

    /// A provider said the recipient does not exist: nobody's messages go there on this channel again.
    private func suppressHardBounce(_ record: DispatchRecord, _ message: RenderedMessage, _ failure: DeliveryFailure) throws {
        guard let address = SuppressionEntry.normalize(message.recipient, channel: message.channel) else { return }
        let (entry, created) = try store.addSuppression(NewSuppression(partnerID: nil, channel: message.channel, address: address,
                                                                       reason: .hardBounce, source: "provider", detail: failure.description),
                                                        now: clock.now())
        if created {
            log(ServiceLog.line("info", "a hard bounce put the address on the suppression list",
                          ["suppression": entry.id, "channel": message.channel.rawValue, "notification": record.id]))
        }
    }

    /// The channel the cascade would take over with after `channel`.
    static func channel(after channel: ChannelKind, in cascade: CascadeState) -> ChannelKind? {
        let steps = cascade.policy.steps
        guard let index = steps.firstIndex(where: { $0.channel == channel }), index + 1 < steps.count else { return nil }
        return steps[index + 1].channel
    }

    /// Deletes send counters more than two days old, at most once an hour.
    private func pruneCounters(now: Date) {
        let due = lastPrune.withLock { last -> Bool in
            guard last.map({ now.timeIntervalSince($0) >= 3600 || now < $0 }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            _ = try store.pruneSendCounters(before: now.addingTimeInterval(-2 * 24 * 3600))
        } catch {
            log(ServiceLog.line("error", "old send counters could not be deleted", ["error": "\(error)"]))
        }
    }

    /// The composed message as its adapter takes it; the ids derive from the notification's, so
    /// that a repeat after a crash carries the same ones.
    /// A non-transactional e-mail gets its recipient's List-Unsubscribe headers here (its visible
    /// unsubscribe line was written into the message when the event was accepted).
    private func outbound(_ record: DispatchRecord, _ message: RenderedMessage, address: String, from: String,
                          now: Date) throws(DeliveryFailure) -> OutboundMessage {
        let notificationID = "\(record.id).\(message.channel.rawValue)"
        switch message.channel {
        case .email:
            do {
                let domain = from.utf8.lastIndex(of: UInt8(ascii: "@")).map { String(from[from.index(after: $0)...]) } ?? "apikassa.ru"
                var listUnsubscribe: ListUnsubscribe?
                if !record.transactional, let unsubscribe {
                    listUnsubscribe = unsubscribe.listUnsubscribe(for: UnsubscribeLinks.Subject(partnerID: record.partnerID, channel: .email, address: address))
                }
                let email = EmailMessage(from: try EmailAddress(from, name: message.senderName),
                                         to: [try EmailAddress(message.recipient)],
                                         replyTo: message.replyTo.flatMap { try? EmailAddress($0) },
                                         subject: message.subject ?? "", text: message.text, html: message.html, listUnsubscribe: listUnsubscribe,
                                         messageID: try EmailMessage.messageID(notificationID, domain: domain), date: now)
                return OutboundMessage(notificationID: notificationID, content: .email(email))
            } catch {
                throw DeliveryFailure(.permanent, code: "address", reason: "the e-mail cannot be addressed: \(error)")
            }
        case .sms, .viber, .vk:
            return OutboundMessage(notificationID: notificationID, content: .text(recipient: message.recipient, body: message.text),
                                   providerTemplateID: message.providerTemplateID, providerTemplateValues: message.providerTemplateValues)
        }
    }

    /// A delivery report from a provider's callback or status query, applied to its notification.
    func apply(_ report: DeliveryReport, on channel: ChannelKind) async throws {
        guard let id = try store.notificationID(channel: channel, providerMessageID: report.providerMessageID),
              var record = try store.dispatchRecord(id: id)
        else { return }
        let now = clock.now()
        try store.recordReport(report, channel: channel, now: now)
        let action = record.cascade.reportReceived(report, on: channel)
        var outcome = DispatchOutcome(cascade: record.cascade, nextAction: action == .nothing ? record.nextAction : action)
        outcome.due = action == .nothing ? .unchanged : Self.due(of: action, cascade: record.cascade, now: now)
        if try await store.finishStep(notificationID: id, outcome, now: now) { webhooksQueued() }
        record.cascade = outcome.cascade
        if case .send = action { wake() }
    }

    /// When the outbox should hand a notification back after `action`.
    static func due(of action: CascadeAction, cascade: CascadeState, now: Date) -> DispatchOutcome.Due {
        switch action {
        case .send: .at(now)
        case .retry(_, _, let at): .at(at)
        case .awaitConfirmation(_, let until): .at(until)
        case .done, .giveUp: .finished
        case .nothing: cascade.isFinished ? .finished : .unchanged
        }
    }
}

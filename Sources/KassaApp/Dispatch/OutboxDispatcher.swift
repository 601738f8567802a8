import Channels
import Foundation
import Synchronization
import TemplateEngine

/// Sends what the outbox holds: leases the notifications whose time has come, carries out each
/// one's next cascade action through the channel adapters, and writes what happened and when to
/// look again, in one transaction per step.
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
                log(Self.line("info", "took back the notifications this node held when it stopped", ["count": "\(released)", "node": node]))
            }
        } catch {
            log(Self.line("error", "the outbox's leases could not be read", ["error": "\(error)"]))
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
            log(Self.line("error", "the outbox could not be read", ["error": "\(error)"]))
            return 0
        }
        pruneCounters(now: now)
        let records: [DispatchRecord]
        do {
            records = try store.dispatchRecords(ids: ids)
        } catch {
            log(Self.line("error", "the claimed notifications could not be read; they come back when their leases end", ["error": "\(error)"]))
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for record in records {
                group.addTask { await self.step(record) }
            }
        }
        return ids.count
    }

    /// Carries out one notification's due action, and any fall-back that follows at once.
    func step(_ record: DispatchRecord) async {
        var record = record
        let id = record.id
        do {
            var action = record.nextAction
            while true {
                let now = clock.now()
                var outcome = DispatchOutcome(cascade: record.cascade, nextAction: action)
                switch action {
                case .send(let channel, let attempt), .retry(let channel, let attempt, _):
                    outcome = try await send(&record, channel: channel, attempt: attempt, action: action, now: now)
                case .awaitConfirmation(let channel, let until):
                    if now >= until, !record.transactional, let next = Self.channel(after: channel, in: record.cascade),
                       let end = policy.heldUntil(now, channel: next) {
                        // The next channel would wait out quiet hours anyway: keep waiting for this one's
                        // report until they end, so that a late Viber report still counts and no SMS follows.
                        outcome.due = .at(end)
                    } else {
                        let next = record.cascade.timerFired(now: now)
                        outcome = DispatchOutcome(cascade: record.cascade, nextAction: next == .nothing ? action : next)
                    }
                case .done, .giveUp, .nothing:
                    break
                }
                let finishedAt = clock.now()
                if outcome.due == .unchanged {
                    outcome.due = Self.due(of: outcome.nextAction, cascade: outcome.cascade, now: finishedAt)
                }
                if try await store.finishStep(notificationID: id, outcome, now: finishedAt) { webhooksQueued() }
                record.cascade = outcome.cascade
                record.nextAction = outcome.nextAction
                if case .done(let channel, let status) = outcome.nextAction {
                    metrics?.recordNotification(channel: channel.rawValue, status: status.rawValue)
                } else if case .giveUp = outcome.nextAction {
                    metrics?.recordNotification(channel: record.cascade.channel?.rawValue ?? "none", status: "failed")
                }
                // A fall-back to the next channel is sent now, under the same lease.
                guard case .send = outcome.nextAction, outcome.nextAction != action else { return }
                action = outcome.nextAction
            }
        } catch {
            log(Self.line("error", "a notification step failed; it comes back when its lease ends", ["notification": id, "error": "\(error)"]))
        }
    }

    /// A send the dispatcher itself stops before the provider: the attempt's outcome and why.
    private struct Held: Error {
        let outcome: String
        let failure: DeliveryFailure
    }

    private func send(_ record: inout DispatchRecord, channel: ChannelKind, attempt: Int, action: CascadeAction, now: Date) async throws -> DispatchOutcome {
        let channels = record.sandbox ? sandbox : live
        let message = record.messages.first(where: { $0.channel == channel })
        let adapter = channels.adapters[channel]
        // What the dispatcher decides before any provider: quiet hours (a non-transactional message
        // waits for their end), then, in the transaction that records the attempt, the suppression
        // list and the partner's quota and the recipient's caps, which are counted only for a send
        // that is not held.
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
        let start = try await store.startAttempt(notificationID: record.id, channel: channel, number: attempt, at: now,
                                                 unless: suppression, counting: counters)
        var outcome = DispatchOutcome(cascade: record.cascade, nextAction: .nothing, attemptID: start.id)
        if let quietUntil, start.suppressed == nil {
            return deferred(outcome, action: action, until: quietUntil, channel: channel)
        }
        let started = ContinuousClock.now
        do {
            guard let message else {
                throw DeliveryFailure(.permanent, code: "no message", reason: "no \(channel.displayName) message was rendered for this notification")
            }
            guard let adapter else {
                throw DeliveryFailure(.permanent, code: "not configured", reason: "no \(channel.displayName) provider is configured")
            }
            if let suppressed = start.suppressed {
                throw Held(outcome: "suppressed", failure: DeliveryFailure(.permanent, reason: suppressed.explanation))
            }
            if let full = start.full {
                throw Held(outcome: full.refusal.outcome, failure: DeliveryFailure(.permanent, reason: full.refusal.reason))
            }
            let built = try outbound(record, message, address: address, from: channels.emailFrom, now: now)
            let receipt = try await adapter.send(built)
            outcome.attemptOutcome = receipt.status.rawValue
            outcome.providerMessageID = receipt.providerMessageID
            outcome.nextAction = record.cascade.sendSucceeded(receipt, now: clock.now())
            metrics?.recordSend(channel: channel.rawValue, outcome: "accepted", seconds: (ContinuousClock.now - started).seconds,
                                sinceEvent: record.sandbox ? nil : clock.now().timeIntervalSince(record.createdAt))
        } catch let held as Held {
            outcome.attemptOutcome = held.outcome
            outcome.detail = held.failure.reason
            outcome.nextAction = record.cascade.sendFailed(held.failure, now: clock.now(), random: random())
            metrics?.recordSend(channel: channel.rawValue, outcome: held.outcome, seconds: 0, sinceEvent: nil)
        } catch let failure as DeliveryFailure {
            outcome.attemptOutcome = "failed"
            outcome.providerCode = failure.providerCode
            outcome.detail = failure.description
            outcome.nextAction = record.cascade.sendFailed(failure, now: clock.now(), random: random())
            metrics?.recordSend(channel: channel.rawValue, outcome: failure.isPermanent ? "permanent" : "retryable",
                                seconds: (ContinuousClock.now - started).seconds, sinceEvent: nil)
            if failure.recipientUnknown, failure.isPermanent, !record.sandbox,
               let message = record.messages.first(where: { $0.channel == channel }) {
                try suppressHardBounce(record, message, failure)
            }
        }
        outcome.cascade = record.cascade
        return outcome
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
            log(Self.line("info", "a hard bounce put the address on the suppression list",
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
            log(Self.line("error", "old send counters could not be deleted", ["error": "\(error)"]))
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

    static func line(_ level: String, _ message: String, _ fields: [String: String]) -> String {
        var o = ValueObject([("level", .string(level)), ("msg", .string(message))])
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { o[key] = .string(value) }
        return Value.object(o).jsonString
    }
}

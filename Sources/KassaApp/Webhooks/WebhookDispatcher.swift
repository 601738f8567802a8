import Channels
import Foundation

/// Sends partners' webhooks: takes the messages whose attempt is due (of enabled endpoints the
/// endpoint has not asked us to hold), signs each with its endpoint's secrets, posts it, and writes
/// what `WebhookDeliveryState` decides, one transaction per attempt.
///
/// Messages are queued in the transaction of the status change they report, so a crash loses
/// none; a message taken by a process that then died comes back when its lease ends, and may
/// reach the endpoint twice, with the same `webhook-id` for the receiver to recognise.
///
/// ```swift
/// let webhooks = WebhookDispatcher(store: store, box: masterKey)
/// Task { await webhooks.run() }
/// webhooks.wake()   // after queueing messages, to send them now rather than at the next tick
/// ```
final class WebhookDispatcher: Sendable {
    let store: any WebhookStore
    let box: SecretBox
    let sender: WebhookSender
    let clock: any WallClock
    /// How long a taken message stays ours; longer than the sender's timeout and DNS lookup together.
    let lease: TimeInterval
    /// Messages sent at once.
    let batch: Int
    private let random: @Sendable () -> Double
    private let log: @Sendable (String) -> Void
    private let signal = WakeSignal()

    init(store: any WebhookStore, box: SecretBox, sender: WebhookSender = WebhookSender(), clock: any WallClock = SystemWallClock(),
         lease: TimeInterval = 60, batch: Int = 32, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
         log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.box = box
        self.sender = sender
        self.clock = clock
        self.lease = lease
        self.batch = batch
        self.random = random
        self.log = log
    }

    /// Says that messages were queued, so that the loop looks now rather than at its next tick.
    func wake() {
        signal.wake()
    }

    /// Runs until the task is cancelled, looking for due messages when woken and at least every `tick`.
    func run(tick: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            if await runOnce() == 0 {
                await signal.wait(upTo: tick)
            }
        }
    }

    /// Sends what is due; returns how many messages it attempted.
    @discardableResult
    func runOnce() async -> Int {
        let now = clock.now()
        let due: [WebhookDelivery]
        do {
            due = try store.claimDueWebhooks(now: now, leaseUntil: now.addingTimeInterval(lease), limit: batch)
        } catch {
            log(ServiceLog.line("error", "the webhook messages could not be read", ["error": "\(error)"]))
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in due {
                group.addTask { await self.attempt(delivery) }
            }
        }
        return due.count
    }

    /// Makes one attempt at one message and records its outcome.
    private func attempt(_ delivery: WebhookDelivery) async {
        let outcome: WebhookOutcome
        do {
            let secrets = try delivery.sealedSecrets.map { try WebhookSecret(sealed: $0, in: box) }
            guard !secrets.isEmpty else { throw SecretBox.Failure(message: "the endpoint has no secret") }
            let endpoint = WebhookEndpoint(url: delivery.url, secrets: secrets)
            outcome = await sender.send(WebhookMessage(id: delivery.messageID, body: Array(delivery.body.utf8)), to: endpoint, now: clock.now())
        } catch {
            // Never the secret itself: only that it could not be opened (a changed master key, say).
            log(ServiceLog.line("error", "a webhook secret could not be opened; the attempt counts as failed",
                                      ["endpoint": delivery.endpointID, "error": "\(error)"]))
            outcome = WebhookOutcome(.failure(DeliveryFailure(.retryable(after: nil), code: "signing",
                                                              reason: "the service could not read the endpoint's signing secret")))
        }
        let random = random()
        do {
            let now = clock.now()
            let action = try store.finishWebhookAttempt(messageID: delivery.messageID) { state in
                state.attemptFinished(outcome, now: now, random: random)
            }
            if case .disableEndpoint(let reason)? = action {
                log(ServiceLog.line("info", "a webhook endpoint was disabled", ["endpoint": delivery.endpointID, "reason": reason]))
            }
        } catch {
            log(ServiceLog.line("error", "a webhook attempt could not be recorded; it comes back when its lease ends",
                                      ["message": delivery.messageID, "error": "\(error)"]))
        }
    }
}

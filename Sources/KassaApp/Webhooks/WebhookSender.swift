import Channels
import Foundation

/// Where one partner's webhooks go, as the sender needs it.
struct WebhookEndpoint: Sendable {
    let url: String
    /// The signing secrets, the current one first; during a rotation the previous one too.
    let secrets: [WebhookSecret]
}

/// One message for an endpoint: its id, the same on every attempt, and the JSON body exactly as sent and signed.
struct WebhookMessage: Sendable, Equatable {
    let id: String
    let body: [UInt8]
}

/// Makes one delivery attempt: vets the endpoint's URL (again, since DNS answers change), signs the
/// message for this attempt's time, and POSTs it over a connection pinned to the vetted addresses,
/// following no redirect. Every way it can go is an outcome for `WebhookDeliveryState`, never a throw.
///
/// ```swift
/// let sender = WebhookSender()
/// let outcome = await sender.send(message, to: endpoint, now: clock.now())
/// let action = delivery.attemptFinished(outcome, now: clock.now(), random: .random(in: 0..<1))
/// ```
struct WebhookSender: Sendable {
    /// The client's own, used for nothing else, since its requests are all pinned.
    let client: HTTPClient
    let urlGuard: WebhookURLGuard

    /// A sender whose requests time out after `timeout` (the specification recommends 15 to 30 s);
    /// answers longer than 64 KB count as failures, since only a 1 KB excerpt is kept.
    init(urlGuard: WebhookURLGuard = WebhookURLGuard(), timeout: Duration = .seconds(15)) {
        self.urlGuard = urlGuard
        client = HTTPClient(timeout: timeout, maxResponseBytes: 64 * 1024)
    }

    /// Vets the endpoint's URL, then signs and posts the message; a refused URL is a permanent failure.
    func send(_ message: WebhookMessage, to endpoint: WebhookEndpoint, now: Date) async -> WebhookOutcome {
        let target: WebhookTarget
        do throws(WebhookURLError) {
            target = try await urlGuard.vet(endpoint.url)
        } catch {
            return WebhookOutcome(.failure(DeliveryFailure(.permanent, code: "webhook url", reason: error.description)))
        }
        return await send(message, to: target, secrets: endpoint.secrets, now: now)
    }

    /// Signs the message with `secrets` for `now` and posts it to a target the guard has vetted.
    func send(_ message: WebhookMessage, to target: WebhookTarget, secrets: [WebhookSecret], now: Date) async -> WebhookOutcome {
        let signed = WebhookSignature.sign(id: message.id, timestamp: Int(now.timeIntervalSince1970.rounded(.down)),
                                           body: message.body, secrets: secrets)
        var request = Channels.HTTPRequest.json(target.url, message.body, headers: signed.fields + [("User-Agent", "Apikassa-Webhooks/1")])
        request.pinnedAddresses = target.addresses
        let clock = ContinuousClock()
        let start = clock.now
        do throws(DeliveryFailure) {
            let response = try await client.send(request)
            return WebhookOutcome(.response(response), duration: start.duration(to: clock.now))
        } catch {
            return WebhookOutcome(.failure(error), duration: start.duration(to: clock.now))
        }
    }
}

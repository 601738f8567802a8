import Foundation
import TemplateEngine

/// What the webhook routes need beyond the store: the master key that seals endpoint secrets,
/// the guard that vets endpoint URLs, and the dispatcher's wake-up.
struct WebhookSettings: Sendable {
    let box: SecretBox
    var urlGuard = WebhookURLGuard()
    /// Runs after a message is queued for sending again, or an endpoint is enabled again.
    var queued: @Sendable () -> Void = {}
}

/// A partner's webhooks: register endpoints (the secret is shown once), rotate their secrets,
/// enable one again after it answered 410, and read or redeliver every message with its attempts.
/// Another partner's endpoint or message is a 404.
enum WebhookRoutes {
    /// Endpoints one partner may have: each status change is sent to every one of them.
    static let maxEndpoints = 10
    /// Messages one listing shows, newest first.
    static let listLimit = 100

    static func add(to router: inout Router, store: any KassaStore, settings: WebhookSettings?, clock: any WallClock) {
        let urlGuard = settings?.urlGuard ?? WebhookURLGuard()

        router.add("POST", "/v1/webhooks/endpoints") { request, _ in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            guard let url = try TemplateRoutes.jsonObject(request)["url"]?.stringValue else {
                throw APIError(422, "invalid_field", "'url' is required: the https URL webhooks are posted to")
            }
            do throws(WebhookURLError) {
                _ = try urlGuard.parse(url)
                _ = try await urlGuard.vet(url)
            } catch {
                throw APIError(422, "invalid_webhook_url", error.description)
            }
            guard try store.webhookEndpoints(partnerID: partner.ownerID).count < maxEndpoints else {
                throw APIError(409, "too_many_endpoints", "A partner has at most \(maxEndpoints) webhook endpoints",
                               detail: "Delete one with DELETE /v1/webhooks/endpoints/{id}")
            }
            let box = try sealingBox(settings)
            let secret = try WebhookSecret.generate()
            let record = try store.createWebhookEndpoint(partnerID: partner.ownerID, url: url, sealedSecret: try secret.sealed(in: box))
            return revealing(secret, with: record, status: 201)
        }

        router.add("GET", "/v1/webhooks/endpoints") { request, _ in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            return .json(["endpoints": .array(try store.webhookEndpoints(partnerID: partner.ownerID).map(\.json))])
        }

        router.add("DELETE", "/v1/webhooks/endpoints/:id") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            let id = parameters["id"] ?? ""
            guard try store.deleteWebhookEndpoint(id: id, partnerID: partner.ownerID) else { throw APIError.notFound }
            return .json(["id": .string(id), "deleted": true])
        }

        router.add("POST", "/v1/webhooks/endpoints/:id/rotate") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            let dropPrevious = request.query["drop_old"] == "true"
            guard try store.webhookEndpoint(id: parameters["id"] ?? "", partnerID: partner.ownerID) != nil else { throw APIError.notFound }
            let box = try sealingBox(settings)
            let secret = try WebhookSecret.generate()
            guard let record = try store.rotateWebhookSecret(endpointID: parameters["id"] ?? "", partnerID: partner.ownerID,
                                                             sealedSecret: try secret.sealed(in: box), dropPrevious: dropPrevious)
            else { throw APIError.notFound }
            return revealing(secret, with: record, status: 200)
        }

        router.add("POST", "/v1/webhooks/endpoints/:id/enable") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            guard let record = try store.enableWebhookEndpoint(id: parameters["id"] ?? "", partnerID: partner.ownerID) else {
                throw APIError.notFound
            }
            settings?.queued()
            return .json(record.json)
        }

        router.add("GET", "/v1/webhooks/messages") { request, _ in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            let endpointID = request.query["endpoint_id"].flatMap { $0.isEmpty ? nil : $0 }
            if let endpointID, try store.webhookEndpoint(id: endpointID, partnerID: partner.ownerID) == nil { throw APIError.notFound }
            var status: WebhookMessageStatus?
            if let text = request.query["status"], !text.isEmpty {
                guard let known = WebhookMessageStatus(rawValue: text) else {
                    throw APIError(422, "invalid_field", "'\(text)' is not a message status",
                                   detail: "Statuses: \(WebhookMessageStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = known
            }
            let messages = try store.webhookMessages(partnerID: partner.ownerID, endpointID: endpointID, status: status, limit: listLimit)
            return .json(["messages": .array(messages.map(\.json))])
        }

        router.add("POST", "/v1/webhooks/messages/:id/redeliver") { request, parameters in
            let partner = try KassaAPI.authenticate(request, store, allowing: TemplateRoutes.partnerKinds)
            guard let message = try store.webhookMessage(id: parameters["id"] ?? "", partnerID: partner.ownerID),
                  let endpoint = try store.webhookEndpoint(id: message.endpointID, partnerID: partner.ownerID)
            else { throw APIError.notFound }
            guard endpoint.enabled else {
                throw APIError(409, "endpoint_disabled", "The message's endpoint is disabled",
                               detail: "Enable it first with POST /v1/webhooks/endpoints/\(endpoint.id)/enable")
            }
            guard let redelivered = try store.redeliverWebhookMessage(id: message.id, partnerID: partner.ownerID, now: clock.now()) else {
                throw APIError.notFound
            }
            settings?.queued()
            return .json(redelivered.json, status: 202)
        }
    }

    /// The master key, or a 503 when the server was started without webhooks configured.
    private static func sealingBox(_ settings: WebhookSettings?) throws -> SecretBox {
        guard let settings else {
            throw APIError(503, "webhooks_unavailable", "Webhook secrets cannot be stored: the server runs without a master key")
        }
        return settings.box
    }

    /// The endpoint with its new secret, shown this once; a replay of the request shows it without.
    private static func revealing(_ secret: WebhookSecret, with record: WebhookEndpointRecord, status: Int) -> HTTPResponse {
        guard case .object(var shown) = record.json else { return .json(record.json, status: status) }
        var hidden = shown
        shown["secret"] = .string(secret.revealedText)
        hidden["secret"] = .nil
        hidden["secret_note"] = "The secret is shown only in the first answer; rotate the endpoint's secret to get a new one"
        var response = HTTPResponse.json(.object(shown), status: status)
        response.replayBody = Array(Value.object(hidden).jsonString.utf8)
        return response
    }
}

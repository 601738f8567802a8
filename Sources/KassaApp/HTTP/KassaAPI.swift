import Channels
import Foundation
import TemplateEngine

/// What the API accepts, from the configuration.
struct APILimits: Sendable {
    /// The largest template part a partner may store.
    var maxTemplateBytes = 256 * 1024
}

/// The service's routes, built on the store: the same router serves real sockets and tests.
enum KassaAPI {
    /// `eventAccepted` runs after each new event is stored (the dispatcher's wake-up); without
    /// `webhooks` (no master key) the webhook routes refuse to make secrets; `channels` checks the
    /// providers' callbacks and `deliveryReport` applies what they report; `sending` gives the
    /// default quotas shown to partners; without `unsubscribe`, every unsubscribe link is a 404.
    static func router(store: any KassaStore, base: BaseTemplateLibrary, limits: APILimits = APILimits(),
                       metrics: Metrics = Metrics(), clock: any WallClock = SystemWallClock(), webhooks: WebhookSettings? = nil,
                       eventAccepted: @escaping @Sendable (_ webhooksQueued: Bool) -> Void = { _ in }, channels: ChannelSet = ChannelSet(),
                       deliveryReport: @escaping @Sendable (DeliveryReport, ChannelKind) async throws -> Void = { _, _ in },
                       sending: SendingPolicy = SendingPolicy(), unsubscribe: UnsubscribeLinks? = nil) -> Router {
        var router = Router()
        router.metrics = metrics
        router.add("GET", "/healthz") { _, _ in .json(["status": "ok"]) }
        router.add("GET", "/openapi.json") { _, _ in
            HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(OpenAPIDocument.json.utf8))
        }
        router.add("GET", "/metrics") { _, _ in
            HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")], body: Array(metrics.exposition.utf8))
        }

        router.add("GET", "/v1/me") { request, _ in
            let principal = try authenticate(request, store)
            return .json(["kind": .string(principal.kind.rawValue), "id": .string(principal.ownerID)])
        }

        router.add("GET", "/v1/events") { request, _ in
            _ = try authenticate(request, store)
            return .json(["events": .array(EventCatalog.all.map { e in
                ["name": .string(e.name), "description": .string(e.description), "transactional": .bool(e.transactional),
                 "schema": e.schema.jsonValue, "sample": e.sample]
            })])
        }
        TemplateRoutes.add(to: &router, store: store, base: base, limits: limits, metrics: metrics)
        ModerationRoutes.add(to: &router, store: store, metrics: metrics)
        let planner = NotificationPlanner(store: store, base: base, compiled: CompiledTemplates(), metrics: metrics, unsubscribe: unsubscribe)
        EventRoutes.add(to: &router, store: store, planner: planner, clock: clock, accepted: eventAccepted)
        CallbackRoutes.add(to: &router, channels: channels, apply: deliveryReport)
        WebhookRoutes.add(to: &router, store: store, settings: webhooks, clock: clock)
        SuppressionRoutes.add(to: &router, store: store, policy: sending, clock: clock)
        UnsubscribeRoutes.add(to: &router, store: store, links: unsubscribe, clock: clock)
        // Every POST may carry an Idempotency-Key.
        let idempotency = Idempotency(store: store)
        router.wrap(method: "POST", in: idempotency.wrap)
        return router
    }

    /// The principal of the request's bearer token; 401 when it is missing, unknown or revoked.
    static func authenticate(_ request: HTTPRequest, _ store: any AccountStore, allowing kinds: Set<TokenKind> = TokenKind.all) throws -> Principal {
        guard let principal = try request.principal ?? request.bearerToken.flatMap({ try store.authenticate(token: $0) }) else {
            throw APIError.unauthorized
        }
        guard kinds.contains(principal.kind) else {
            throw APIError(403, "forbidden", "This token may not do that")
        }
        return principal
    }
}

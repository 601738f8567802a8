import Channels
import Foundation
import TemplateEngine

/// Where providers report on the messages they took: SMS.ru's delivery reports and edna's Viber
/// status webhooks, each checked by the provider's own means (SMS.ru's hash, edna's key) and
/// applied to the notification that sent the message. No bearer token: the provider calls.
enum CallbackRoutes {
    static func add(to router: inout Router, channels: ChannelSet,
                    apply: @escaping @Sendable (DeliveryReport, ChannelKind) async throws -> Void) {
        router.add("POST", "/v1/callbacks/sms-ru") { request, _ in
            guard let configuration = channels.smsRu else { throw APIError(404, "not_configured", "No SMS.ru account is configured") }
            let body = String(decoding: request.body, as: UTF8.self)
            guard SMSRuCallback.isAuthentic(body: body, configuration: configuration) else {
                throw APIError(403, "forged_callback", "The callback's hash does not match our SMS.ru account")
            }
            let reports: [DeliveryReport]
            do {
                reports = try SMSRuCallback.parse(body: body)
            } catch let error as SMSRuCallbackError {
                throw APIError(422, "invalid_callback", "The callback could not be read", detail: error.description)
            }
            for report in reports { try await apply(report, .sms) }
            // SMS.ru repeats a callback until it reads this answer.
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array(SMSRuCallback.reply.utf8))
        }

        router.add("POST", "/v1/callbacks/viber") { request, _ in
            guard let viber = channels.viber else { throw APIError(404, "not_configured", "No Viber provider is configured") }
            let report: DeliveryReport
            do {
                report = try viber.report(fromCallback: request.body, key: request.headers["x-api-key"])
            } catch let error as CallbackError {
                if error.isForged { throw APIError(403, "forged_callback", "The callback's key does not match ours") }
                throw APIError(422, "invalid_callback", "The callback could not be read", detail: error.description)
            }
            try await apply(report, .viber)
            return .json(["status": "ok"])
        }
    }
}

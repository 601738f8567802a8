import Foundation
import Synchronization

/// Request counts by route and status and their latencies, and template renders by channel and
/// outcome, in the Prometheus text format.
final class Metrics: Sendable {
    private struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    private struct State {
        var requests: [Key: Int] = [:]
        var latencyBuckets: [Int] = Array(repeating: 0, count: Metrics.bounds.count)
        var latencyCount = 0
        var latencySum = 0.0
        var renders: [String: Int] = [:]
        var renderSeconds = 0.0
        var sends: [String: Int] = [:]
        var notifications: [String: Int] = [:]
        var outboxDepth = 0
        var eventToSendBuckets: [Int] = Array(repeating: 0, count: Metrics.sendBounds.count)
        var eventToSendCount = 0
        var eventToSendSum = 0.0
    }

    /// Upper bounds of the event-to-provider histogram, in seconds.
    static let sendBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 300]

    /// Upper bounds of the latency histogram, in seconds.
    static let bounds: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
    private let state = Mutex(State())

    func record(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests[Key(method: method, route: route, status: status), default: 0] += 1
            for (i, bound) in Self.bounds.enumerated() where seconds <= bound { s.latencyBuckets[i] += 1 }
            s.latencyCount += 1
            s.latencySum += seconds
        }
    }

    /// A notification composed from templates (a preview now; sends later), `ok` or not.
    func recordRender(channel: String, ok: Bool, seconds: Double) {
        state.withLock { s in
            s.renders["channel=\"\(channel)\",outcome=\"\(ok ? "ok" : "error")\"", default: 0] += 1
            s.renderSeconds += seconds
        }
    }

    /// One attempt to hand a message to a provider; `sinceEvent` is the time from the event's
    /// arrival to the provider's acceptance, for accepted sends to real providers (not the sandbox).
    func recordSend(channel: String, outcome: String, seconds: Double, sinceEvent: Double?) {
        state.withLock { s in
            s.sends["channel=\"\(channel)\",outcome=\"\(outcome)\"", default: 0] += 1
            if let sinceEvent {
                for (i, bound) in Self.sendBounds.enumerated() where sinceEvent <= bound { s.eventToSendBuckets[i] += 1 }
                s.eventToSendCount += 1
                s.eventToSendSum += sinceEvent
            }
        }
    }

    /// A notification reached a final state on `channel`.
    func recordNotification(channel: String, status: String) {
        state.withLock { s in s.notifications["channel=\"\(channel)\",status=\"\(status)\"", default: 0] += 1 }
    }

    func setOutboxDepth(_ depth: Int) {
        state.withLock { $0.outboxDepth = depth }
    }

    var exposition: String {
        state.withLock { s in
            var out = "# HELP kassa_http_requests_total HTTP requests by route pattern and status.\n# TYPE kassa_http_requests_total counter\n"
            for (key, count) in s.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
                out += "kassa_http_requests_total{method=\"\(key.method)\",route=\"\(key.route)\",status=\"\(key.status)\"} \(count)\n"
            }
            out += "# HELP kassa_http_request_duration_seconds Time to answer a request.\n# TYPE kassa_http_request_duration_seconds histogram\n"
            for (i, bound) in Self.bounds.enumerated() {
                out += "kassa_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(s.latencyBuckets[i])\n"
            }
            out += "kassa_http_request_duration_seconds_bucket{le=\"+Inf\"} \(s.latencyCount)\n"
            out += "kassa_http_request_duration_seconds_sum \(s.latencySum)\nkassa_http_request_duration_seconds_count \(s.latencyCount)\n"
            out += "# HELP kassa_template_renders_total Notifications composed from templates, by channel and outcome.\n# TYPE kassa_template_renders_total counter\n"
            for (labels, count) in s.renders.sorted(by: { $0.key < $1.key }) {
                out += "kassa_template_renders_total{\(labels)} \(count)\n"
            }
            out += "# HELP kassa_template_render_seconds_total Time spent composing them.\n# TYPE kassa_template_render_seconds_total counter\n"
            out += "kassa_template_render_seconds_total \(s.renderSeconds)\n"
            out += "# HELP kassa_sends_total Attempts to hand a message to a provider, by channel and outcome.\n# TYPE kassa_sends_total counter\n"
            for (labels, count) in s.sends.sorted(by: { $0.key < $1.key }) {
                out += "kassa_sends_total{\(labels)} \(count)\n"
            }
            out += "# HELP kassa_notifications_total Notifications that reached a final status, by channel and status.\n# TYPE kassa_notifications_total counter\n"
            for (labels, count) in s.notifications.sorted(by: { $0.key < $1.key }) {
                out += "kassa_notifications_total{\(labels)} \(count)\n"
            }
            out += "# HELP kassa_outbox_depth Notifications waiting in the outbox.\n# TYPE kassa_outbox_depth gauge\n"
            out += "kassa_outbox_depth \(s.outboxDepth)\n"
            out += "# HELP kassa_event_to_send_seconds From an event's arrival to a provider accepting its message.\n# TYPE kassa_event_to_send_seconds histogram\n"
            for (i, bound) in Self.sendBounds.enumerated() {
                out += "kassa_event_to_send_seconds_bucket{le=\"\(bound)\"} \(s.eventToSendBuckets[i])\n"
            }
            out += "kassa_event_to_send_seconds_bucket{le=\"+Inf\"} \(s.eventToSendCount)\n"
            out += "kassa_event_to_send_seconds_sum \(s.eventToSendSum)\nkassa_event_to_send_seconds_count \(s.eventToSendCount)\n"
            return out
        }
    }
}

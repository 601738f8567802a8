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

    /// A Prometheus histogram: cumulative counts of observations at or below each bound.
    private struct Histogram {
        let bounds: [Double]
        var buckets: [Int]
        var count = 0
        var sum = 0.0

        init(_ bounds: [Double]) {
            self.bounds = bounds
            buckets = Array(repeating: 0, count: bounds.count)
        }

        mutating func observe(_ value: Double) {
            for (i, bound) in bounds.enumerated() where value <= bound { buckets[i] += 1 }
            count += 1
            sum += value
        }

        func write(_ name: String, help: String, into out: inout String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
            for (i, bound) in bounds.enumerated() {
                out += "\(name)_bucket{le=\"\(bound)\"} \(buckets[i])\n"
            }
            out += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(sum)\n\(name)_count \(count)\n"
        }
    }

    private struct State {
        var requests: [Key: Int] = [:]
        var latency = Histogram(Metrics.bounds)
        var renders: [String: Int] = [:]
        var renderSeconds = 0.0
        var sends: [String: Int] = [:]
        var notifications: [String: Int] = [:]
        var outboxDepth = 0
        var eventToSend = Histogram(Metrics.sendBounds)
    }

    /// A counter by its labels (`channel="sms",outcome="ok"`), in label order.
    private static func writeCounter(_ name: String, help: String, _ counts: [String: Int], into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
        for (labels, count) in counts.sorted(by: { $0.key < $1.key }) {
            out += "\(name){\(labels)} \(count)\n"
        }
    }

    /// Upper bounds of the event-to-provider histogram, in seconds.
    static let sendBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 300]

    /// Upper bounds of the latency histogram, in seconds.
    static let bounds: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
    private let state = Mutex(State())

    func record(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { s in
            s.requests[Key(method: method, route: route, status: status), default: 0] += 1
            s.latency.observe(seconds)
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
            if let sinceEvent { s.eventToSend.observe(sinceEvent) }
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
            s.latency.write("kassa_http_request_duration_seconds", help: "Time to answer a request.", into: &out)
            Self.writeCounter("kassa_template_renders_total", help: "Notifications composed from templates, by channel and outcome.",
                              s.renders, into: &out)
            out += "# HELP kassa_template_render_seconds_total Time spent composing them.\n# TYPE kassa_template_render_seconds_total counter\n"
            out += "kassa_template_render_seconds_total \(s.renderSeconds)\n"
            Self.writeCounter("kassa_sends_total", help: "Attempts to hand a message to a provider, by channel and outcome.", s.sends, into: &out)
            Self.writeCounter("kassa_notifications_total", help: "Notifications that reached a final status, by channel and status.",
                              s.notifications, into: &out)
            out += "# HELP kassa_outbox_depth Notifications waiting in the outbox.\n# TYPE kassa_outbox_depth gauge\n"
            out += "kassa_outbox_depth \(s.outboxDepth)\n"
            s.eventToSend.write("kassa_event_to_send_seconds", help: "From an event's arrival to a provider accepting its message.", into: &out)
            return out
        }
    }
}

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
    }

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
            return out
        }
    }
}

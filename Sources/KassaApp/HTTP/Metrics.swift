import Foundation
import Synchronization

/// Request counts by route and status and their latencies, in the Prometheus text format.
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
            return out
        }
    }
}

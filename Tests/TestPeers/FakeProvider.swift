import Foundation
import Synchronization

/// A provider's API on loopback (`Scripts/*_fake.py`, built on `fake_http.py`): answers as the
/// provider documents unless a test scripts the next answers, and reports every request it got.
public final class FakeProvider: Sendable {
    public let peer: PythonPeer
    public let baseURL: String
    private let scripted = ScriptCount()

    /// Starts `script` (for example `smsru_fake.py`) with its own `arguments`.
    public init(_ script: String, _ arguments: [String] = [], tls: TestCertificate? = nil) async throws {
        let tlsArguments = tls.map { ["--cert", $0.cert, "--key", $0.key] } ?? []
        peer = try PythonPeer(script, arguments + tlsArguments)
        let port = try await peer.port()
        baseURL = "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)"
    }

    /// Queues the next answer (see `fake_http.py` for the keys: path, status, body, headers, delay,
    /// drop, raw) and waits until the fake has it.
    public func script(_ answer: [String: any Sendable]) async throws {
        let line = try JSONSerialization.data(withJSONObject: answer)
        let count = scripted.next()
        peer.write(String(decoding: line, as: UTF8.self) + "\n")
        _ = try await peer.wait(for: "scripted answer \(count)") { ($0["event"] as? String) == "scripted" && ($0["count"] as? Int) == count }
    }

    /// The requests received so far, oldest first.
    public var requests: [Request] {
        peer.events.filter { ($0["event"] as? String) == "request" }.map(Request.init)
    }

    /// The requests received, once there are at least `count`: the fake prints each before it
    /// answers, but its line can reach us after the answer has.
    public func requests(atLeast count: Int) async throws -> [Request] {
        for _ in 0..<400 {
            let received = requests
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(50))
        }
        return requests
    }

    /// One request as the fake saw it.
    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let query: String
        public let headers: [String: String]
        public let body: String

        init(_ event: [String: Any]) {
            method = event["method"] as? String ?? ""
            path = event["path"] as? String ?? ""
            query = event["query"] as? String ?? ""
            headers = event["headers"] as? [String: String] ?? [:]
            body = event["body"] as? String ?? ""
        }

        /// The form fields of the body (or of the query for a GET), in order.
        public var form: [(name: String, value: String)] {
            let text = method == "GET" ? query : body
            return text.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }
        }

        /// The first value of the form field `name`.
        public func field(_ name: String) -> String? { form.first { $0.name == name }?.value }
    }

    public func stop() { peer.stop() }
}

private final class ScriptCount: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

import Foundation
import TemplateEngine

/// Our router: routes by method and path pattern (`/v1/templates/:id`), answers 404 and 405 itself,
/// turns thrown `APIError`s into problem documents and anything else into a 500 that hides details.
struct Router: Sendable {
    typealias Handler = @Sendable (HTTPRequest, [String: String]) async throws -> HTTPResponse

    struct Route: Sendable {
        let method: String
        let segments: [Substring]
        var handler: Handler
        /// The handler stores the answer of the request's Idempotency-Key in its own transaction
        /// (`HTTPRequest.idempotency`), instead of the key being claimed before it runs.
        var storesIdempotentAnswer = false
    }

    private(set) var routes: [Route] = []
    /// Where request counts and latencies go; nil records nothing.
    var metrics: Metrics?
    /// Where the cause of a 500 goes (a JSON line), since the answer hides it.
    var log: (@Sendable (String) -> Void)?

    mutating func add(_ method: String, _ pattern: String, storesIdempotentAnswer: Bool = false, _ handler: @escaping Handler) {
        routes.append(Route(method: method, segments: pattern.split(separator: "/"), handler: handler,
                            storesIdempotentAnswer: storesIdempotentAnswer))
    }

    /// Wraps the handler of every route with `method` (added so far) in `middleware`, which is
    /// given the route.
    mutating func wrap(method: String, in middleware: (Route) -> Handler) {
        routes = routes.map { route in
            guard route.method == method else { return route }
            var wrapped = route
            wrapped.handler = middleware(route)
            return wrapped
        }
    }

    /// The route and its parameters for a path, ignoring the method.
    private func match(_ route: Route, _ path: [Substring]) -> [String: String]? {
        guard route.segments.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (pattern, part) in zip(route.segments, path) {
            if pattern.hasPrefix(":") {
                parameters[String(pattern.dropFirst())] = String(part).removingPercentEncoding ?? String(part)
            } else if pattern != part {
                return nil
            }
        }
        return parameters
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let started = ContinuousClock.now
        let (response, route) = await dispatch(request)
        if let metrics {
            metrics.record(method: request.method, route: route ?? "unmatched", status: response.status,
                           seconds: (ContinuousClock.now - started).seconds)
        }
        return response
    }

    /// The response and the pattern of the route that answered (for metrics, never the raw path).
    private func dispatch(_ request: HTTPRequest) async -> (HTTPResponse, String?) {
        let path = request.path.split(separator: "/")
        var allowed: [String] = []
        for route in routes {
            guard let parameters = match(route, path) else { continue }
            guard route.method == request.method || (route.method == "GET" && request.method == "HEAD") else {
                allowed.append(route.method)
                continue
            }
            let pattern = "/" + route.segments.joined(separator: "/")
            do {
                return (try await route.handler(request, parameters), pattern)
            } catch let error as APIError {
                return (error.response, pattern)
            } catch {
                let line: Value = ["level": "error", "msg": "request failed", "method": .string(request.method), "route": .string(pattern),
                                   "error": .string(String(describing: error))]
                log?(line.jsonString)
                return (APIError(500, "internal", "The server failed to answer; the request was logged").response, pattern)
            }
        }
        if !allowed.isEmpty {
            var response = APIError(405, "method_not_allowed", "\(request.method) is not allowed here").response
            response.headers.append(("Allow", allowed.joined(separator: ", ")))
            return (response, nil)
        }
        return (APIError.notFound.response, nil)
    }
}

extension Duration {
    /// The duration in seconds, for metrics.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

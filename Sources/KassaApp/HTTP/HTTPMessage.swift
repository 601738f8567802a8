import Channels
import Foundation
import TemplateEngine

/// A request as the router sees it: method, path, query, headers (names lowercased) and body.
struct HTTPRequest: Sendable {
    let method: String
    let path: String
    let query: [String: String]
    let headers: [String: String]
    let body: [UInt8]
    /// The bearer token's principal, once a wrapper has looked it up (so that the handler does not again).
    var principal: Principal?
    /// The Idempotency-Key whose answer the handler is to store with its own write, on a route
    /// that does so (`Router.Route.storesIdempotentAnswer`).
    var idempotency: IdempotentRequest?

    init(method: String, uri: String, headers: [(String, String)], body: [UInt8] = []) {
        self.method = method
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = parts.first.map(String.init) ?? "/"
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                query[key] = kv.count > 1 ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            }
        }
        self.query = query
        var lowered: [String: String] = [:]
        for (name, value) in headers { lowered[name.lowercased()] = value }
        self.headers = lowered
        self.body = body
    }

    /// The bearer token of the `Authorization` header, if any.
    var bearerToken: String? {
        guard let value = headers["authorization"], value.utf8.count > 7,
              value.utf8.prefix(7).lazy.map({ (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }).elementsEqual("bearer ".utf8)
        else { return nil }
        return String(value.dropFirst(7).trimmingWhitespace)
    }
}

/// A response: status, headers and body bytes.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    /// What an idempotent replay answers instead of `body`, when `body` shows a secret only once.
    var replayBody: [UInt8]? = nil
    /// The handler stored this answer under the request's Idempotency-Key itself.
    var idempotentAnswerStored = false

    /// A JSON body.
    static func json(_ value: Value, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(value.jsonString.utf8))
    }
}

/// An API error, answered as `application/problem+json` (RFC 9457) with a stable `code`.
struct APIError: Error, Sendable {
    let status: Int
    let code: String
    let title: String
    let detail: String?

    init(_ status: Int, _ code: String, _ title: String, detail: String? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
    }

    static let unauthorized = APIError(401, "unauthorized", "A valid bearer token is required")
    static let notFound = APIError(404, "not_found", "No such resource")

    var response: HTTPResponse {
        var o = ValueObject()
        o["type"] = .string("https://apikassa.example/problems/\(code)")
        o["title"] = .string(title)
        o["status"] = .int(status)
        o["code"] = .string(code)
        if let detail { o["detail"] = .string(detail) }
        var response = HTTPResponse.json(.object(o), status: status)
        response.headers = [("Content-Type", "application/problem+json")]
        if status == 401 { response.headers.append(("WWW-Authenticate", "Bearer")) }
        return response
    }
}

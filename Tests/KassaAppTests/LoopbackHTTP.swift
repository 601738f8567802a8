import Channels

/// Calls over a real socket, for the tests that run the service on loopback: our libcurl client,
/// with a timeout on every call (URLSession on Linux has left such calls hanging for good).
enum LoopbackHTTP {
    static func call(_ method: String, _ url: String, headers: [(name: String, value: String)] = [],
                     body: [UInt8] = []) async throws -> (status: Int, body: [UInt8]) {
        let request = HTTPRequest(method == "GET" ? .get : .post, url, headers: headers, body: body)
        let response = try await HTTPClient(timeout: .seconds(10)).send(request)
        return (response.status, response.body)
    }
}

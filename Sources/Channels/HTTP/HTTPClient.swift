import CCurl
import Dispatch
import Foundation
import Synchronization

/// One HTTP request to a provider's API.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }

    public var method: Method
    public var url: String
    /// Header fields in order; a value with CR or LF is refused before anything is sent.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// When set, the connection goes only to these IP addresses: the URL's host name resolves to them
    /// (libcurl's `CURLOPT_RESOLVE`), no proxy is used, and a connection to any other address, a
    /// reused one included, is refused before the request is sent. A pinned entry stays in the
    /// handle's DNS cache, so a client that pins should be used only for pinned requests.
    public var pinnedAddresses: [String]?

    public init(_ method: Method, _ url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A form post (`application/x-www-form-urlencoded`, UTF-8), as SMS.ru and VK take.
    public static func form(_ url: String, _ fields: [(String, String)], headers: [(name: String, value: String)] = []) -> HTTPRequest {
        HTTPRequest(.post, url, headers: headers + [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                    body: Array(FormEncoding.encode(fields).utf8))
    }

    /// A JSON post.
    public static func json(_ url: String, _ body: [UInt8], headers: [(name: String, value: String)] = []) -> HTTPRequest {
        HTTPRequest(.post, url, headers: headers + [("Content-Type", "application/json")], body: body)
    }
}

/// What a provider's server answered.
public struct HTTPResponse: Sendable, Equatable {
    public let status: Int
    /// Header fields of the final response, names as the server wrote them.
    public let headers: [HTTPHeaderField]
    public let body: [UInt8]

    public init(status: Int, headers: [HTTPHeaderField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name`, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The `Retry-After` header as a wait, when it is a number of seconds.
    public var retryAfter: Duration? {
        header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { .seconds(max(0, $0)) }
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

public struct HTTPHeaderField: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A small HTTP/1.1 client on libcurl for providers' APIs: keep-alive connections held in a pool of
/// easy handles, a timeout on every call, TLS verified, answers capped in size. Transport failures
/// come out as `DeliveryFailure`s; reading the status and body is the adapter's business.
///
/// ```swift
/// let client = HTTPClient(timeout: .seconds(10))
/// let response = try await client.send(.form("https://sms.ru/sms/send", [("to", "79990000000")]))
/// ```
public final class HTTPClient: Sendable {
    public let timeout: Duration
    public let connectTimeout: Duration
    /// A CA bundle to trust instead of the system's (a test server's certificate).
    public let caFile: String?
    /// The largest answer read; a longer one is a failure, not a truncated success.
    public let maxResponseBytes: Int

    // Safe: a handle is used by one request at a time; the pool hands each out under its lock.
    private let idle = Mutex<[UnsafeSendableHandle]>([])

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    public init(timeout: Duration = .seconds(15), connectTimeout: Duration = .seconds(5), caFile: String? = nil,
                maxResponseBytes: Int = 1 << 20) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.caFile = caFile
        self.maxResponseBytes = maxResponseBytes
    }

    deinit {
        idle.withLock { handles in
            for handle in handles { curl_easy_cleanup(handle.pointer) }
            handles.removeAll()
        }
    }

    /// Sends `request` off the cooperative thread pool (libcurl blocks) and returns the answer,
    /// whatever its status.
    public func send(_ request: HTTPRequest) async throws(DeliveryFailure) -> HTTPResponse {
        let outcome: Result<HTTPResponse, DeliveryFailure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(DeliveryFailure) in try self.perform(request) })
            }
        }
        return try outcome.get()
    }

    /// Sends `request` on the calling thread.
    public func perform(_ request: HTTPRequest) throws(DeliveryFailure) -> HTTPResponse {
        for (name, value) in request.headers
        where (name + value).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) || name.contains(":") {
            throw DeliveryFailure(.permanent, code: "http header", reason: "the header '\(name.prefix(40))' has a line break or colon")
        }
        guard request.url.lowercased().hasPrefix("https://") || request.url.lowercased().hasPrefix("http://") else {
            throw DeliveryFailure(.permanent, code: "http url", reason: "the provider's URL '\(request.url.prefix(80))' is not http or https")
        }
        guard Self.globalInit == CURLE_OK else {
            throw DeliveryFailure(.permanent, code: "curl init", reason: "libcurl could not be initialised")
        }
        guard let handle = idle.withLock({ $0.popLast()?.pointer }) ?? curl_easy_init() else {
            throw DeliveryFailure(.permanent, code: "curl init", reason: "libcurl could not make a handle")
        }
        let result = Result { () throws(DeliveryFailure) in try perform(request, on: handle) }
        idle.withLock { $0.append(UnsafeSendableHandle(pointer: handle)) }
        return try result.get()
    }

    private func perform(_ request: HTTPRequest, on handle: UnsafeMutableRawPointer) throws(DeliveryFailure) -> HTTPResponse {
        // Options from the previous request go; the handle's open connections stay.
        curl_easy_reset(handle)
        let answer = Answer(limit: maxResponseBytes)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers { list = curl_slist_append(list, "\(name): \(value)") }
        // libcurl adds `Expect: 100-continue` to larger posts, which costs a round trip.
        list = curl_slist_append(list, "Expect:")
        defer { curl_slist_free_all(list) }
        var resolve: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(resolve) }
        if let pinned = request.pinnedAddresses {
            (answer.pinned, resolve) = try Self.pin(request.url, to: pinned)
        }
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            _ = ccurl_setopt_string(handle, CURLOPT_URL, request.url)
            _ = ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
            _ = ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
            switch request.method {
            case .get:
                _ = ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            case .post:
                _ = ccurl_setopt_long(handle, CURLOPT_POST, 1)
                _ = ccurl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
                // libcurl copies exactly the size set above, so the body may hold any bytes.
                if request.body.isEmpty {
                    _ = ccurl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
                } else {
                    request.body.withUnsafeBytes { bytes in
                        _ = ccurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                    }
                }
            }
            let context = Unmanaged.passUnretained(answer).toOpaque()
            _ = ccurl_setopt_write_function(handle, { data, size, count, context in
                guard let data, let context else { return 0 }
                return Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue().body(data, size * count)
            })
            _ = ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
            _ = ccurl_setopt_header_function(handle, { data, size, count, context in
                guard let data, let context else { return 0 }
                return Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue().header(data, size * count)
            })
            _ = ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
            _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            if let caFile { _ = ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
            _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, CurlSupport.milliseconds(connectTimeout))
            _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, CurlSupport.milliseconds(timeout))
            _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
            if answer.pinned != nil {
                _ = ccurl_setopt_slist(handle, CURLOPT_RESOLVE, resolve)
                _ = ccurl_setopt_string(handle, CURLOPT_NOPROXY, "*")
                _ = ccurl_setopt_prereq_function(handle, { context, primaryIP, _, _, _ in
                    guard let context, let primaryIP else { return CURL_PREREQFUNC_ABORT }
                    let allowed = Unmanaged<Answer>.fromOpaque(context).takeUnretainedValue().allows(String(cString: primaryIP))
                    return allowed ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT
                })
                _ = ccurl_setopt_pointer(handle, CURLOPT_PREREQDATA, context)
            }
            let code = curl_easy_perform(handle)
            _ = ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
            _ = ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, nil)
            _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
            _ = ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
            return code
        }
        if let refused = answer.refusedAddress {
            throw DeliveryFailure(.permanent, code: "curl \(code.rawValue)",
                                  reason: "the connection went to \(refused), which is not one of the addresses the request is pinned to")
        }
        guard code == CURLE_OK else {
            let detail = CurlSupport.errorText(errorBuffer)
            throw Self.classify(code, detail: detail, answerTooLong: answer.overflowed, limit: maxResponseBytes)
        }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: answer.headers, body: answer.bytes)
    }

    /// The pinned addresses as bytes, and the `CURLOPT_RESOLVE` entry that maps the URL's host, as
    /// libcurl itself parses it, to them (none for a host that is already an IP address).
    static func pin(_ url: String, to addresses: [String]) throws(DeliveryFailure) -> ([[UInt8]], UnsafeMutablePointer<curl_slist>?) {
        let bytes = addresses.compactMap(ipAddressBytes)
        guard !addresses.isEmpty, bytes.count == addresses.count else {
            throw DeliveryFailure(.permanent, code: "http pin", reason: "the pinned addresses \(addresses) are not all IP addresses")
        }
        guard let handle = curl_url() else {
            throw DeliveryFailure(.permanent, code: "curl init", reason: "libcurl could not make a URL handle")
        }
        defer { curl_url_cleanup(handle) }
        var host: UnsafeMutablePointer<CChar>?, port: UnsafeMutablePointer<CChar>?
        defer { curl_free(host); curl_free(port) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK,
              curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK,
              curl_url_get(handle, CURLUPART_PORT, &port, UInt32(CURLU_DEFAULT_PORT)) == CURLUE_OK,
              let host, let port else {
            throw DeliveryFailure(.permanent, code: "http url", reason: "the URL '\(url.prefix(80))' has no host and port libcurl can read")
        }
        let hostName = String(cString: host)
        guard !hostName.hasPrefix("["), ipAddressBytes(hostName) == nil else { return (bytes, nil) }
        let targets = addresses.map { $0.contains(":") ? "[\($0)]" : $0 }.joined(separator: ",")
        return (bytes, curl_slist_append(nil, "\(hostName):\(String(cString: port)):\(targets)"))
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address written as text, or nil for anything else.
    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// What a failed transfer means for the message: a timeout or a dropped connection may succeed
    /// later; a URL or certificate that is wrong will not.
    static func classify(_ code: CURLcode, detail: String, answerTooLong: Bool, limit: Int) -> DeliveryFailure {
        let curl = "curl \(code.rawValue)"
        let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_WRITE_ERROR where answerTooLong:
            return DeliveryFailure(.retryable(after: nil), code: curl, reason: "the provider's answer was longer than \(limit) bytes")
        case CURLE_OPERATION_TIMEDOUT:
            return DeliveryFailure(.retryable(after: nil), code: curl, reason: "the provider did not answer in time: \(reason)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            return DeliveryFailure(.permanent, code: curl, reason: "the provider's TLS certificate could not be verified: \(reason)")
        case CURLE_URL_MALFORMAT:
            return DeliveryFailure(.permanent, code: curl, reason: "the provider's URL is wrong: \(reason)")
        default:
            return DeliveryFailure(.retryable(after: nil), code: curl, reason: reason)
        }
    }
}

/// An easy handle held in the idle pool.
private struct UnsafeSendableHandle: @unchecked Sendable {
    // Safe: only the request that took it from the pool touches it.
    let pointer: UnsafeMutableRawPointer
}

/// The headers and body of one transfer as libcurl hands them over.
private final class Answer {
    private let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var headers: [HTTPHeaderField] = []
    private(set) var overflowed = false
    /// The addresses a pinned request may connect to, as bytes; nil when it is not pinned.
    var pinned: [[UInt8]]?
    /// The address a pinned request was refused a connection to.
    private(set) var refusedAddress: String?

    init(limit: Int) { self.limit = limit }

    func body(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        guard bytes.count + count <= limit else {
            overflowed = true
            return 0
        }
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        return count
    }

    /// Whether a pinned request may go on over a connection to `address`; remembers the refusal when not.
    func allows(_ address: String) -> Bool {
        guard let pinned else { return true }
        guard let bytes = HTTPClient.ipAddressBytes(address), pinned.contains(bytes) else {
            refusedAddress = address
            return false
        }
        return true
    }

    func header(_ data: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new response begins (after a 100 Continue, say): only the final one's headers count.
            headers.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            headers.append(HTTPHeaderField(name: String(line[..<colon]),
                                           value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return count
    }
}

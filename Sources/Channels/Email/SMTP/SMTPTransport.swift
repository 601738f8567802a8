import CCurl
import Foundation
import Synchronization

/// Sends messages to one SMTP server through libcurl, over one connection kept open between
/// messages (libcurl reuses it while the server allows). One message at a time per transport;
/// a sender that wants more in parallel holds several transports.
public final class SMTPTransport: Sendable {
    public let configuration: SMTPConfiguration
    // Safe: the easy handle is used only with `lock` held.
    private nonisolated(unsafe) let handle: UnsafeMutableRawPointer
    private let lock = Mutex<Void>(())

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    public init(_ configuration: SMTPConfiguration) throws(DeliveryFailure) {
        guard Self.globalInit == CURLE_OK, let handle = curl_easy_init() else {
            throw DeliveryFailure(.permanent, code: "curl init", reason: "libcurl could not be initialised")
        }
        self.configuration = configuration
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    /// Sends `message` (headers, blank line, body, CRLF line endings) from `sender` to `recipients`;
    /// returns the server's acceptance or a classified failure.
    public func send(from sender: String, to recipients: [String], message: [UInt8]) throws(DeliveryFailure) {
        for address in [sender] + recipients where address.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "<" || $0 == ">" }) {
            throw DeliveryFailure(.permanent, code: nil, reason: "the address '\(address.prefix(80))' has a line break or angle bracket")
        }
        guard !recipients.isEmpty else { throw DeliveryFailure(.permanent, reason: "a message needs at least one recipient") }
        let outcome: Result<Void, DeliveryFailure> = lock.withLock { _ in
            Result { () throws(DeliveryFailure) in try perform(sender: sender, recipients: recipients, message: message) }
        }
        try outcome.get()
    }

    private func perform(sender: String, recipients: [String], message: [UInt8]) throws(DeliveryFailure) {
        let source = MessageSource(message)
        let replies = ReplyLog()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var list: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients { list = curl_slist_append(list, "<\(recipient)>") }
        defer { curl_slist_free_all(list) }
        let c = configuration
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { buffer in
            _ = ccurl_setopt_string(handle, CURLOPT_URL, c.curlURL)
            _ = ccurl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(sender)>")
            _ = ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, list)
            _ = ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1)
            _ = ccurl_setopt_long(handle, CURLOPT_INFILESIZE_LARGE, message.count)
            _ = ccurl_setopt_read_function(handle, { buffer, size, count, context in
                guard let buffer, let context else { return 0 }
                return Unmanaged<MessageSource>.fromOpaque(context).takeUnretainedValue().read(into: buffer, capacity: size * count)
            })
            _ = ccurl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(source).toOpaque())
            // The server's replies reach us through the debug callback (only what came in: what we
            // send includes AUTH, which must never be kept).
            _ = ccurl_setopt_long(handle, CURLOPT_VERBOSE, 1)
            _ = ccurl_setopt_debug_function(handle, { _, type, data, size, context in
                if type == CURLINFO_HEADER_IN, let data, let context {
                    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
                    Unmanaged<ReplyLog>.fromOpaque(context).takeUnretainedValue().add(text)
                }
                return 0
            })
            _ = ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(replies).toOpaque())
            _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            _ = ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(c.tls == .plain ? CURLUSESSL_NONE.rawValue : CURLUSESSL_ALL.rawValue))
            if let caFile = c.caFile { _ = ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
            if let username = c.username { _ = ccurl_setopt_string(handle, CURLOPT_USERNAME, username) }
            if let password = c.password { _ = ccurl_setopt_string(handle, CURLOPT_PASSWORD, password) }
            _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, CurlSupport.milliseconds(c.connectTimeout))
            _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, CurlSupport.milliseconds(c.timeout))
            _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            let code = curl_easy_perform(handle)
            // Nothing of this message may outlive the call inside the handle.
            _ = ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
            _ = ccurl_setopt_pointer(handle, CURLOPT_READDATA, nil)
            _ = ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, nil)
            _ = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
            return code
        }
        guard code != CURLE_OK else { return }
        let detail = CurlSupport.errorText(errorBuffer)
        throw Self.classify(code, replies: replies.lines, detail: detail, tls: c.tls)
    }

    /// What a failed transfer means: the server's own reply when it refused something, else what
    /// libcurl saw on the way (connection, TLS, authentication).
    static func classify(_ code: CURLcode, replies: [Substring], detail: String, tls: SMTPConfiguration.TLS) -> DeliveryFailure {
        let curl = "curl \(code.rawValue)"
        switch code {
        case CURLE_USE_SSL_FAILED:
            return DeliveryFailure(.permanent, code: curl, reason: "the server does not offer STARTTLS; nothing was sent, no credential either")
        case CURLE_LOGIN_DENIED:
            return DeliveryFailure(.permanent, code: SMTPReply.lastFailure(in: replies).map { "\($0.code)" } ?? curl,
                                   reason: "the server refused our SMTP credentials")
        case CURLE_PEER_FAILED_VERIFICATION:
            return DeliveryFailure(.permanent, code: curl, reason: "the server's TLS certificate could not be verified: \(detail)")
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return DeliveryFailure(.permanent, code: curl, reason: "the SMTP configuration is wrong: \(detail)")
        default:
            break
        }
        if let reply = SMTPReply.lastFailure(in: replies) { return reply.failure }
        let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        return DeliveryFailure(.retryable(after: nil), code: curl, reason: reason)
    }
}

/// The message bytes libcurl reads as the DATA of one transfer.
private final class MessageSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let n = min(capacity, bytes.count - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}

/// The server's reply lines of one transfer.
private final class ReplyLog {
    private(set) var lines: [Substring] = []

    func add(_ text: String) {
        lines += text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" })
    }
}

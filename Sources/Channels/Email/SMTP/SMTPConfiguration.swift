/// How to reach an SMTP server: `smtp://host[:port]` (STARTTLS, required unless `tls` is `.plain`)
/// or `smtps://host[:port]` (TLS from the first byte), with optional AUTH credentials.
public struct SMTPConfiguration: Sendable {
    public enum TLS: String, Sendable, CaseIterable {
        /// Plain connection upgraded with STARTTLS; a server that does not offer it is refused
        /// before any credential or message is sent.
        case starttls
        /// TLS from the start (port 465).
        case smtps
        /// No TLS at all: only for a test server on loopback.
        case plain = "none"
    }

    public var host: String
    public var port: Int
    public var tls: TLS
    public var username: String?
    public var password: String?
    /// Extra trusted certificates (PEM), for a server with a private CA (tests).
    public var caFile: String?
    /// The name we give in EHLO.
    public var heloName: String
    public var connectTimeout: Duration = .seconds(10)
    /// The longest one message may take, connection included.
    public var timeout: Duration = .seconds(60)

    /// Reads `smtp://host[:port]` or `smtps://host[:port]`; `tls` defaults from the scheme.
    public init(url: String, tls: TLS? = nil, username: String? = nil, password: String? = nil, caFile: String? = nil,
                heloName: String = "apikassa.ru") throws(SMTPConfigurationError) {
        let scheme: String
        let rest: Substring
        if url.hasPrefix("smtp://") {
            scheme = "smtp"
            rest = url.dropFirst(7)
        } else if url.hasPrefix("smtps://") {
            scheme = "smtps"
            rest = url.dropFirst(8)
        } else {
            throw SMTPConfigurationError("the SMTP URL must start with smtp:// or smtps://, not '\(url.prefix(16))'")
        }
        let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard !authority.contains("@") else {
            throw SMTPConfigurationError("the SMTP URL must not carry credentials; give them separately")
        }
        var host = String(authority)
        var port = scheme == "smtps" ? 465 : 587
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                throw SMTPConfigurationError("the SMTP URL's port must be a number from 1 to 65535")
            }
            port = p
            host = String(authority[..<colon])
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw SMTPConfigurationError("the SMTP URL needs a host name")
        }
        let mode = tls ?? (scheme == "smtps" ? .smtps : .starttls)
        if (scheme == "smtps") != (mode == .smtps) {
            throw SMTPConfigurationError(scheme == "smtps" ? "an smtps:// URL is TLS from the start; --tls must be smtps"
                                                           : "TLS from the start needs an smtps:// URL")
        }
        self.host = host
        self.port = port
        self.tls = mode
        self.username = username
        self.password = password
        self.caFile = caFile
        self.heloName = heloName
    }

    /// The URL libcurl is given: the EHLO name is its path.
    var curlURL: String { "\(tls == .smtps ? "smtps" : "smtp")://\(host):\(port)/\(heloName)" }
}

/// A mistake in an SMTP configuration.
public struct SMTPConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

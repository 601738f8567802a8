/// Why a DKIM signer could not be created or a message could not be signed; never includes key material.
public struct DKIMError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        /// The private key text holds no PEM block at all.
        case keyNotPEM
        /// The PEM private key is protected by a passphrase.
        case keyEncrypted
        /// OpenSSL could not decode a private key from the PEM block.
        case keyUnreadable
        /// The private key is valid but not an RSA key.
        case keyNotRSA
        /// The RSA key is shorter than the 1024 bits RFC 8301 requires.
        case keyTooSmall(bits: Int)
        /// The d= domain is not a DNS name in ASCII.
        case invalidDomain(String)
        /// The s= selector is not a DNS name in ASCII.
        case invalidSelector(String)
        /// The signing time lies before 1970 or needs more than the 12 digits t= allows.
        case timestampOutOfRange
        /// A line of the message ends in a CR or LF that is not part of a CRLF pair.
        case bareLineBreak(line: Int)
        /// A line of the header section is neither a header field nor the continuation of one.
        case malformedHeaderField(line: Int)
        /// The message has no From header field, which DKIM must sign.
        case missingFrom
        /// OpenSSL failed while computing the RSA signature.
        case signingFailed
    }

    private let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    static let keyNotPEM = DKIMError(.keyNotPEM)
    static let keyEncrypted = DKIMError(.keyEncrypted)
    static let keyUnreadable = DKIMError(.keyUnreadable)
    static let keyNotRSA = DKIMError(.keyNotRSA)
    static func keyTooSmall(bits: Int) -> DKIMError { DKIMError(.keyTooSmall(bits: bits)) }
    static func invalidDomain(_ domain: String) -> DKIMError { DKIMError(.invalidDomain(domain)) }
    static func invalidSelector(_ selector: String) -> DKIMError { DKIMError(.invalidSelector(selector)) }
    static let timestampOutOfRange = DKIMError(.timestampOutOfRange)
    static func bareLineBreak(line: Int) -> DKIMError { DKIMError(.bareLineBreak(line: line)) }
    static func malformedHeaderField(line: Int) -> DKIMError { DKIMError(.malformedHeaderField(line: line)) }
    static let missingFrom = DKIMError(.missingFrom)
    static let signingFailed = DKIMError(.signingFailed)

    public var description: String {
        switch kind {
        case .keyNotPEM:
            "The DKIM private key is not PEM text: expected \"-----BEGIN PRIVATE KEY-----\" or \"-----BEGIN RSA PRIVATE KEY-----\"."
        case .keyEncrypted:
            "The DKIM private key is encrypted with a passphrase; give the signer the unencrypted PEM key."
        case .keyUnreadable:
            "OpenSSL could not read a private key from the DKIM PEM text: the base64 is damaged or the block is not a private key."
        case .keyNotRSA:
            "The DKIM private key is not an RSA key; this signer supports rsa-sha256 only."
        case .keyTooSmall(let bits):
            "The DKIM RSA key has \(bits) bits; verifiers reject keys under 1024 bits (RFC 8301), and 2048 bits is recommended."
        case .invalidDomain(let domain):
            "The DKIM domain \"\(domain)\" is not a DNS name of ASCII letters, digits and hyphens (write an internationalised domain as its xn-- form)."
        case .invalidSelector(let selector):
            "The DKIM selector \"\(selector)\" is not a DNS name of ASCII letters, digits and hyphens."
        case .timestampOutOfRange:
            "The DKIM signature time lies before 1970 or beyond the 12 digits of seconds that the t= tag can express."
        case .bareLineBreak(let line):
            "Line \(line) of the message ends in a bare CR or LF; DKIM signs messages whose lines all end in CRLF."
        case .malformedHeaderField(let line):
            "Line \(line) of the message header is not a header field: it has no colon, an empty or non-ASCII name, or continues no field."
        case .missingFrom:
            "The message has no From header field, which a DKIM signature must cover (RFC 6376 §5.4)."
        case .signingFailed:
            "OpenSSL failed to compute the RSA-SHA256 signature."
        }
    }
}

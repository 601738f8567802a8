import COpenSSL
import Foundation

/// Signs outgoing e-mail with DKIM (RFC 6376): rsa-sha256, relaxed/relaxed, one key per domain and selector.
///
/// ```swift
/// let signer = try DKIMSigner(domain: "apikassa.ru", selector: "mail2025", privateKeyPEM: pem)
/// let signed = try signer.sign(message, timestamp: clock.now)   // message: CRLF lines, as for SMTP DATA
/// ```
public struct DKIMSigner: Sendable {
    /// The headers to sign, in order, when present in the message (each signed once; absent ones skipped).
    public static let defaultSignedHeaders = ["from", "to", "reply-to", "subject", "date", "message-id", "mime-version",
                                              "content-type", "list-unsubscribe", "list-unsubscribe-post"]

    /// d=, the signing domain.
    let domain: String
    /// s=, the selector whose public key is published at `<selector>._domainkey.<domain>`.
    let selector: String
    private let key: RSAPrivateKey

    /// Creates a signer for `domain` (d=) and `selector` (s=) from an unencrypted PEM RSA private key of at least 1024 bits,
    /// in PKCS#1 ("BEGIN RSA PRIVATE KEY") or PKCS#8 ("BEGIN PRIVATE KEY") form.
    public init(domain: String, selector: String, privateKeyPEM: String) throws(DKIMError) {
        guard Self.isDNSName(domain) else { throw .invalidDomain(domain) }
        guard Self.isDNSName(selector) else { throw .invalidSelector(selector) }
        self.domain = domain
        self.selector = selector
        self.key = try RSAPrivateKey(pem: privateKeyPEM)
    }

    /// Signs a complete message (CRLF line endings, headers, blank line, body — as handed to SMTP DATA, before
    /// dot-stuffing) and returns it with the DKIM-Signature header field prepended; `timestamp` sets t= (nil omits it).
    public func sign(_ message: [UInt8], timestamp: Date?) throws(DKIMError) -> [UInt8] {
        let parsed = try DKIMMessage(message)
        guard parsed.headerFields.contains(where: { $0.name == "from" }) else { throw .missingFrom }
        let seconds = try timestamp.map(Self.signatureTime)

        // A verifier takes each name in h= from the bottom of the header up (RFC 6376 §5.4.2), so sign the last instance.
        var signedHeaders: [String] = []
        var signingInput: [UInt8] = []
        for name in Self.defaultSignedHeaders {
            guard let field = parsed.headerFields.last(where: { $0.name == name }) else { continue }
            signedHeaders.append(name)
            signingInput += DKIMCanonicalization.relaxedHeaderField(field.bytes)
        }

        let bodyHash = ChannelCrypto.sha256(DKIMCanonicalization.relaxedBody(parsed.body))
        let field = DKIMSignatureField(domain: domain, selector: selector, timestamp: seconds,
                                       signedHeaders: signedHeaders, bodyHash: Data(bodyHash).base64EncodedString())
        // The signature field itself is hashed last, with an empty b= and without its trailing CRLF (RFC 6376 §3.7).
        signingInput += DKIMCanonicalization.relaxedHeaderField(Array(field.folded(signature: "").utf8)).dropLast(2)
        let signature = try key.signSHA256(signingInput)

        var signed = Array(field.folded(signature: Data(signature).base64EncodedString()).utf8)
        signed.reserveCapacity(signed.count + 2 + message.count)
        signed += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        signed += message
        return signed
    }

    /// Whole seconds since 1970 for t=, which holds at most 12 digits (RFC 6376 §3.5).
    private static func signatureTime(_ date: Date) throws(DKIMError) -> Int {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= 0, seconds < 1e12 else { throw .timestampOutOfRange }
        return Int(seconds)
    }

    /// Tells whether `name` is dot-separated labels of ASCII letters, digits and inner hyphens (RFC 5321 Domain, RFC 6376 selector).
    static func isDNSName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            let isLetterOrDigit: (UInt8) -> Bool = { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
            guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
            return isLetterOrDigit(first) && isLetterOrDigit(last)
                && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }
}

import Foundation

/// An endpoint's Standard Webhooks signing key: `whsec_` followed by the base64 of 24 to 64 random
/// bytes, which never appears in a description, a debug print or a dump.
///
/// ```swift
/// let secret = try WebhookSecret.generate()          // shown to the partner once, as secret.revealedText
/// let same = try WebhookSecret(parsing: secret.revealedText)
/// print(secret)                                       // whsec_…(hidden)
/// ```
struct WebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The prefix that marks a symmetric (HMAC-SHA256) Standard Webhooks secret.
    static let prefix = "whsec_"

    /// The key lengths the specification allows, in bytes.
    static let allowedLengths = 24...64

    /// The length of a key this service generates, in bytes.
    static let generatedLength = 32

    /// The raw HMAC key.
    let key: [UInt8]

    /// Wraps a raw key, which must be 24 to 64 bytes long.
    init(key: [UInt8]) throws(WebhookSecretError) {
        guard Self.allowedLengths.contains(key.count) else {
            throw WebhookSecretError(description: "A webhook secret holds 24 to 64 bytes, not \(key.count).")
        }
        self.init(checkedKey: key)
    }

    /// Reads a secret written as `whsec_` and standard base64 (with its `=` padding).
    init(parsing text: String) throws(WebhookSecretError) {
        guard text.hasPrefix(Self.prefix) else {
            throw WebhookSecretError(description: "A webhook secret starts with 'whsec_'.")
        }
        let encoded = text.dropFirst(Self.prefix.count)
        guard !encoded.isEmpty, let key = Data(base64Encoded: String(encoded)) else {
            throw WebhookSecretError(description: "The part of a webhook secret after 'whsec_' is not standard base64.")
        }
        try self.init(key: Array(key))
    }

    /// A fresh secret of 32 bytes from OpenSSL's secure random generator.
    static func generate() throws(CryptoError) -> WebhookSecret {
        WebhookSecret(checkedKey: try Crypto.randomBytes(generatedLength))
    }

    private init(checkedKey: [UInt8]) {
        key = checkedKey
    }

    /// The secret in its `whsec_` form, to show the partner once and to seal for storage; nothing else should print it.
    var revealedText: String { Self.prefix + Data(key).base64EncodedString() }

    var description: String { "whsec_…(hidden)" }

    var debugDescription: String { "WebhookSecret(whsec_…(hidden))" }

    var customMirror: Mirror { Mirror(self, children: [:]) }

    static func == (a: WebhookSecret, b: WebhookSecret) -> Bool { Crypto.constantTimeEqual(a.key, b.key) }
}

/// Why a text or a key is not a usable webhook secret, in one sentence that never quotes the secret.
struct WebhookSecretError: Error, Equatable, CustomStringConvertible {
    let description: String
}

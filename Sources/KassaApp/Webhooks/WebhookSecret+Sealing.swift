/// Webhook secrets at rest: sealed with the master key, bound to their purpose, so that a secret
/// copied from the database into another field does not open.
///
/// ```swift
/// let sealed = try secret.sealed(in: box)                  // what the store keeps
/// let back = try WebhookSecret(sealed: sealed, in: box)    // what the dispatcher signs with
/// ```
extension WebhookSecret {
    /// The context every webhook secret is sealed under.
    static let sealingContext = "webhooks.secret"

    /// The secret sealed with `box`, as the store keeps it.
    func sealed(in box: SecretBox) throws -> String {
        try box.seal(revealedText, context: Self.sealingContext)
    }

    /// Opens a secret the store kept; throws when it was sealed under another key or altered.
    init(sealed: String, in box: SecretBox) throws {
        try self.init(parsing: try box.open(sealed, context: Self.sealingContext))
    }
}

import Foundation

/// A credential for a provider's API or callbacks (a token, an API key): sent where it belongs and
/// never shown when a configuration is printed, logged, dumped or described.
///
/// ```swift
/// let token = ProviderSecret(environment["VK_TOKEN"] ?? "")
/// print(token)   // <secret>
/// ```
public struct ProviderSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself, for the adapter that sends it.
    let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var isEmpty: Bool { value.isEmpty }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Whether `candidate` is this secret, compared in constant time so that a forger learns nothing
    /// from how long the refusal took.
    public func matches(_ candidate: String) -> Bool {
        ChannelCrypto.constantTimeEqual(Array(value.utf8), Array(candidate.utf8))
    }

    /// `text` with every occurrence of the secret blanked out, for a provider's message that echoes it.
    func redacting(_ text: String) -> String {
        value.isEmpty ? text : text.replacingOccurrences(of: value, with: "<secret>")
    }
}

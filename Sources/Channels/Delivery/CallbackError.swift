/// Why a provider's callback (a delivery report, a VK event) was refused: its secret did not match,
/// or its body could not be read.
public struct CallbackError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// The secret or key that proves the callback comes from the provider was missing or wrong.
        case forged
        /// The body is not what the provider documents.
        case malformed(String)
        /// The body is well formed but not meant for us (another community, an unknown status).
        case unexpected(String)
    }

    let kind: Kind

    init(_ kind: Kind) {
        self.kind = kind
    }

    /// Whether the callback failed its secret check and may be a forgery (answer 401/403, and log it).
    public var isForged: Bool { kind == .forged }

    public var description: String {
        switch kind {
        case .forged: "the callback's secret is missing or wrong"
        case .malformed(let detail): "the callback could not be read: \(detail)"
        case .unexpected(let detail): "the callback was not for us: \(detail)"
        }
    }
}

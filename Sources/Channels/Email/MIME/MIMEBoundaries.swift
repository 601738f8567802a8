/// Where multipart boundaries come from: the system's random generator, or a seed for tests
/// that compare whole messages byte for byte.
///
/// ```swift
/// let bytes = try MIMEWriter.render(message, boundaries: .seeded(42))
/// ```
public struct MIMEBoundaries: Sendable, Equatable {
    private enum Source: Sendable, Equatable {
        case system
        case seeded(UInt64)
    }

    private let source: Source

    /// Unpredictable boundaries, for production.
    public static let random = MIMEBoundaries(source: .system)

    /// The same boundaries for the same seed and message, for tests.
    public static func seeded(_ seed: UInt64) -> MIMEBoundaries {
        MIMEBoundaries(source: .seeded(seed))
    }

    func makeGenerator() -> BoundaryGenerator {
        switch source {
        // One draw from the system per message seeds the rest: a system call per character cost
        // more than writing the whole message.
        case .system:
            BoundaryGenerator(state: UInt64.random(in: .min ... .max))
        case .seeded(let seed): BoundaryGenerator(state: seed)
        }
    }
}

/// Makes boundaries like `=_ak_` followed by 24 letters and digits.
///
/// The `=_` start cannot occur in quoted-printable or base64 text, so a clash with a body is
/// impossible in practice; the writer still checks each boundary against its content.
struct BoundaryGenerator {
    /// SplitMix64 state, seeded by a test or by one system draw per message.
    private var state: UInt64

    init(state: UInt64) {
        self.state = state
    }

    private static let characters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    mutating func next() -> String {
        var bytes = Array("=_ak_".utf8)
        for _ in 0..<24 {
            bytes.append(Self.characters[Int(nextRandom() % UInt64(Self.characters.count))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func nextRandom() -> UInt64 {
        var z = state
        z &+= 0x9E37_79B9_7F4A_7C15
        state = z
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import Foundation

/// Who a token belongs to and what it may do.
enum TokenKind: String, Sendable, CaseIterable {
    case partnerLive = "partner_live"
    case partnerSandbox = "partner_sandbox"
    case moderator
    case `operator`

    static let all = Set(allCases)

    /// The token's visible prefix, so that a leaked token is recognisable (and scannable).
    var prefix: String {
        switch self {
        case .partnerLive: return "ak_live_"
        case .partnerSandbox: return "ak_test_"
        case .moderator: return "ak_mod_"
        case .operator: return "ak_op_"
        }
    }
}

struct Partner: Sendable, Equatable {
    let id: String
    let name: String
    let createdAt: String
}

struct Moderator: Sendable, Equatable {
    let id: String
    let login: String
    let createdAt: String
}

struct Operator: Sendable, Equatable {
    let id: String
    let name: String
    let createdAt: String
}

/// A token as stored: never the secret itself, only its hash and the last characters as a hint.
struct TokenRecord: Sendable, Equatable {
    let id: String
    let kind: TokenKind
    let ownerID: String
    let hint: String
    let createdAt: String
    let revokedAt: String?
}

/// A token just made: the only moment its secret exists outside the caller's hands.
struct IssuedToken: Sendable {
    let record: TokenRecord
    let secret: String
}

/// The owner of a token that authenticated.
struct Principal: Sendable, Equatable {
    let kind: TokenKind
    let ownerID: String
    let tokenID: String
}

/// What went wrong in storage, said plainly.
enum StoreError: Error, CustomStringConvertible, Equatable {
    case duplicate(String)
    case notFound(String)
    case invalid(String)
    case newerSchema(database: String, version: Int)

    var description: String {
        switch self {
        case .duplicate(let what): return "\(what) already exists"
        case .notFound(let what): return "\(what) does not exist"
        case .invalid(let what): return what
        case .newerSchema(let database, let version):
            return "\(database) has schema version \(version), newer than this kassa knows; use a newer kassa"
        }
    }
}

/// Accounts and their tokens. Every query names its owner, so one partner never sees another's.
protocol AccountStore: Sendable {
    func createPartner(name: String) throws -> (partner: Partner, live: IssuedToken, sandbox: IssuedToken)
    func partners() throws -> [Partner]
    func createModerator(login: String) throws -> (moderator: Moderator, token: IssuedToken)
    func createOperator(name: String) throws -> (operator: Operator, token: IssuedToken)
    /// The token's owner, or nil for an unknown or revoked token; compared in constant time.
    func authenticate(token: String) throws -> Principal?
    func tokens(ownerID: String) throws -> [TokenRecord]
    /// Revokes the token and issues a new one of the same kind for the same owner.
    func rotateToken(id: String) throws -> IssuedToken
    func revokeToken(id: String) throws -> TokenRecord
}

import Channels
import Foundation

/// The embedded store: one SQLite file in the data folder, migrated when opened.
final class SQLiteStore: AccountStore {
    let database: SQLiteDatabase
    let clock: any WallClock

    /// How long a cached read may lag a change made by another process on the same file.
    static let cacheLifetime: TimeInterval = 1
    /// What every request reads and hardly anything writes (see `ReadCache`): the principal of a
    /// token (by its hash), and by partner its link hosts, templates and sending quotas.
    let principals = ReadCache<[UInt8], Principal?>(lifetime: cacheLifetime)
    let linkHostLists = ReadCache<String, [String]>(lifetime: cacheLifetime)
    let templateLists = ReadCache<String, [TemplateRecord]>(lifetime: cacheLifetime)
    let quotaTables = ReadCache<String, [ChannelKind: Int]>(lifetime: cacheLifetime)
    /// The messages of the notifications just accepted, for the dispatcher (see `RecentMessages`).
    let recentMessages = RecentMessages()

    /// Opens (creating when missing) `kassa.sqlite` in `dataDirectory` and brings its schema up to date.
    init(dataDirectory: URL, clock: any WallClock = SystemWallClock()) throws {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        database = try SQLiteDatabase(path: dataDirectory.appendingPathComponent("kassa.sqlite").path)
        self.clock = clock
        try Migrations.run(on: database, now: StoredTime.text(clock.now()))
    }

    private func now() -> String { StoredTime.text(clock.now()) }

    /// A new identifier with a readable prefix, then `time` in milliseconds since 1970 (12 hex digits),
    /// then 48 random bits: `ntf_019ad0f3c2a1` `5e07b94c11d2`. Identifiers made one after another sort
    /// together, so each index on them grows at its right edge: a commit of many rows touches a few
    /// pages instead of one page per row, anywhere in the file.
    static func newID(_ prefix: String, at time: Date) throws -> String {
        let milliseconds = UInt64(max(0, (time.timeIntervalSince1970 * 1000).rounded()))
        let random = try Crypto.identifierBits()
        let bytes = (0..<6).reversed().map { UInt8(truncatingIfNeeded: milliseconds >> (8 * $0)) }
            + (0..<6).reversed().map { UInt8(truncatingIfNeeded: random >> (8 * $0)) }
        return prefix + "_" + Crypto.hex(bytes)
    }

    /// Makes a token of `kind` for `ownerID` inside a transaction; the secret is returned, its hash stored.
    private func issue(_ kind: TokenKind, ownerID: String, in tx: SQLiteDatabase.Transaction) throws -> IssuedToken {
        let secret = kind.prefix + Crypto.base64URL(try Crypto.randomBytes(32))
        let record = TokenRecord(id: try Self.newID("tok", at: clock.now()), kind: kind, ownerID: ownerID, hint: String(secret.suffix(4)),
                                 createdAt: now(), revokedAt: nil)
        try tx.query("INSERT INTO tokens (id, kind, owner_id, hash, hint, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     [.text(record.id), .text(kind.rawValue), .text(ownerID), .blob(Crypto.sha256(Array(secret.utf8))),
                      .text(record.hint), .text(record.createdAt)])
        return IssuedToken(record: record, secret: secret)
    }

    func createPartner(name: String) throws -> (partner: Partner, live: IssuedToken, sandbox: IssuedToken) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw StoreError.invalid("a partner's name must be 1 to 200 characters") }
        let partner = Partner(id: try Self.newID("prt", at: clock.now()), name: name, createdAt: now())
        return try database.transaction { tx in
            try tx.query("INSERT INTO partners (id, name, created_at) VALUES (?, ?, ?)",
                         [.text(partner.id), .text(partner.name), .text(partner.createdAt)])
            return (partner, try issue(.partnerLive, ownerID: partner.id, in: tx), try issue(.partnerSandbox, ownerID: partner.id, in: tx))
        }
    }

    func partners() throws -> [Partner] {
        try database.query("SELECT id, name, created_at FROM partners ORDER BY created_at, id").map {
            Partner(id: $0["id"].text ?? "", name: $0["name"].text ?? "", createdAt: $0["created_at"].text ?? "")
        }
    }

    func createModerator(login: String) throws -> (moderator: Moderator, token: IssuedToken) {
        guard login.range(of: #"^[a-z0-9][a-z0-9._-]{1,63}$"#, options: .regularExpression) != nil else {
            throw StoreError.invalid("a login is 2 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        let moderator = Moderator(id: try Self.newID("mod", at: clock.now()), login: login, createdAt: now())
        do {
            return try database.transaction { tx in
                try tx.query("INSERT INTO moderators (id, login, created_at) VALUES (?, ?, ?)",
                             [.text(moderator.id), .text(login), .text(moderator.createdAt)])
                return (moderator, try issue(.moderator, ownerID: moderator.id, in: tx))
            }
        } catch let error as SQLiteError where error.isConstraintViolation {
            throw StoreError.duplicate("moderator '\(login)'")
        }
    }

    func createOperator(name: String) throws -> (operator: Operator, token: IssuedToken) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw StoreError.invalid("an operator's name must be 1 to 200 characters") }
        let op = Operator(id: try Self.newID("opr", at: clock.now()), name: name, createdAt: now())
        return try database.transaction { tx in
            try tx.query("INSERT INTO operators (id, name, created_at) VALUES (?, ?, ?)",
                         [.text(op.id), .text(op.name), .text(op.createdAt)])
            return (op, try issue(.operator, ownerID: op.id, in: tx))
        }
    }

    func authenticate(token: String) throws -> Principal? {
        guard TokenKind.allCases.contains(where: { token.hasPrefix($0.prefix) }), token.utf8.count < 200 else { return nil }
        let hash = Crypto.sha256(Array(token.utf8))
        // Only tokens found are kept, so that guessing does not fill the cache.
        return try principals.value(for: hash, now: clock.now(), keep: { $0 != nil }) {
            let rows = try database.query("SELECT id, kind, owner_id, hash FROM tokens WHERE hash = ? AND revoked_at IS NULL", [.blob(hash)])
            guard let row = rows.first, let stored = row["hash"].blob, Crypto.constantTimeEqual(stored, hash),
                  let kind = row["kind"].text.flatMap(TokenKind.init(rawValue:)), let owner = row["owner_id"].text, let id = row["id"].text
            else { return nil }
            return Principal(kind: kind, ownerID: owner, tokenID: id)
        }
    }

    private static func record(_ row: SQLRow) -> TokenRecord? {
        guard let id = row["id"].text, let kind = row["kind"].text.flatMap(TokenKind.init(rawValue:)), let owner = row["owner_id"].text
        else { return nil }
        return TokenRecord(id: id, kind: kind, ownerID: owner, hint: row["hint"].text ?? "", createdAt: row["created_at"].text ?? "",
                           revokedAt: row["revoked_at"].text)
    }

    func tokens(ownerID: String) throws -> [TokenRecord] {
        try database.query("SELECT id, kind, owner_id, hint, created_at, revoked_at FROM tokens WHERE owner_id = ? ORDER BY created_at, rowid",
                           [.text(ownerID)]).compactMap(Self.record)
    }

    /// The token `id`, read inside a transaction; a missing one is an error.
    private func existingToken(_ id: String, in tx: SQLiteDatabase.Transaction) throws -> TokenRecord {
        guard let record = try tx.query("SELECT id, kind, owner_id, hint, created_at, revoked_at FROM tokens WHERE id = ?", [.text(id)])
            .first.flatMap(Self.record)
        else { throw StoreError.notFound("token '\(id)'") }
        return record
    }

    func rotateToken(id: String) throws -> IssuedToken {
        defer { principals.forgetAll() }
        return try database.transaction { tx in
            let old = try existingToken(id, in: tx)
            guard old.revokedAt == nil else { throw StoreError.invalid("token '\(id)' is revoked; rotate a live token") }
            try tx.query("UPDATE tokens SET revoked_at = ? WHERE id = ?", [.text(now()), .text(id)])
            return try issue(old.kind, ownerID: old.ownerID, in: tx)
        }
    }

    func revokeToken(id: String) throws -> TokenRecord {
        defer { principals.forgetAll() }
        return try database.transaction { tx in
            let old = try existingToken(id, in: tx)
            if old.revokedAt != nil { return old }
            let at = now()
            try tx.query("UPDATE tokens SET revoked_at = ? WHERE id = ?", [.text(at), .text(id)])
            return TokenRecord(id: old.id, kind: old.kind, ownerID: old.ownerID, hint: old.hint, createdAt: old.createdAt, revokedAt: at)
        }
    }
}

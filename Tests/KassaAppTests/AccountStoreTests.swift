import Channels
import Foundation
import Testing
import TemplateEngine
@testable import KassaApp

@Suite struct AccountStoreTests {
    private func store(_ clock: ManualWallClock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))) throws -> (SQLiteStore, URL) {
        let dir = try temporaryDirectory()
        return (try SQLiteStore(dataDirectory: dir, clock: clock), dir)
    }

    @Test func partnersGetALiveAndASandboxToken() throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (partner, live, sandbox) = try store.createPartner(name: "  ООО «Ромашка»  ")
        #expect(partner.name == "ООО «Ромашка»")
        #expect(partner.id.hasPrefix("prt_"))
        #expect(live.secret.hasPrefix("ak_live_"))
        #expect(sandbox.secret.hasPrefix("ak_test_"))
        #expect(try store.authenticate(token: live.secret) == Principal(kind: .partnerLive, ownerID: partner.id, tokenID: live.record.id))
        #expect(try store.authenticate(token: sandbox.secret)?.kind == .partnerSandbox)
        #expect(try store.partners() == [partner])
    }

    @Test func secretsAreStoredOnlyAsHashes() throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, live, _) = try store.createPartner(name: "P")
        let rows = try store.database.query("SELECT * FROM tokens")
        for row in rows {
            for value in row.columns.values {
                if case .text(let t) = value { #expect(!t.contains(live.secret)) }
                if case .blob(let b) = value { #expect(b != Array(live.secret.utf8)) }
            }
        }
        #expect(rows.contains { $0["hash"].blob == Crypto.sha256(Array(live.secret.utf8)) })
    }

    @Test func wrongAndTamperedTokensDoNotAuthenticate() throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, live, _) = try store.createPartner(name: "P")
        #expect(try store.authenticate(token: live.secret + "x") == nil)
        let tampered = String(live.secret.dropLast()) + (live.secret.hasSuffix("A") ? "B" : "A")
        #expect(try store.authenticate(token: tampered) == nil)
        #expect(try store.authenticate(token: "") == nil)
        #expect(try store.authenticate(token: "Bearer " + live.secret) == nil)
    }

    @Test func rotationRevokesTheOldTokenAndKeepsTheOwner() throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let (store, dir) = try store(clock)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (partner, live, _) = try store.createPartner(name: "P")
        clock.advance(by: 60)
        let fresh = try store.rotateToken(id: live.record.id)
        #expect(try store.authenticate(token: live.secret) == nil)
        #expect(try store.authenticate(token: fresh.secret)?.ownerID == partner.id)
        #expect(fresh.record.kind == .partnerLive)
        let tokens = try store.tokens(ownerID: partner.id)
        #expect(tokens.count == 3)
        #expect(tokens.first { $0.id == live.record.id }?.revokedAt == "2026-11-18T11:07:40.000Z")
        #expect(throws: StoreError.self) { try store.rotateToken(id: live.record.id) }
        #expect(throws: StoreError.notFound("token 'tok_nope'")) { try store.rotateToken(id: "tok_nope") }
        let revoked = try store.revokeToken(id: fresh.record.id)
        #expect(revoked.revokedAt != nil)
        #expect(try store.authenticate(token: fresh.secret) == nil)
    }

    @Test func aTokenRevokedHereFailsAtOnceAndOneRevokedByAnotherProcessWithinTheCacheLifetime() throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let (store, dir) = try store(clock)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (partner, live, sandbox) = try store.createPartner(name: "P")
        #expect(try store.authenticate(token: live.secret)?.ownerID == partner.id)
        _ = try store.revokeToken(id: live.record.id)
        #expect(try store.authenticate(token: live.secret) == nil)

        // The `kassa` command revokes through a store of its own on the same file.
        #expect(try store.authenticate(token: sandbox.secret)?.ownerID == partner.id)
        let command = try SQLiteStore(dataDirectory: dir, clock: clock)
        _ = try command.revokeToken(id: sandbox.record.id)
        #expect(try command.authenticate(token: sandbox.secret) == nil)
        #expect(try store.authenticate(token: sandbox.secret)?.ownerID == partner.id, "remembered for less than the lifetime")
        clock.advance(by: SQLiteStore.cacheLifetime)
        #expect(try store.authenticate(token: sandbox.secret) == nil)
    }

    @Test func linkHostsAndQuotasChangedHereAreReadAtOnce() throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let (store, dir) = try store(clock)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (partner, _, _) = try store.createPartner(name: "P")
        #expect(try store.linkHosts(partnerID: partner.id) == [])
        try store.addLinkHost("shop.example.ru", partnerID: partner.id)
        #expect(try store.linkHosts(partnerID: partner.id) == ["shop.example.ru"])
        #expect(try store.removeLinkHost("shop.example.ru", partnerID: partner.id))
        #expect(try store.linkHosts(partnerID: partner.id) == [])
        #expect(try store.partnerQuotas(partnerID: partner.id) == [:])
        try store.setPartnerQuotas(partnerID: partner.id, [.sms: 10], now: clock.now())
        #expect(try store.partnerQuotas(partnerID: partner.id) == [.sms: 10])

        let command = try SQLiteStore(dataDirectory: dir, clock: clock)
        try command.addLinkHost("pay.example.ru", partnerID: partner.id)
        #expect(try store.linkHosts(partnerID: partner.id) == [])
        clock.advance(by: SQLiteStore.cacheLifetime)
        #expect(try store.linkHosts(partnerID: partner.id) == ["pay.example.ru"])
    }

    @Test func aValueReadWhileItsRowsChangedIsNotKept() throws {
        let cache = ReadCache<String, Int>(lifetime: 10)
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        // The load read the old rows; the change committed and was forgotten before the load returned.
        #expect(cache.value(for: "p", now: now) { cache.forget("p"); return 1 } == 1)
        #expect(cache.value(for: "p", now: now) { 2 } == 2)
        #expect(cache.value(for: "p", now: now) { 3 } == 2, "kept once nothing changed during the load")
        #expect(cache.value(for: "p", now: now.addingTimeInterval(10)) { 4 } == 4, "read again at the end of its lifetime")
        #expect(cache.value(for: "p", now: now.addingTimeInterval(-1)) { 5 } == 5, "a clock set back does not stretch the lifetime")
        #expect(cache.value(for: "q", now: now, keep: { $0 > 100 }) { 6 } == 6)
        #expect(cache.value(for: "q", now: now) { 7 } == 7, "a value `keep` refuses is read every time")
    }

    @Test func moderatorLoginsAreUniqueAndValidated() throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (moderator, token) = try store.createModerator(login: "anna")
        #expect(try store.authenticate(token: token.secret) == Principal(kind: .moderator, ownerID: moderator.id, tokenID: token.record.id))
        #expect(throws: StoreError.duplicate("moderator 'anna'")) { try store.createModerator(login: "anna") }
        #expect(throws: StoreError.self) { try store.createModerator(login: "Анна") }
    }

    @Test func migrationsRunOnceAndAreRecorded() throws {
        let (store, dir) = try store()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try Migrations.run(on: store.database, now: "x") == 0)
        let reopened = try SQLiteStore(dataDirectory: dir)
        #expect(try reopened.database.query("SELECT id FROM schema_migrations").count == Migrations.all.count)
    }

    /// Migration 10 orders the idempotency keys and the outbox by their primary keys alone: their
    /// rows are kept, and the index no query read is gone.
    @Test func keysAndTheOutboxKeepTheirRowsWhenReordered() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(path: dir.appendingPathComponent("kassa.sqlite").path)
        #expect(try Migrations.run(on: database, now: "x", through: 9) == 9)
        try database.query("INSERT INTO idempotency_keys (owner_id, key, request_hash, state, status, content_type, body, created_at) VALUES ('p', 'k', x'01', 'done', 202, 'application/json', x'7b7d', 't')")
        try database.query("""
            INSERT INTO notifications (id, partner_id, event_id, event_type, order_id, sandbox, status, channel, cascade, next_action, created_at, updated_at)
            VALUES ('ntf_1', 'p', 'e', 'order.paid', 'o', 0, 'queued', 'email', '{}', '{}', 't', 't')
            """)
        try database.query("INSERT INTO outbox (notification_id, due_at, lease_until, lease_owner) VALUES ('ntf_1', 'd', 'l', 'node')")
        #expect(try Migrations.run(on: database, now: "x", through: 10) == 1)
        let key = try database.query("SELECT request_hash, state, status, content_type, body, created_at FROM idempotency_keys WHERE owner_id = 'p' AND key = 'k'")
        #expect(key.first?["body"].blob == Array("{}".utf8))
        #expect(key.first?["status"].integer == 202)
        let outbox = try database.query("SELECT notification_id, due_at, lease_until, lease_owner FROM outbox")
        #expect(outbox.map { [$0["notification_id"].text, $0["due_at"].text, $0["lease_until"].text, $0["lease_owner"].text] } == [["ntf_1", "d", "l", "node"]])
        let tables = try database.query("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name IN ('idempotency_keys', 'outbox')")
        #expect(tables.count == 2)
        #expect(tables.allSatisfy { $0["sql"].text?.hasSuffix("WITHOUT ROWID") == true })
        #expect(try database.query("SELECT name FROM sqlite_schema WHERE name IN ('notifications_by_event', 'outbox_by_due')").map { $0["name"].text } == ["outbox_by_due"])
    }

    /// Migration 11 keeps the idempotency keys in the order they were made, with an index on the
    /// key: every row is kept, in that order, and a key is still one per owner.
    @Test func idempotencyKeysKeepTheirRowsInTheOrderMade() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(path: dir.appendingPathComponent("kassa.sqlite").path)
        #expect(try Migrations.run(on: database, now: "x", through: 10) == 10)
        for (key, created) in [("z", "2026-11-29T10:00:00.000Z"), ("a", "2026-11-29T12:00:00.000Z"), ("m", "2026-11-29T11:00:00.000Z")] {
            try database.query("INSERT INTO idempotency_keys (owner_id, key, request_hash, state, status, content_type, body, created_at) VALUES ('p', ?, x'01', 'done', 202, 'application/json', x'7b7d', ?)",
                               [.text(key), .text(created)])
        }
        try database.query("INSERT INTO idempotency_keys (owner_id, key, request_hash, state, created_at) VALUES ('q', 'a', x'02', 'in_flight', 't')")
        #expect(try Migrations.run(on: database, now: "x") == 1)
        let keys = try database.query("SELECT owner_id, key, state, body FROM idempotency_keys WHERE owner_id = 'p' ORDER BY rowid")
        #expect(keys.map { $0["key"].text } == ["z", "m", "a"])
        #expect(keys.allSatisfy { $0["state"].text == "done" && $0["body"].blob == Array("{}".utf8) })
        #expect(try database.query("SELECT state FROM idempotency_keys WHERE owner_id = 'q' AND key = 'a'").first?["state"].text == "in_flight")
        #expect(throws: SQLiteError.self) {
            try database.query("INSERT INTO idempotency_keys (owner_id, key, request_hash, state, created_at) VALUES ('p', 'a', x'03', 'in_flight', 't')")
        }
        let plan = try database.query("EXPLAIN QUERY PLAN SELECT body FROM idempotency_keys WHERE owner_id = 'p' AND key = 'a'").compactMap { $0["detail"].text }
        #expect(plan.contains { $0.contains("USING INDEX sqlite_autoindex_idempotency_keys") })
        #expect(try database.query("SELECT sql FROM sqlite_schema WHERE name = 'idempotency_keys'").first?["sql"].text?.hasSuffix("WITHOUT ROWID") == false)
    }
}

@Suite struct AccountCommandTests {
    @Test func partnersCreatePrintsOneJSONDocumentWithTheTokens() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = kassa(["partners", "create", "--name", "Ромашка", "--json", "--data-dir", dir.path])
        #expect(result.status == 0)
        guard case .object(let o) = try Value(json: result.out) else { Issue.record("not JSON"); return }
        #expect(o.keys == ["id", "token", "sandbox_token"])
        #expect(result.err.contains("shown only this once"))
        let list = kassa(["partners", "list", "--json", "--data-dir", dir.path])
        #expect(list.out.contains("Ромашка"))
        #expect(!list.out.contains("ak_live_"))
    }

    @Test func moderatorsAndOperators() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let moderator = kassa(["moderators", "create", "--login", "anna", "--json", "--data-dir", dir.path])
        guard case .object(let m) = try Value(json: moderator.out) else { Issue.record("not JSON"); return }
        #expect(m.keys == ["id", "login", "token"])
        #expect(kassa(["moderators", "create", "--login", "anna", "--data-dir", dir.path]).status == 1)
        let op = kassa(["operators", "create", "--name", "Дежурный", "--json", "--data-dir", dir.path])
        guard case .object(let o) = try Value(json: op.out) else { Issue.record("not JSON"); return }
        #expect(o.keys == ["id", "name", "token"])
    }

    @Test func tokensRotateAndRevoke() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let created = kassa(["partners", "create", "--name", "P", "--json", "--data-dir", dir.path])
        guard case .object(let o) = try Value(json: created.out), let id = o["id"]?.stringValue else { Issue.record("bad"); return }
        let listed = kassa(["tokens", "list", "--owner", id, "--json", "--data-dir", dir.path])
        guard case .object(let l) = try Value(json: listed.out), case .array(let tokens)? = l["tokens"],
              case .object(let live)? = tokens.first(where: { if case .object(let t) = $0 { return t["kind"] == "partner_live" } else { return false } }),
              let tokenID = live["id"]?.stringValue
        else { Issue.record("bad list"); return }
        let rotated = kassa(["tokens", "rotate", tokenID, "--json", "--data-dir", dir.path])
        #expect(rotated.status == 0)
        #expect(rotated.out.contains("\"token\":\"ak_live_"))
        #expect(kassa(["tokens", "revoke", tokenID, "--data-dir", dir.path]).status == 0)
        #expect(kassa(["tokens", "revoke", "tok_missing", "--data-dir", dir.path]).status == 1)
        #expect(kassa(["tokens", "rotate", "--data-dir", dir.path]).status == 2)
    }

    @Test func backupCopiesTheDatabase() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = kassa(["partners", "create", "--name", "Сохранённый", "--data-dir", dir.path])
        let file = dir.appendingPathComponent("copy.sqlite").path
        #expect(kassa(["backup", "--to", file, "--data-dir", dir.path]).status == 0)
        let copy = try SQLiteDatabase(path: file)
        #expect(try copy.query("SELECT name FROM partners").first?["name"].text == "Сохранённый")
        #expect(kassa(["backup", "--to", file, "--data-dir", dir.path]).status == 1)
    }

    @Test func usageErrors() {
        #expect(kassa(["partners"]).status == 2)
        #expect(kassa(["partners", "create"]).status == 2)
        #expect(kassa(["partners", "frob"]).status == 2)
        #expect(kassa(["backup"]).status == 2)
    }
}

@Suite struct IdentifierTests {
    /// Identifiers carry their time first: those made later sort after, whatever their random part.
    @Test func identifiersSortByTheTimeTheyWereMade() throws {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let ids = try (0..<200).map { try SQLiteStore.newID("ntf", at: start.addingTimeInterval(Double($0) / 1000)) }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.hasPrefix("ntf_") && $0.utf8.count == 4 + 24 })
        // 1,795,000,000,000 ms is 0x1a1ee565e00.
        #expect(ids[0].hasPrefix("ntf_01a1ee565e00"))
        // Past a refill of the pool of random bits too, the random parts differ and are lowercase hex.
        let sameMillisecond = try (0..<1_500).map { _ in try SQLiteStore.newID("ntf", at: start) }
        #expect(Set(sameMillisecond).count == 1_500)
        #expect(Set(sameMillisecond.map { $0.dropFirst(16) }).count == 1_500)
        #expect(sameMillisecond.allSatisfy { $0.dropFirst(4).allSatisfy { "0123456789abcdef".contains($0) } })
    }
}

@Suite struct StoredTimeTests {
    /// The arithmetic writer agrees with Foundation's ISO 8601 format style, and reads back.
    @Test func storedTimesAreWhatTheFormatStyleWrites() throws {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)
        var generator = SystemRandomNumberGenerator()
        var dates = [0, 951_782_400, 951_868_799.999, 4_107_542_400, 1_795_000_000.0005, 1_795_000_000.9996, 253_402_300_799.999]
            .map { Date(timeIntervalSince1970: $0) }
        dates += (0..<20_000).map { _ in Date(timeIntervalSince1970: Double.random(in: 0..<4_200_000_000, using: &generator)) }
        dates += (0..<2_000).map { _ in Date(timeIntervalSince1970: Double(Int.random(in: 0..<4_200_000_000_000, using: &generator)) / 1000) }
        for date in dates {
            #expect(StoredTime.text(date) == date.formatted(style), "\(date.timeIntervalSince1970)")
        }
        let now = Date(timeIntervalSince1970: 1_795_000_000.125)
        #expect(StoredTime.text(now) == "2026-11-18T11:06:40.125Z")
        #expect(abs(StoredTime.date(StoredTime.text(now))!.timeIntervalSince(now)) < 0.001)
        // Read back by arithmetic, as the format style reads them.
        for date in dates.prefix(5_000) {
            let text = StoredTime.text(date)
            let read = try #require(StoredTime.date(text))
            #expect(abs(read.timeIntervalSince(try style.parse(text))) < 1e-6, "\(text)")
        }
        for odd in ["2026-02-30T00:00:00.000Z", "2024-02-29T12:00:00.000Z", "2100-02-29T12:00:00.000Z", "2026-11-29T24:00:00.000Z", "2026-11-29T15:04:04Z", "2026-11-29T15:04:04.123+03:00", "nonsense"] {
            #expect(StoredTime.date(odd) == (try? style.parse(odd)), "\(odd)")
        }
        // Outside the years the arithmetic covers, the format style writes them.
        let early = Date(timeIntervalSince1970: -86_400)
        #expect(StoredTime.text(early) == early.formatted(style))
    }
}

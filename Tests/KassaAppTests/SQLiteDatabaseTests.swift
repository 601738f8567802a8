import Channels
import Foundation
import Testing
@testable import KassaApp

@Suite struct SQLiteDatabaseTests {
    /// The write-ahead log is copied into the database by the checkpoint thread once it passes its
    /// threshold, so the database file grows while nothing else but writes happen.
    @Test func theLogIsCheckpointedInTheBackground() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)")
        let size = { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        let before = size()
        // 1,500 commits of a 4 KB row each: well past the 1,000 pages that ask for a checkpoint.
        for _ in 0..<1_500 {
            try database.query("INSERT INTO blobs (data) VALUES (?)", [.blob([UInt8](repeating: 7, count: 4_096))])
        }
        var waited = 0
        while size() < 2 << 20, waited < 300 {
            Thread.sleep(forTimeInterval: 0.1)
            waited += 1
        }
        #expect(before < 1 << 20)
        #expect(size() >= 2 << 20, "the database file holds the checkpointed pages")
        #expect(try database.query("SELECT count(*) AS n FROM blobs").first?["n"].integer == 1_500)
    }

    /// A SELECT reads on a connection of its own: it answers while a transaction holds the writer,
    /// and sees what was committed before that transaction, not what it has written so far.
    /// Texts are bound from their own bytes: an empty one is text, not null, and a NUL inside stays.
    @Test func textsAreBoundWhole() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        let row = try #require(try database.query("SELECT typeof(?) AS kind, ? AS empty, length(CAST(? AS BLOB)) AS bytes, ? AS text",
                                                  [.text(""), .text(""), .text("а\u{0}б"), .text("а\u{0}б")]).first)
        #expect(row["kind"].text == "text")
        #expect(row["empty"].text == "")
        #expect(row["bytes"].integer == 5)
        #expect(row["text"].text == "а\u{0}б")
        #expect(row["missing"] == .null)
    }

    /// Statements are found by the address of their text; texts made at each call come and go at
    /// addresses others had, and each still runs as itself.
    @Test func statementsBuiltAtEachCallRunAsThemselves() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        for i in 0..<3_000 {
            let sql = "SELECT \(i % 700) AS n, 'padding to stay out of the small-string form' AS p"
            #expect(try database.query(sql).first?["n"].integer == Int64(i % 700))
        }
    }

    @Test func readsDoNotWaitForTheWriter() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(path: dir.appendingPathComponent("db.sqlite").path)
        try database.execute("CREATE TABLE items (n INTEGER PRIMARY KEY)")
        try database.query("INSERT INTO items (n) VALUES (1)")
        let inside = DispatchSemaphore(value: 0), readDone = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            _ = try? database.transaction { tx in
                try tx.query("INSERT INTO items (n) VALUES (2)")
                inside.signal()
                // Held until the read below is done (or long enough to tell that it waited).
                _ = readDone.wait(timeout: .now() + 10)
            }
            finished.signal()
        }.start()
        inside.wait()
        let seen = try database.query("SELECT n FROM items ORDER BY n").compactMap { $0["n"].integer }
        readDone.signal()
        finished.wait()
        #expect(seen == [1])
        #expect(try database.query("SELECT n FROM items ORDER BY n").compactMap { $0["n"].integer } == [1, 2])
        #expect(throws: SQLiteError.self) { try database.query("SELECT * FROM missing") }
    }

    /// Writes waiting together share a transaction, but each is its own: one that throws is
    /// undone alone and its caller gets the error, the others are committed and get their values.
    /// A write that finds the database locked by another connection (another process, or the
    /// checkpoint starting the log over) waits for it and goes on once it is free.
    @Test func aWriteWaitsForAnotherConnectionsLock() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE items (n INTEGER PRIMARY KEY)")
        let other = try SQLiteDatabase(path: path)
        try other.execute("BEGIN IMMEDIATE; INSERT INTO items (n) VALUES (1)")
        let released = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            try? other.execute("COMMIT")
            released.signal()
        }
        try database.query("INSERT INTO items (n) VALUES (2)")
        released.wait()
        #expect(try database.query("SELECT n FROM items ORDER BY n").map { $0["n"].integer } == [1, 2])
    }

    /// The statements of one read see one snapshot: what is committed meanwhile shows after it.
    @Test func aReadSeesOneSnapshot() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(path: dir.appendingPathComponent("db.sqlite").path)
        try database.execute("CREATE TABLE items (n INTEGER PRIMARY KEY)")
        try database.query("INSERT INTO items (n) VALUES (1)")
        let counts = try database.read { tx in
            let before = try tx.query("SELECT count(*) AS c FROM items").first?["c"].integer
            try database.query("INSERT INTO items (n) VALUES (2)")
            let after = try tx.query("SELECT count(*) AS c FROM items").first?["c"].integer
            return [before, after]
        }
        #expect(counts == [1, 1])
        #expect(try database.query("SELECT count(*) AS c FROM items").first?["c"].integer == 2)
    }

    @Test func groupedWritesSucceedAndFailOneByOne() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(path: dir.appendingPathComponent("db.sqlite").path)
        try database.execute("CREATE TABLE items (n INTEGER PRIMARY KEY)")
        let results = await withTaskGroup(of: (Int, Result<Int64, any Error>).self) { group in
            for n in 0..<200 {
                group.addTask {
                    do {
                        let value = try await database.write { tx -> Int64 in
                            try tx.query("INSERT INTO items (n) VALUES (?)", [.integer(Int64(n))])
                            // Every seventh inserts, then fails: its row must not stay.
                            if n % 7 == 0 { throw StoreError.duplicate("item \(n)") }
                            return try tx.query("SELECT count(*) AS c FROM items WHERE n = ?", [.integer(Int64(n))]).first?["c"].integer ?? 0
                        }
                        return (n, .success(value))
                    } catch {
                        return (n, .failure(error))
                    }
                }
            }
            var all: [Int: Result<Int64, any Error>] = [:]
            for await (n, result) in group { all[n] = result }
            return all
        }
        for n in 0..<200 {
            switch results[n] {
            case .success(let seen)?: #expect(n % 7 != 0 && seen == 1, "write \(n)")
            case .failure(let error)?: #expect(n % 7 == 0 && error is StoreError, "write \(n): \(error)")
            case nil: Issue.record("write \(n) did not finish")
            }
        }
        let stored = try database.query("SELECT n FROM items ORDER BY n").compactMap { $0["n"].integer }
        #expect(stored == (0..<200).filter { $0 % 7 != 0 }.map(Int64.init))
    }

    /// A write alone in its transaction runs without a savepoint: when it throws, what it did is
    /// undone all the same, and the next write goes through.
    @Test func aLoneWriteThatFailsLeavesNothing() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let database = try SQLiteDatabase(path: dir.appendingPathComponent("db.sqlite").path)
        try database.execute("CREATE TABLE items (n INTEGER PRIMARY KEY)")
        await #expect(throws: StoreError.self) {
            try await database.write { tx in
                try tx.query("INSERT INTO items (n) VALUES (1)")
                throw StoreError.duplicate("item 1")
            }
        }
        let count = try await database.write { tx in
            try tx.query("INSERT INTO items (n) VALUES (2)")
            return try tx.query("SELECT count(*) AS c FROM items").first?["c"].integer ?? -1
        }
        #expect(count == 1)
        #expect(try database.query("SELECT n FROM items").compactMap { $0["n"].integer } == [2])
    }

    /// Under writes that never stop, the log is still emptied once it passes 8,000 pages, so it
    /// stays bounded however much is written.
    @Test func theLogStaysBoundedUnderSteadyWrites() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)")
        let walSize = { (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
        var largest = 0
        // About 24,000 pages of log in all (three times the bound).
        for _ in 0..<8_000 {
            try database.query("INSERT INTO blobs (data) VALUES (?)", [.blob([UInt8](repeating: 7, count: 8_192))])
            largest = max(largest, walSize())
        }
        #expect(largest < 16_000 * 4_096, "the log was emptied on the way (largest \(largest) bytes)")
        #expect(try database.query("SELECT count(*) AS n FROM blobs").first?["n"].integer == 8_000)
    }
}

@Suite struct StoredFormsTests {
    @Test func rememberedFormsReadAndWriteLikeJSON() throws {
        let forms = StoredForms<CascadeAction>()
        let actions: [CascadeAction] = [.send(.email, attempt: 1), .done(.email, .accepted), .giveUp(reason: "нет канала")]
        for _ in 0..<2 {
            for action in actions {
                let text = try forms.text(of: action)
                #expect(try SQLiteStore.decode(CascadeAction.self, text) == action)
                #expect(try forms.value(of: text) == action)
            }
        }
        // Past its limit the oldest are forgotten, and still read.
        for attempt in 1...40 { _ = try forms.text(of: .send(.sms, attempt: attempt)) }
        #expect(try forms.value(of: SQLiteStore.encode(actions[0])) == actions[0])
        #expect(throws: (any Error).self) { try forms.value(of: "{\"nonsense\":1}") }
    }
}

import CSQLite
import Foundation

/// A value bound to or read from an SQL statement.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    var text: String? { if case .text(let s) = self { return s } else { return nil } }
    var integer: Int64? { if case .integer(let i) = self { return i } else { return nil } }
    var blob: [UInt8]? { if case .blob(let b) = self { return b } else { return nil } }
}

/// One result row: its values by column name.
struct SQLRow: Sendable {
    /// The statement's column names, shared by its rows, and this row's values in the same order.
    let names: [String]
    let values: [SQLValue]

    /// The value of the column `name`; null when the statement has none. A statement has a few
    /// columns, so a look along them costs less than a dictionary made for each row.
    subscript(_ name: String) -> SQLValue {
        for (index, column) in names.enumerated() where column == name { return values[index] }
        return .null
    }

    /// The values by column name.
    var columns: [String: SQLValue] { Dictionary(zip(names, values), uniquingKeysWith: { first, _ in first }) }
}

/// An SQLite failure: what SQLite said, and the statement it said it about.
struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    let sql: String?

    var description: String { "SQLite error \(code): \(message)" + (sql.map { " (in: \($0))" } ?? "") }

    /// A UNIQUE or PRIMARY KEY constraint was violated.
    var isConstraintViolation: Bool { code & 0xFF == SQLITE_CONSTRAINT }
}

/// An SQLite database in WAL mode: one connection that writes, shared between tasks behind a
/// lock, and two more for `SELECT`s, which WAL lets read beside the writer (each sees what was
/// committed when its statement began).
final class SQLiteDatabase: Sendable {
    // Safe: the handle is only used while `lock` is held.
    private nonisolated(unsafe) let handle: OpaquePointer
    private let lock = ConnectionLock()
    /// The writer's helpers; none on a reading connection.
    private let checkpointer: Checkpointer?
    private let writes: WriteQueue?
    /// Connections that only read (`PRAGMA query_only`); none for a database in memory.
    private let readers: [SQLiteDatabase]
    let path: String

    convenience init(path: String) throws {
        try self.init(path: path, reader: false)
    }

    /// Process-wide settings, made before the first connection opens (later, SQLite refuses them).
    private static let configured: Void = {
        _ = csqlite_disable_memory_statistics()
    }()

    private init(path: String, reader: Bool) throws {
        Self.configured
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (reader ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close(db) }
            throw SQLiteError(code: rc, message: "\(message): \(path)", sql: nil)
        }
        Self.waitWhenBusy(db)
        // Savepoints and statements keep their undo copies in memory, not in temporary files made
        // and deleted for each. (No memory mapping: a reading connection unmaps the whole file at
        // each transaction after another has written, which here is nearly every one.)
        let common = ["PRAGMA temp_store = MEMORY"]
        let pragmas = common + (reader ? ["PRAGMA query_only = ON"]
                                       : ["PRAGMA journal_mode = WAL", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"])
        for pragma in pragmas where sqlite3_exec(db, pragma, nil, nil, nil) != SQLITE_OK {
            let failure = SQLiteError(code: sqlite3_extended_errcode(db), message: String(cString: sqlite3_errmsg(db)), sql: pragma)
            sqlite3_close(db)
            throw failure
        }
        let inMemory = path.isEmpty || path == ":memory:" || path.hasPrefix("file::memory:")
        do {
            // Opened once the writer has put the database in WAL mode.
            readers = reader || inMemory ? [] : try (0..<2).map { _ in try SQLiteDatabase(path: path, reader: true) }
        } catch {
            sqlite3_close(db)
            throw error
        }
        handle = db
        self.path = path
        guard !reader else {
            checkpointer = nil
            writes = nil
            return
        }
        let checkpointer = Checkpointer(path: path)
        self.checkpointer = checkpointer
        writes = WriteQueue()
        // Instead of SQLite's automatic checkpoint, which runs in the committing call (with its
        // fsync) while this connection's lock is held.
        sqlite3_wal_hook(db, { context, _, _, pages in
            if let context { Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue().committed(logPages: pages) }
            return SQLITE_OK
        }, Unmanaged.passUnretained(checkpointer).toOpaque())
    }

    deinit {
        writes?.stop()
        sqlite3_wal_hook(handle, nil, nil)
        checkpointer?.stop()
        for prepared in statements.values { sqlite3_finalize(prepared.statement) }
        sqlite3_close_v2(handle)
    }

    /// Retries a statement that finds the database locked (by a checkpoint starting the log over,
    /// or another process) for 5 s: every 100 µs at first, then every millisecond. SQLite's own
    /// busy timeout sleeps 1, 2, 5, 10… 100 ms between tries, so a writer held up for a moment
    /// slept on well after the lock was free, and every request waiting on it with it.
    static func waitWhenBusy(_ db: OpaquePointer) {
        sqlite3_busy_handler(db, { _, tries in
            if tries < 50 {
                usleep(100)
            } else if tries < 50 + 4_995 {
                usleep(1_000)
            } else {
                return 0
            }
            return 1
        }, nil)
    }

    private func error(_ rc: Int32, _ sql: String?) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs SQL that returns no rows (one or several statements, no parameters). It may change
    /// the schema (migrations), so the column names kept for statements are read again.
    func execute(_ sql: String) throws {
        try lock.withLock { () throws(SQLiteError) in
            for prepared in statements.values { prepared.columnNames = nil }
            let rc = sqlite3_exec(handle, sql, nil, nil, nil)
            if rc != SQLITE_OK { throw error(rc, sql) }
        }
    }

    /// Runs one statement with parameters and returns its rows: a `SELECT` on a reading
    /// connection (a free one if there is, else the next in turn), anything else on the writer.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [SQLRow] {
        if !readers.isEmpty, sql.utf8.starts(with: "SELECT ".utf8) {
            return try withReader { reader in try reader.run(sql, parameters) }
        }
        return try lock.withLock { () throws(SQLiteError) in try run(sql, parameters) }
    }

    /// Runs `body` with a reading connection locked: a free one if there is, else the next in turn.
    private func withReader<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        let reader = readers.first { $0.lock.tryLock() } ?? {
            let next = readers[nextReader.withLock { n in defer { n &+= 1 }; return n } % readers.count]
            next.lock.lock()
            return next
        }()
        defer { reader.lock.unlock() }
        return try body(reader)
    }

    /// Runs `body`'s SELECTs in one read transaction on a reading connection (the writer for a
    /// database in memory): they see one snapshot, and the log is looked at once, not per statement.
    func read<T>(_ body: (Transaction) throws -> T) throws -> T {
        guard !readers.isEmpty else { return try transaction(body) }
        return try withReader { reader in try reader.inTransaction("BEGIN", body) }
    }

    /// Which reader waits for a lock when all are taken.
    private let nextReader = Locked(0)

    /// Runs `body` in one transaction (BEGIN IMMEDIATE … COMMIT), rolled back when it throws.
    func transaction<T>(_ body: (Transaction) throws -> T) throws -> T {
        try lock.withLock { try inTransaction("BEGIN IMMEDIATE", body) }
    }

    /// Runs `body` between `begin` and COMMIT, rolled back when it throws. Call with the lock held.
    private func inTransaction<T>(_ begin: String, _ body: (Transaction) throws -> T) throws -> T {
        try control(begin)
        do {
            let result = try body(Transaction(database: self))
            try control("COMMIT")
            return result
        } catch {
            try? control("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` in a transaction shared with the other writes waiting at the same moment (group
    /// commit): one thread takes every write queued, runs each under a savepoint of its own (one
    /// that throws is rolled back alone, and its caller gets the error), and commits them together;
    /// each caller resumes once its write is committed. Concurrent requests then share the commit
    /// and the pages they touch in common (indexes, the last leaf of each table) are written to the
    /// log once instead of once each.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (Transaction) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let result = WriteResult<T>()
            guard let writes else {
                continuation.resume(throwing: SQLiteError(code: SQLITE_MISUSE, message: "a reading connection does not write", sql: nil))
                return
            }
            writes.enqueue(PendingWrite(
                body: { tx in result.value = try body(tx) },
                finish: { error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let value = result.value {
                        continuation.resume(returning: value)
                    } else {
                        continuation.resume(throwing: SQLiteError(code: SQLITE_MISUSE, message: "a write finished without its result", sql: nil))
                    }
                }),
                database: self)
        }
    }

    /// Runs a batch of queued writes in one transaction; returns each one's error, if any.
    func commit(_ batch: [PendingWrite]) -> [(any Error)?] {
        // A write alone needs no savepoint: when it throws, the whole transaction is rolled back.
        if batch.count == 1 {
            do {
                try transaction { tx in try batch[0].body(tx) }
                return [nil]
            } catch {
                return [error]
            }
        }
        do {
            return try transaction { tx in
                batch.map { write -> (any Error)? in
                    do {
                        try control("SAVEPOINT write")
                        try write.body(tx)
                        try control("RELEASE write")
                        return nil
                    } catch {
                        try? control("ROLLBACK TO write")
                        try? control("RELEASE write")
                        return error
                    }
                }
            }
        } catch {
            // The transaction itself could not begin or commit: none of the writes happened.
            return batch.map { _ in error }
        }
    }

    /// Statements run inside `transaction`, on the locked connection.
    struct Transaction {
        fileprivate let database: SQLiteDatabase

        @discardableResult
        func query(_ sql: String, _ parameters: [SQLValue] = []) throws -> [SQLRow] {
            try database.run(sql, parameters)
        }
    }

    /// Copies the whole database to `path` with SQLite's online backup, safe while others write.
    func backup(to path: String) throws {
        let target = try SQLiteDatabase(path: path)
        try lock.withLock { () throws(SQLiteError) in
            guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
                throw target.error(SQLITE_ERROR, "backup")
            }
            let rc = sqlite3_backup_step(backup, -1)
            sqlite3_backup_finish(backup)
            if rc != SQLITE_DONE { throw target.error(rc, "backup") }
        }
    }

    /// Prepared statements by their SQL, kept for the connection's life: most of the service's
    /// queries are a few dozen fixed texts run thousands of times. Touched only with `lock` held.
    private nonisolated(unsafe) var statements: [String: Prepared] = [:]
    /// The same statements by the address of their text (see `statement`).
    private nonisolated(unsafe) var statementsByAddress: [UInt: (sql: String, prepared: Prepared)] = [:]

    /// A prepared statement and the names of its result columns (read once, at its first row).
    private final class Prepared {
        let statement: OpaquePointer
        var columnNames: [String]?

        init(_ statement: OpaquePointer) {
            self.statement = statement
        }
    }

    /// The prepared statement for `sql`, from the cache or prepared now (and kept, up to 256 texts:
    /// texts built per call, of which there are none today, would not fill memory). Call with the
    /// lock held; `cached` is false for a statement the caller finalizes.
    private func statement(_ sql: String) throws(SQLiteError) -> (prepared: Prepared, cached: Bool) {
        // The statements are string literals, whose text stays at one address: found by that
        // address, a statement needs no hash of its text. The text is compared too (at the same
        // address both are the same string, so at once), in case another string took the address.
        // (A short text is kept inside the string value, whose address is a temporary one.)
        let address = sql.utf8.count < 16 ? 0 : sql.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } ?? 0
        if address != 0, let known = statementsByAddress[address], known.sql == sql { return (known.prepared, true) }
        if let cached = statements[sql] {
            remember(cached, for: sql, at: address)
            return (cached, true)
        }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc, sql) }
        let prepared = Prepared(statement)
        guard statements.count < 256 else { return (prepared, false) }
        statements[sql] = prepared
        remember(prepared, for: sql, at: address)
        return (prepared, true)
    }

    /// Texts built at each call take new addresses: beyond 1,024 the addresses start afresh.
    private func remember(_ prepared: Prepared, for sql: String, at address: UInt) {
        guard address != 0 else { return }
        if statementsByAddress.count >= 1_024 { statementsByAddress.removeAll(keepingCapacity: true) }
        statementsByAddress[address] = (sql, prepared)
    }

    /// Runs a statement that takes no parameters and returns no rows (BEGIN, COMMIT, SAVEPOINT…)
    /// from the cache, rather than compiling it again each time. Call with the lock held.
    private func control(_ sql: String) throws(SQLiteError) {
        _ = try run(sql, [])
    }

    /// Binds, steps and resets one (cached) statement. Call with the lock held.
    private func run(_ sql: String, _ parameters: [SQLValue]) throws(SQLiteError) -> [SQLRow] {
        let (prepared, cached) = try statement(sql)
        let statement = prepared.statement
        defer {
            if cached {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            } else {
                sqlite3_finalize(statement)
            }
        }
        for (i, value) in parameters.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            case .integer(let v): rc = sqlite3_bind_int64(statement, index, v)
            case .real(let v): rc = sqlite3_bind_double(statement, index, v)
            case .text(var v):
                // The string's own bytes: passed as `const char *`, Swift would copy it to a C string first.
                if v.isEmpty {
                    rc = csqlite_bind_text(statement, index, "", 0)
                } else {
                    rc = v.withUTF8 { bytes in
                        bytes.withMemoryRebound(to: CChar.self) { csqlite_bind_text(statement, index, $0.baseAddress, Int32($0.count)) }
                    }
                }
            case .blob(let v): rc = v.withUnsafeBytes { csqlite_bind_blob(statement, index, $0.baseAddress, Int32(v.count)) }
            }
            if rc != SQLITE_OK { throw error(rc, sql) }
        }
        var rows: [SQLRow] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return rows }
            guard rc == SQLITE_ROW else { throw error(rc, sql) }
            let names = prepared.columnNames ?? (0..<sqlite3_column_count(statement)).map { String(cString: sqlite3_column_name(statement, $0)) }
            prepared.columnNames = names
            var values: [SQLValue] = []
            values.reserveCapacity(names.count)
            for c in 0..<Int32(names.count) {
                switch sqlite3_column_type(statement, c) {
                case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(statement, c)))
                case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(statement, c)))
                case SQLITE_TEXT:
                    let text = sqlite3_column_text(statement, c)
                    let count = Int(sqlite3_column_bytes(statement, c))
                    values.append(.text(text.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? ""))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, c))
                    if let bytes = sqlite3_column_blob(statement, c) {
                        values.append(.blob(Array(UnsafeRawBufferPointer(start: bytes, count: count))))
                    } else {
                        values.append(.blob([]))
                    }
                default: values.append(.null)
                }
            }
            rows.append(SQLRow(names: names, values: values))
        }
    }
}

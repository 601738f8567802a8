import CSQLite
import Foundation

/// A pthread mutex that spins briefly before sleeping. Synchronization's `Mutex` waits on a
/// priority-inheriting futex on Linux, which enters the kernel at every contended acquisition; the
/// connection's lock is taken by every query of every request and of the dispatchers.
final class ConnectionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Takes the lock if it is free now; false, without waiting, when it is taken.
    func tryLock() -> Bool {
        pthread_mutex_trylock(mutex) == 0
    }

    func lock() {
        pthread_mutex_lock(mutex)
    }

    func unlock() {
        pthread_mutex_unlock(mutex)
    }
}

/// A value shared between an object and the thread it runs, under a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = ConnectionLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withLock { () throws -> T in try body(&value) }
    }
}

/// A thread of its own for blocking work (the database's writes and checkpoints), started when
/// first woken. Its body loops on `sleep()`, which returns once woken (however many wake-ups came
/// meanwhile) and false once the thread is stopped.
final class SleepingThread: @unchecked Sendable {
    private let name: String
    private let body: @Sendable (SleepingThread) -> Void
    private let semaphore = DispatchSemaphore(value: 0)
    // Guarded by `state`.
    private let state = ConnectionLock()
    private var started = false
    private var stopped = false
    private var woken = false

    init(name: String, body: @escaping @Sendable (SleepingThread) -> Void) {
        self.name = name
        self.body = body
    }

    /// Wakes the thread, starting it the first time; false once it is stopped.
    @discardableResult
    func wake() -> Bool {
        let (start, signal, running) = state.withLock { () -> (Bool, Bool, Bool) in
            guard !stopped else { return (false, false, false) }
            defer { started = true; woken = true }
            return (!started, !woken, true)
        }
        if start {
            let thread = Thread { [self] in body(self) }
            thread.name = name
            thread.start()
        }
        if signal { semaphore.signal() }
        return running
    }

    /// Asks the thread to end once its body next sleeps.
    func stop() {
        let signal = state.withLock { () -> Bool in
            defer { stopped = true }
            return started && !stopped
        }
        if signal { semaphore.signal() }
    }

    /// Waits to be woken; false when the thread is to end.
    func sleep() -> Bool {
        semaphore.wait()
        return state.withLock { () -> Bool in
            woken = false
            return !stopped
        }
    }
}

/// Copies the write-ahead log back into the database on a thread and connection of its own, each
/// time the log has grown by `pages` (SQLite's own default threshold): the fsync this takes then
/// holds up no request. Passive, so that it never waits for the writers. Under steady writes a
/// passive checkpoint never catches up with the end of the log, and the log only starts over once
/// one has, so past `restartPages` (32 MB) the checkpoint waits for the writer, copies what is left
/// and has the next write start the log over from its beginning (the file keeps its size, so its
/// blocks are overwritten rather than allocated again).
final class Checkpointer: Sendable {
    static let pages: Int32 = 1_000
    static let restartPages: Int32 = 8_000
    private let thread: SleepingThread
    /// The log's length at the last request (a shorter log has started over), and whether a
    /// request since the last checkpoint found it past `restartPages`.
    private let state: Locked<(requestedAt: Int32, restart: Bool)>

    init(path: String) {
        let state = Locked<(requestedAt: Int32, restart: Bool)>((0, false))
        self.state = state
        thread = SleepingThread(name: "sqlite-checkpoint") { thread in
            var db: OpaquePointer?
            guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
                if let db { sqlite3_close(db) }
                return
            }
            defer { sqlite3_close_v2(db) }
            SQLiteDatabase.waitWhenBusy(db)
            // A connection learns that the database is in WAL mode when it first reads it; until
            // then a checkpoint does nothing.
            sqlite3_exec(db, "PRAGMA journal_mode", nil, nil, nil)
            while thread.sleep() {
                let restarting = state.withLock { value in
                    defer { value.restart = false }
                    return value.restart
                }
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                // Starting the log over holds the writer while it copies what is left: after a
                // passive pass, little is.
                if restarting { sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_RESTART, nil, nil) }
            }
        }
    }

    /// Called after each commit with the log's length in pages: asks for a checkpoint when the log
    /// has grown by `pages` since the last one asked for.
    func committed(logPages pages: Int32) {
        let wake = state.withLock { value -> Bool in
            if pages < value.requestedAt { value.requestedAt = 0 }
            guard pages >= value.requestedAt + Self.pages else { return false }
            value.requestedAt = pages
            if pages >= Self.restartPages { value.restart = true }
            return true
        }
        if wake { thread.wake() }
    }

    func stop() {
        thread.stop()
    }
}

/// A write waiting for the writer thread: its statements, and how its caller is resumed.
final class PendingWrite: @unchecked Sendable {
    let body: (SQLiteDatabase.Transaction) throws -> Void
    let finish: ((any Error)?) -> Void

    init(body: @escaping (SQLiteDatabase.Transaction) throws -> Void, finish: @escaping ((any Error)?) -> Void) {
        self.body = body
        self.finish = finish
    }
}

/// Where a write's body leaves its value for the caller (set on the writer thread before the
/// commit, read after it).
final class WriteResult<T>: @unchecked Sendable {
    var value: T?
}

/// The writes waiting, and the thread that commits them in batches (started with the first write).
final class WriteQueue: Sendable {
    /// The most writes one transaction takes.
    static let batchLimit = 64
    private let pending: Locked<(writes: [PendingWrite], database: SQLiteDatabase?)>
    private let thread: SleepingThread

    init() {
        let pending = Locked<(writes: [PendingWrite], database: SQLiteDatabase?)>(([], nil))
        self.pending = pending
        thread = SleepingThread(name: "sqlite-writer") { thread in
            while thread.sleep() {
                while true {
                    let (batch, database) = pending.withLock { state -> ([PendingWrite], SQLiteDatabase?) in
                        let batch = Array(state.writes.prefix(Self.batchLimit))
                        state.writes.removeFirst(batch.count)
                        // Held only while there is work, so that the database can close.
                        if state.writes.isEmpty { defer { state.database = nil }; return (batch, state.database) }
                        return (batch, state.database)
                    }
                    guard !batch.isEmpty else { break }
                    guard let database else {
                        for write in batch { write.finish(WriteQueue.closed) }
                        continue
                    }
                    let errors = database.commit(batch)
                    for (write, error) in zip(batch, errors) { write.finish(error) }
                }
            }
            for write in pending.withLock({ state in defer { state.writes = [] }; return state.writes }) { write.finish(WriteQueue.closed) }
        }
    }

    private static let closed = SQLiteError(code: SQLITE_MISUSE, message: "the database is closed", sql: nil)

    func enqueue(_ write: PendingWrite, database: SQLiteDatabase) {
        pending.withLock { state in
            state.writes.append(write)
            state.database = database
        }
        // The writer, stopping, may have taken the write already and finished it: only whoever
        // takes it out of the queue finishes it.
        if !thread.wake(), pending.withLock({ state -> Bool in
            guard let index = state.writes.firstIndex(where: { $0 === write }) else { return false }
            state.writes.remove(at: index)
            return true
        }) {
            write.finish(Self.closed)
        }
    }

    func stop() {
        thread.stop()
    }
}

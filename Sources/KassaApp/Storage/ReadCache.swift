import Foundation
import Synchronization

/// Remembers, for at most `lifetime`, rows that every request reads and that rarely change: a
/// token's owner, a partner's link hosts, templates and quotas. Reading them from SQLite costs a read
/// transaction each, several per event.
///
/// The store forgets an entry as soon as it changes those rows itself, so within this process a read
/// after a write sees the write. Changes made by another process on the same file (the `kassa`
/// command beside a running service) are seen within `lifetime`.
final class ReadCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let storedAt: Date
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Moves on every `forget`: a value loaded before it may be stale and is not kept.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    let lifetime: TimeInterval
    /// Beyond this many entries the cache starts afresh.
    let limit: Int

    init(lifetime: TimeInterval, limit: Int = 10_000) {
        self.lifetime = lifetime
        self.limit = limit
    }

    /// The value for `key` stored less than `lifetime` before `now`, else what `load` reads, which is
    /// kept when `keep` says so and nothing was forgotten while it was read.
    func value(for key: Key, now: Date, keep: (Value) -> Bool = { _ in true }, load: () throws -> Value) rethrows -> Value {
        let (hit, generation) = state.withLock { state -> (Value?, UInt64) in
            guard let entry = state.entries[key] else { return (nil, state.generation) }
            let age = now.timeIntervalSince(entry.storedAt)
            return (age >= 0 && age < lifetime ? entry.value : nil, state.generation)
        }
        if let hit { return hit }
        let value = try load()
        if keep(value) {
            state.withLock { state in
                guard state.generation == generation else { return }
                if state.entries.count >= limit { state.entries.removeAll() }
                state.entries[key] = Entry(value: value, storedAt: now)
            }
        }
        return value
    }

    /// Call after the change to `key`'s rows has committed.
    func forget(_ key: Key) {
        state.withLock { state in
            state.entries[key] = nil
            state.generation &+= 1
        }
    }

    func forgetAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation &+= 1
        }
    }
}

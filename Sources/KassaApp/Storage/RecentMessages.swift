import Synchronization

/// The rendered messages of the notifications this process has just accepted, kept for its
/// dispatcher, which would otherwise read them back, HTML and all, moments after they were written.
///
/// A message never changes once stored, so what is kept is what the database holds. The dispatcher
/// takes a notification's messages once; a notification not found here (claimed by another node,
/// sent again after a failed step, or pushed out by newer ones) has its messages read from the
/// database. At most `limit` notifications are kept: past half of it, the older half is dropped.
final class RecentMessages: Sendable {
    private struct State {
        var current: [String: [RenderedMessage]] = [:]
        var previous: [String: [RenderedMessage]] = [:]
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int = 2_048) {
        self.limit = max(2, limit)
    }

    func keep(_ notifications: [PlannedNotification]) {
        guard !notifications.isEmpty else { return }
        state.withLock { state in
            for n in notifications {
                if state.current.count >= limit / 2 {
                    state.previous = state.current
                    state.current = [:]
                }
                state.current[n.id] = n.messages
            }
        }
    }

    /// Takes out the messages of those of `ids` that are here.
    func take(_ ids: [String]) -> [String: [RenderedMessage]] {
        state.withLock { state in
            var found: [String: [RenderedMessage]] = [:]
            for id in ids {
                if let messages = state.current.removeValue(forKey: id) ?? state.previous.removeValue(forKey: id) {
                    found[id] = messages
                }
            }
            return found
        }
    }

    /// Drops what was kept for notifications that were not stored after all.
    func forget(_ notifications: [PlannedNotification]) {
        guard !notifications.isEmpty else { return }
        state.withLock { state in
            for n in notifications {
                state.current[n.id] = nil
                state.previous[n.id] = nil
            }
        }
    }
}

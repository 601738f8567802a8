import Synchronization

/// A loop's sleep that a producer can cut short: `wait(upTo:)` returns at the next `wake()`, or
/// at once if a wake-up came while nobody waited, or when the tick has passed.
///
/// ```swift
/// let signal = WakeSignal()
/// while !Task.isCancelled { if await work() == 0 { await signal.wait(upTo: .milliseconds(250)) } }
/// signal.wake()   // from whoever just queued something
/// ```
final class WakeSignal: Sendable {
    private struct State {
        var waiter: CheckedContinuation<Void, Never>?
        var woken = false
    }
    private let state = Mutex(State())

    /// Ends the current wait, or the next one at once when nobody is waiting.
    func wake() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            defer { s.waiter = nil }
            if s.waiter == nil { s.woken = true }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Suspends until `wake()` or until `tick` has passed.
    func wait(upTo tick: Duration) async {
        let timer = Task { [weak self] in
            // A cancelled timer (the wait ended early) wakes nobody, so the next wait is not cut short.
            guard (try? await Task.sleep(for: tick)) != nil else { return }
            self?.wake()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.woken {
                    s.woken = false
                    return true
                }
                s.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
        timer.cancel()
    }
}

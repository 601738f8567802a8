import Foundation
import Synchronization
import TemplateEngine

/// The service's log lines, handed to `write` many at a time: within `interval` of being logged, at
/// once when 64 KB are waiting, and all of them when the service stops. Under load every request
/// logs a line, and a write of its own per line cost more than the rest of logging it.
final class ServiceLog: Sendable {
    private struct State {
        var lines = ""
        var stopped = false
    }

    private let state = Mutex(State())
    private let write: @Sendable (String) -> Void
    private static let limit = 64 << 10

    /// `write` takes one or more lines joined by newlines, without the last one.
    init(interval: Duration = .milliseconds(100), write: @escaping @Sendable (String) -> Void) {
        self.write = write
        let thread = Thread { [self] in
            while !state.withLock({ $0.stopped }) {
                Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
                flush()
            }
        }
        thread.name = "service-log"
        thread.start()
    }

    /// A line as the service logs one: a JSON object of the level, the message and the fields
    /// (in the order of their names).
    static func line(_ level: String, _ message: String, _ fields: [String: String]) -> String {
        var o = ValueObject([("level", .string(level)), ("msg", .string(message))])
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { o[key] = .string(value) }
        return Value.object(o).jsonString
    }

    func log(_ line: String) {
        state.withLock { state in
            // Written under the lock, so that lines keep their order.
            guard !state.stopped else { return write(line) }
            if !state.lines.isEmpty { state.lines += "\n" }
            state.lines += line
            if state.lines.utf8.count >= Self.limit { take(&state) }
        }
    }

    /// Writes what is waiting.
    func flush() {
        state.withLock { take(&$0) }
    }

    /// Writes what is waiting; later lines are written at once, each on its own.
    func stop() {
        state.withLock { state in
            take(&state)
            state.stopped = true
        }
    }

    private func take(_ state: inout State) {
        guard !state.lines.isEmpty else { return }
        write(state.lines)
        state.lines = ""
    }
}

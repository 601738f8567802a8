import Foundation
import Synchronization

/// Where the service reads the time: the system clock in production, a settable one in tests.
protocol WallClock: Sendable {
    func now() -> Date
}

struct SystemWallClock: WallClock {
    func now() -> Date { Date() }
}

/// A clock that stands still until told to move: "three days later" is one line in a test.
final class ManualWallClock: WallClock {
    private let current: Mutex<Date>

    init(_ start: Date) {
        current = Mutex(start)
    }

    func now() -> Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Stored times are UTC, written as ISO 8601 with milliseconds.
enum StoredTime {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)

    static func text(_ date: Date) -> String {
        date.formatted(style)
    }

    static func date(_ text: String) -> Date? {
        try? style.parse(text)
    }
}

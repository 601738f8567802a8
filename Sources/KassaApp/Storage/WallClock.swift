import Foundation
import Synchronization
import TemplateEngine

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

    /// `2026-11-29T15:04:04.123Z`, as `Date.ISO8601FormatStyle` writes it, by arithmetic (the
    /// format style, through the Gregorian calendar, cost more than the statement that stores the
    /// time); dates before 1970 or after 9999 go to the format style.
    static func text(_ date: Date) -> String {
        // As the format style does: whole seconds since 2001 and the milliseconds of the fraction
        // left, cut short (not rounded).
        let sinceReference = date.timeIntervalSinceReferenceDate
        let whole = sinceReference.rounded(.down)
        guard whole >= -978_307_200, whole < 252_423_993_600 else { return date.formatted(style) }
        let milliseconds = (Int64(whole) + 978_307_200) * 1000 + Int64(((sinceReference - whole) * 1000).rounded(.down))
        let (days, inDay) = Int(milliseconds).quotientAndRemainder(dividingBy: 86_400_000)
        let (year, month, day) = civilFromDays(days)
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, _ width: Int, at offset: Int) {
            var value = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[i] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, 4, at: 0); bytes[4] = UInt8(ascii: "-"); put(month, 2, at: 5); bytes[7] = UInt8(ascii: "-"); put(day, 2, at: 8)
        bytes[10] = UInt8(ascii: "T")
        put(inDay / 3_600_000, 2, at: 11); bytes[13] = UInt8(ascii: ":"); put(inDay / 60_000 % 60, 2, at: 14); bytes[16] = UInt8(ascii: ":")
        put(inDay / 1_000 % 60, 2, at: 17); bytes[19] = UInt8(ascii: "."); put(inDay % 1_000, 3, at: 20)
        bytes[23] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What `text` wrote, by arithmetic (the dispatcher reads a time with every notification);
    /// anything else goes to the format style.
    static func date(_ text: String) -> Date? {
        if let milliseconds = storedMilliseconds(text) { return Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
        return try? style.parse(text)
    }

    /// Milliseconds since 1970 of `YYYY-MM-DDTHH:MM:SS.mmmZ` with fields in their ranges, else nil.
    private static func storedMilliseconds(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { b -> Int64? in
            guard b.count == 24, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"),
                  b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "."), b[23] == UInt8(ascii: "Z") else { return nil }
            func number(_ offset: Int, _ width: Int) -> Int? {
                var value = 0
                for i in offset..<offset + width {
                    guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) else { return nil }
                    value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                  let minute = number(14, 2), let second = number(17, 2), let millisecond = number(20, 3),
                  year >= 1970, (1...12).contains(month), day >= 1, hour < 24, minute < 60, second < 60
            else { return nil }
            // A day past its month's end rolls into the next month: such a date does not come back.
            let days = daysFromCivil(year: year, month: month, day: day)
            guard civilFromDays(days) == (year, month, day) else { return nil }
            return (Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)) * 1_000 + Int64(millisecond)
        }
    }
}

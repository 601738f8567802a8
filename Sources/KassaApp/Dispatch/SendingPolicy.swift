import Synchronization
import Channels
import Foundation

/// What the dispatcher holds back against abuse and cost: quiet hours for non-transactional
/// messages by SMS and Viber, each partner's daily sends per channel, and the sends one recipient
/// may get per hour and per day (against SMS pumping), from the configuration's `sending` section.
struct SendingPolicy: Sendable, Equatable {
    /// When non-transactional SMS and Viber messages wait; nil holds nothing.
    var quietHours: QuietHours? = QuietHours(start: 21 * 60, end: 9 * 60)
    /// A partner's sends per channel per Moscow calendar day, unless an operator set the partner's own.
    var partnerDaily: [ChannelKind: Int] = [.sms: 2000, .viber: 5000, .vk: 5000, .email: 50000]
    /// Sends to one address on a channel, across all partners, per clock hour; a channel not here is not capped.
    var recipientHourly: [ChannelKind: Int] = [.sms: 5, .viber: 5]
    /// Sends to one address on a channel, across all partners, per Moscow calendar day.
    var recipientDaily: [ChannelKind: Int] = [.sms: 20, .viber: 20]

    /// The channels quiet hours hold: those that reach a phone at night.
    static let quietChannels: Set<ChannelKind> = [.sms, .viber]

    /// Europe/Moscow, where days and quiet hours are counted (UTC+3 all year since 2014).
    static let moscow = TimeZone(identifier: "Europe/Moscow") ?? TimeZone(secondsFromGMT: 3 * 3600)!

    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = moscow
        return calendar
    }

    /// The Moscow calendar day of `date`, as `2026-11-29`, and the moment it began.
    static func moscowDay(of date: Date) -> (name: String, start: Date) {
        // Every send asks, nearly always about the same day as the last one.
        if let day = lastDay.withLock({ $0 }), date >= day.start, date < day.end { return (day.name, day.start) }
        let calendar = calendar
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let name = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        let start = calendar.startOfDay(for: date)
        let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start
        lastDay.withLock { $0 = (name, start, end) }
        return (name, start)
    }

    private static let lastDay = Mutex<(name: String, start: Date, end: Date)?>(nil)

    /// When non-transactional `channel` messages may go again, if `date` is inside quiet hours.
    func heldUntil(_ date: Date, channel: ChannelKind) -> Date? {
        guard Self.quietChannels.contains(channel) else { return nil }
        return quietHours?.end(ofWindowContaining: date)
    }

    /// The counters one send on `channel` to `address` adds to, each with its limit; `partnerDaily`
    /// is the partner's limit for the channel (its own, or the default; nil for none). Sandbox sends count apart
    /// from live ones, per partner, so that a partner testing sees the limits without using up the
    /// real ones or anyone else's.
    func counters(partnerID: String, channel: ChannelKind, address: String, sandbox: Bool, partnerDaily: Int?, now: Date) -> [SendCounter] {
        let day = Self.moscowDay(of: now)
        let hourStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        let hour = "h:" + String(StoredTime.text(hourStart).prefix(13))
        var counters: [SendCounter] = []
        if let partnerDaily {
            counters.append(SendCounter(kind: .partnerDaily, key: Self.partnerCounterKey(partnerID: partnerID, channel: channel, sandbox: sandbox),
                                        period: Self.dayPeriod(day.name), periodStart: day.start, limit: partnerDaily))
        }
        let recipient = (sandbox ? "sandbox:\(partnerID):" : "") + "recipient:\(channel.rawValue):\(address)"
        if let limit = recipientHourly[channel] {
            counters.append(SendCounter(kind: .recipientHourly, key: recipient, period: hour, periodStart: hourStart, limit: limit))
        }
        if let limit = recipientDaily[channel] {
            counters.append(SendCounter(kind: .recipientDaily, key: recipient, period: Self.dayPeriod(day.name), periodStart: day.start, limit: limit))
        }
        return counters
    }

    /// The counter of a partner's sends on a channel.
    static func partnerCounterKey(partnerID: String, channel: ChannelKind, sandbox: Bool) -> String {
        (sandbox ? "sandbox:\(partnerID):" : "") + "partner:\(partnerID):\(channel.rawValue)"
    }

    /// The period of a Moscow calendar day named as `moscowDay` names it.
    static func dayPeriod(_ day: String) -> String { "d:" + day }
}

/// One window counter a send adds to: a key (a partner's channel, or a recipient's address on a
/// channel), its period (a Moscow day or a clock hour) and the most it may reach.
struct SendCounter: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case partnerDaily, recipientHourly, recipientDaily
    }

    let kind: Kind
    let key: String
    let period: String
    /// When the period began, so that old counters can be deleted.
    let periodStart: Date
    let limit: Int

    /// The attempt outcome and a plain reason, in Russian and English, for a send this counter refused.
    var refusal: (outcome: String, reason: String) {
        switch kind {
        case .partnerDaily:
            ("quota_exceeded", "Дневная квота партнёра на этот канал исчерпана (\(limit) в сутки по Москве) / the partner's daily quota on this channel (\(limit) per Moscow day) is used up")
        case .recipientHourly:
            ("recipient_cap", "Получателю уже отправлено \(limit) сообщений за этот час / the recipient has had \(limit) messages on this channel this hour")
        case .recipientDaily:
            ("recipient_cap", "Получателю уже отправлено \(limit) сообщений за сутки / the recipient has had \(limit) messages on this channel today (Moscow time)")
        }
    }
}

/// A daily window, such as 21:00–09:00 Moscow time, given in minutes after Moscow midnight; it may
/// span midnight.
struct QuietHours: Sendable, Equatable, CustomStringConvertible {
    let start: Int
    let end: Int

    init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Reads `HH:MM-HH:MM`; the message says what is wrong.
    init(parsing text: String) throws(ServiceConfig.Problem) {
        let bounds = text.split(separator: "-", omittingEmptySubsequences: false)
        func minutes(_ part: Substring) -> Int? {
            let hm = part.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
            guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
                  (0...23).contains(h), (0...59).contains(m) else { return nil }
            return h * 60 + m
        }
        guard bounds.count == 2, let start = minutes(bounds[0]), let end = minutes(bounds[1]) else {
            throw ServiceConfig.Problem(message: "must be \"HH:MM-HH:MM\" in Moscow time, such as \"21:00-09:00\", or \"off\"; not '\(text)'")
        }
        guard start != end else {
            throw ServiceConfig.Problem(message: "starts and ends at the same time; write \"off\" for no quiet hours")
        }
        self.init(start: start, end: end)
    }

    var description: String {
        String(format: "%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60)
    }

    /// The end of the window `date` falls in, or nil when it falls outside.
    func end(ofWindowContaining date: Date) -> Date? {
        let dayStart = SendingPolicy.moscowDay(of: date).start
        let minute = Int(date.timeIntervalSince(dayStart) / 60)
        let inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        guard inside else { return nil }
        // Moscow has no daylight saving time, so a day is 24 hours.
        let endToday = dayStart.addingTimeInterval(TimeInterval(end * 60))
        return endToday > date ? endToday : endToday.addingTimeInterval(24 * 3600)
    }
}

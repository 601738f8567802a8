import Foundation

extension StandardFilters {
    /// The `date` filter: Ruby's `strftime` over a date read from a timestamp, "now" or a date string.
    static let dateFilters: [FilterDefinition] = [
        FilterDefinition("date", arity: 1...1) { input, args, ctx in
            let format = filterArgument(args, 0).toStringValue
            if format.isEmpty { return input }
            guard let instant = dateInstant(of: input, ctx) else { return input }
            return .string(try rubyStrftime(format, BrokenDownTime(instant, ctx.options.timeZone), locale: ctx.options.locale, ctx))
        },
    ]
}

/// The widest field a `strftime` directive may ask for; wider ones are refused (CVE-2026-45357).
let maxStrftimeWidth = 64

/// A moment as Unix seconds and the nanoseconds within that second.
struct UnixInstant: Equatable {
    var seconds: Int
    var nanoseconds: Int
}

/// Liquid's `Utils.to_date`: "now" and "today", integers and digit strings as Unix seconds, and date
/// strings in the common ISO 8601 and English forms; nil for anything else, which `date` then
/// passes through unchanged.
func dateInstant(of input: Value, _ ctx: FilterContext) -> UnixInstant? {
    switch input {
    case .int(let seconds):
        return UnixInstant(seconds: seconds, nanoseconds: 0)
    case .string(let text):
        if text.isEmpty { return nil }
        let lower = text.lowercased()
        if lower == "now" || lower == "today" { return now(ctx) }
        if text.utf8.allSatisfy(isASCIIDigit) {
            guard let seconds = Int(text) else { return nil }
            return UnixInstant(seconds: seconds, nanoseconds: 0)
        }
        return parseDateString(text, ctx)
    default:
        return nil
    }
}

/// The instant "now" means for this render.
private func now(_ ctx: FilterContext) -> UnixInstant {
    let raw = (ctx.options.now ?? Date()).timeIntervalSince1970
    let t = raw.isFinite ? max(-1e15, min(1e15, raw)) : 0
    let whole = t.rounded(.down)
    return UnixInstant(seconds: Int(whole), nanoseconds: min(999_999_999, Int((t - whole) * 1e9)))
}

// MARK: - Calendar arithmetic

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm); days past a month's
/// end roll into the next month, as Ruby's `Time.local` does.
public func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm); the
/// service's stored times use it too.
public func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

/// Floor division, which calendar arithmetic needs for times before 1970.
@inline(__always) func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// The remainder that goes with `floorDiv` (it takes the divisor's sign), without overflow.
@inline(__always) func floorMod(_ a: Int, _ b: Int) -> Int {
    let r = a % b
    return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
}

/// Whether a year is a Gregorian leap year.
private func isLeapYear(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

/// A time zone's offset from UTC at an instant, in seconds (far-off instants are clamped first).
func zoneOffset(_ zone: TimeZone, at seconds: Int) -> Int {
    let clamped = max(-62_135_596_800, min(253_402_300_799, seconds))
    return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(clamped)))
}

/// A moment split into the fields `strftime` prints, in one time zone.
struct BrokenDownTime {
    let instant: UnixInstant
    let year: Int
    let month: Int
    let day: Int
    let hour: Int
    let minute: Int
    let second: Int
    /// Day of the week, Sunday being 0.
    let weekday: Int
    /// Day of the year, 1 for January 1st.
    let yearDay: Int
    let utcOffset: Int
    let zone: TimeZone
    /// `%Z`, looked up only when a format asks for it (the zone database is the costly part).
    var zoneName: String { zoneAbbreviation(zone, at: instant.seconds, offset: utcOffset) }

    init(_ instant: UnixInstant, _ zone: TimeZone) {
        self.instant = instant
        let offset = zoneOffset(zone, at: instant.seconds)
        let (local, overflow) = instant.seconds.addingReportingOverflow(offset)
        let localSeconds = overflow ? instant.seconds : local
        let days = floorDiv(localSeconds, 86_400)
        let secondOfDay = floorMod(localSeconds, 86_400)
        let civil = civilFromDays(days)
        year = civil.year
        month = civil.month
        day = civil.day
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        weekday = floorMod(days + 4, 7)
        yearDay = days - daysFromCivil(year: civil.year, month: 1, day: 1) + 1
        utcOffset = offset
        self.zone = zone
    }

    /// The ISO 8601 week-numbering year and week (`%G`, `%V`).
    var isoWeek: (year: Int, week: Int) {
        let isoWeekday = weekday == 0 ? 7 : weekday
        let week = (yearDay - isoWeekday + 10) / 7
        if week < 1 { return (year - 1, weeksInISOYear(year - 1)) }
        if week > weeksInISOYear(year) { return (year + 1, 1) }
        return (year, week)
    }
}

/// How many ISO weeks a year has, 52 or 53.
private func weeksInISOYear(_ y: Int) -> Int {
    func p(_ y: Int) -> Int { floorMod(y + floorDiv(y, 4) - floorDiv(y, 100) + floorDiv(y, 400), 7) }
    return p(y) == 4 || p(y - 1) == 3 ? 53 : 52
}

/// The zone name `%Z` prints: "UTC" for UTC itself, "MSK" for Moscow time (which Linux's ICU calls
/// "GMT+3"), otherwise what Foundation calls the zone.
private func zoneAbbreviation(_ zone: TimeZone, at seconds: Int, offset: Int) -> String {
    let utcNames: Set<String> = ["GMT", "UTC", "Etc/UTC", "Etc/GMT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"]
    if utcNames.contains(zone.identifier) { return "UTC" }
    // Moscow has kept UTC+3 all year since 26 October 2014 (and had it in winter before 2011).
    if zone.identifier == "Europe/Moscow", offset == 3 * 3600 { return "MSK" }
    let clamped = max(-62_135_596_800, min(253_402_300_799, seconds))
    return zone.abbreviation(for: Date(timeIntervalSince1970: TimeInterval(clamped))) ?? ""
}

// MARK: - Names

/// Month and weekday names for one locale.
private struct DateNames {
    let months: [String]
    let shortMonths: [String]
    let weekdays: [String]
    let shortWeekdays: [String]

    static let english = DateNames(
        months: ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"],
        shortMonths: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        weekdays: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        shortWeekdays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"])

    /// Russian names; months are genitive ("29 ноября 2026"), as dates are written in Russian.
    static let russian = DateNames(
        months: ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                 "октября", "ноября", "декабря"],
        shortMonths: ["янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."],
        weekdays: ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
        shortWeekdays: ["вс", "пн", "вт", "ср", "чт", "пт", "сб"])

    static func forLocale(_ locale: String) -> DateNames {
        locale.lowercased().hasPrefix("ru") ? russian : english
    }
}

// MARK: - strftime

/// The flags and width of one `strftime` directive.
private struct Directive {
    var noPadding = false
    var padding: Character?
    var upper = false
    var changeCase = false
    var width = 0
    var colons = 0
}

/// Ruby's `Time#strftime`, with the flags `-`, `_`, `0`, `^`, `#`, a width (at most 64), the `:`
/// forms of `%z`, and the `E`/`O` modifiers; unknown directives are written as they stand.
func rubyStrftime(_ format: String, _ time: BrokenDownTime, locale: String, _ ctx: FilterContext) throws -> String {
    let names = DateNames.forLocale(locale)
    var out = BoundedBytes(ctx, reserve: format.utf8.count * 2)
    try formatDirectives(Array(format.utf8), time, names, into: &out)
    return out.string
}

/// Expands every directive of a format into `out`.
private func formatDirectives(_ f: [UInt8], _ time: BrokenDownTime, _ names: DateNames,
                              into out: inout BoundedBytes) throws {
    var i = 0
    while i < f.count {
        guard f[i] == UInt8(ascii: "%") else {
            try out.append(f[i])
            i += 1
            continue
        }
        let start = i
        i += 1
        var d = Directive()
        flags: while i < f.count {
            switch f[i] {
            case UInt8(ascii: "-"): d.noPadding = true
            case UInt8(ascii: "_"): d.padding = " "
            case UInt8(ascii: "0"): d.padding = "0"
            case UInt8(ascii: "^"): d.upper = true
            case UInt8(ascii: "#"): d.changeCase = true
            default: break flags
            }
            i += 1
        }
        while i < f.count && isASCIIDigit(f[i]) {
            d.width = d.width * 10 + Int(f[i] - 0x30)
            if d.width > maxStrftimeWidth {
                throw FilterError("a date field width above \(maxStrftimeWidth) is not allowed", kind: .limit)
            }
            i += 1
        }
        while i < f.count && f[i] == UInt8(ascii: ":") && d.colons < 3 {
            d.colons += 1
            i += 1
        }
        if i + 1 < f.count && (f[i] == UInt8(ascii: "E") || f[i] == UInt8(ascii: "O")) {
            let allowed = f[i] == UInt8(ascii: "E") ? "cCxXyY" : "deHImMSuUVwWy"
            if allowed.utf8.contains(f[i + 1]) { i += 1 }
        }
        guard i < f.count else {
            try out.append(contentsOf: f[start...])
            break
        }
        let conversion = f[i]
        i += 1
        if let text = try convert(conversion, d, time, names) {
            try out.append(contentsOf: text.utf8)
        } else {
            try out.append(contentsOf: f[start..<i])
        }
    }
}

/// The text of one conversion, or nil when Ruby would write the directive literally.
private func convert(_ c: UInt8, _ d: Directive, _ t: BrokenDownTime, _ names: DateNames) throws -> String? {
    if d.colons > 0 && c != UInt8(ascii: "z") { return nil }
    let hour12 = t.hour % 12 == 0 ? 12 : t.hour % 12
    switch Character(Unicode.Scalar(c)) {
    case "Y": return number(t.year, d, pad: "0", width: t.year < 0 ? 5 : 4)
    case "C": return number(floorDiv(t.year, 100), d, pad: "0", width: 2)
    case "y": return number(floorMod(t.year, 100), d, pad: "0", width: 2)
    case "m": return number(t.month, d, pad: "0", width: 2)
    case "d": return number(t.day, d, pad: "0", width: 2)
    case "e": return number(t.day, d, pad: " ", width: 2)
    case "j": return number(t.yearDay, d, pad: "0", width: 3)
    case "H": return number(t.hour, d, pad: "0", width: 2)
    case "k": return number(t.hour, d, pad: " ", width: 2)
    case "I": return number(hour12, d, pad: "0", width: 2)
    case "l": return number(hour12, d, pad: " ", width: 2)
    case "M": return number(t.minute, d, pad: "0", width: 2)
    case "S": return number(t.second, d, pad: "0", width: 2)
    case "L": return fraction(t.instant.nanoseconds, digits: d.width > 0 ? d.width : 3)
    case "N": return fraction(t.instant.nanoseconds, digits: d.width > 0 ? d.width : 9)
    case "s": return number(t.instant.seconds, d, pad: "0", width: 1)
    case "Q":
        let (ms, overflow) = t.instant.seconds.multipliedReportingOverflow(by: 1000)
        return number(overflow ? t.instant.seconds : ms + t.instant.nanoseconds / 1_000_000, d, pad: "0", width: 1)
    case "u": return number(t.weekday == 0 ? 7 : t.weekday, d, pad: "0", width: 1)
    case "w": return number(t.weekday, d, pad: "0", width: 1)
    case "U": return number((t.yearDay - 1 + 7 - t.weekday) / 7, d, pad: "0", width: 2)
    case "W": return number((t.yearDay - 1 + 7 - (t.weekday + 6) % 7) / 7, d, pad: "0", width: 2)
    case "G": let y = t.isoWeek.year; return number(y, d, pad: "0", width: y < 0 ? 5 : 4)
    case "g": return number(floorMod(t.isoWeek.year, 100), d, pad: "0", width: 2)
    case "V": return number(t.isoWeek.week, d, pad: "0", width: 2)
    case "A": return text(names.weekdays[t.weekday], d, caseChange: .upper)
    case "a": return text(names.shortWeekdays[t.weekday], d, caseChange: .upper)
    case "B": return text(names.months[t.month - 1], d, caseChange: .upper)
    case "b", "h": return text(names.shortMonths[t.month - 1], d, caseChange: .upper)
    case "p": return text(t.hour < 12 ? "AM" : "PM", d, caseChange: .lower)
    case "P": return text(t.hour < 12 ? "am" : "pm", d, caseChange: .upper)
    case "Z": return text(t.zoneName, d, caseChange: .lower)
    case "z": return offset(t.utcOffset, d)
    case "n": return "\n"
    case "t": return "\t"
    case "%": return "%"
    case "c": return try composite("%a %b %e %H:%M:%S %Y", d, t, names)
    case "D", "x": return try composite("%m/%d/%y", d, t, names)
    case "F": return try composite("%Y-%m-%d", d, t, names)
    case "T", "X": return try composite("%H:%M:%S", d, t, names)
    case "R": return try composite("%H:%M", d, t, names)
    case "r": return try composite("%I:%M:%S %p", d, t, names)
    case "v": return try composite("%e-%^b-%4Y", d, t, names)
    case "+": return try composite("%a %b %e %H:%M:%S %Z %Y", d, t, names)
    default: return nil
    }
}

/// A number padded as Ruby pads it: to the directive's width (or the conversion's own), with the
/// conversion's pad character unless a flag names another, and not at all under `-`.
private func number(_ value: Int, _ d: Directive, pad: Character, width: Int) -> String {
    let digits = String(value.magnitude)
    let sign = value < 0 ? "-" : ""
    let target = d.noPadding ? 1 : (d.width > 0 ? d.width : width)
    let padChar = d.padding ?? pad
    let missing = target - sign.count - digits.count
    guard missing > 0 else { return sign + digits }
    let fill = String(repeating: padChar, count: missing)
    return padChar == "0" ? sign + fill + digits : fill + sign + digits
}

/// Fractional seconds to the given number of digits, truncated (zeros added past nanoseconds).
private func fraction(_ nanoseconds: Int, digits: Int) -> String {
    let nine = String(nanoseconds)
    let padded = String(repeating: "0", count: max(0, 9 - nine.count)) + nine
    if digits <= 9 { return String(padded.prefix(digits)) }
    return padded + String(repeating: "0", count: digits - 9)
}

/// Which way `#` turns a name: names go to upper case, `%p` and `%Z` to lower case.
private enum CaseChange { case upper, lower }

/// A name with the case flags applied, then padded on the left to the directive's width.
private func text(_ s: String, _ d: Directive, caseChange: CaseChange) -> String {
    var result = s
    if d.changeCase {
        result = caseChange == .upper ? result.uppercased() : result.lowercased()
    } else if d.upper {
        result = result.uppercased()
    }
    return padded(result, d)
}

/// Left padding to the directive's width with spaces (or the flag's character), unless `-` is given.
private func padded(_ s: String, _ d: Directive) -> String {
    guard !d.noPadding, d.width > s.count else { return s }
    return String(repeating: d.padding ?? " ", count: d.width - s.count) + s
}

/// `%z` and its colon forms: `+hhmm`, `+hh:mm`, `+hh:mm:ss`, or `+hh` with minutes only when needed.
private func offset(_ seconds: Int, _ d: Directive) -> String {
    let sign = seconds < 0 ? "-" : "+"
    let total = seconds.magnitude
    let hh = total / 3600
    let mm = total % 3600 / 60
    let ss = total % 60
    func two(_ n: UInt) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let hours = d.noPadding ? "\(hh)" : two(hh)
    var body: String
    switch d.colons {
    case 0: body = hours + two(mm)
    case 1: body = hours + ":" + two(mm)
    case 2: body = hours + ":" + two(mm) + ":" + two(ss)
    default: body = hours + (mm != 0 || ss != 0 ? ":" + two(mm) : "") + (ss != 0 ? ":" + two(ss) : "")
    }
    let missing = d.width - 1 - body.count
    if missing > 0 && !d.noPadding {
        if d.padding == " " { return String(repeating: " ", count: missing) + sign + body }
        body = String(repeating: "0", count: missing) + body
    }
    return sign + body
}

/// A combination directive (`%c`, `%F`, `%T`…): its parts formatted, then upper-cased under `^`
/// or `#`, and padded as a whole to the directive's width.
private func composite(_ pattern: String, _ d: Directive, _ t: BrokenDownTime, _ names: DateNames) throws -> String {
    var parts = try expand(pattern, t, names)
    if d.upper || d.changeCase { parts = parts.uppercased() }
    return padded(parts, d)
}

/// A fixed pattern of plain directives (`%a`, `%^b`, `%4Y`), formatted without widths of its own.
private func expand(_ pattern: String, _ t: BrokenDownTime, _ names: DateNames) throws -> String {
    var result = ""
    let f = Array(pattern.utf8)
    var i = 0
    while i < f.count {
        guard f[i] == UInt8(ascii: "%"), i + 1 < f.count else {
            result += String(decoding: [f[i]], as: UTF8.self)
            i += 1
            continue
        }
        var d = Directive()
        i += 1
        if f[i] == UInt8(ascii: "^"), i + 1 < f.count {
            d.upper = true
            i += 1
        }
        if f[i] == UInt8(ascii: "4"), i + 1 < f.count {
            d.width = 4
            i += 1
        }
        result += try convert(f[i], d, t, names) ?? ""
        i += 1
    }
    return result
}

// MARK: - Reading dates

/// The date and time fields read from a string, before the time zone is applied.
private struct ParsedDate {
    var year: Int?
    var month: Int?
    var day: Int?
    var hour = 0
    var minute = 0
    var second = 0
    var nanoseconds = 0
    var offset: Int?
}

/// A cursor over the lower-cased bytes of a date string.
private struct DateScanner {
    let b: [UInt8]
    var i = 0

    var atEnd: Bool { i >= b.count }
    var peek: UInt8? { i < b.count ? b[i] : nil }

    mutating func skipSpaces() {
        while i < b.count && (b[i] == 0x20 || b[i] == 0x09) { i += 1 }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        i += 1
        return true
    }

    /// A run of digits, with its length (at most 12 digits are read as a number).
    mutating func digits() -> (value: Int, count: Int)? {
        let start = i
        var value = 0
        while i < b.count && isASCIIDigit(b[i]) {
            if i - start < 12 { value = value * 10 + Int(b[i] - 0x30) }
            i += 1
        }
        return i > start ? (value, i - start) : nil
    }

    /// A run of ASCII letters, with dots inside it removed ("a.m." reads as "am").
    mutating func word() -> String? {
        let start = i
        var letters: [UInt8] = []
        while i < b.count && ((b[i] >= 0x61 && b[i] <= 0x7A) || (b[i] == UInt8(ascii: ".") && !letters.isEmpty)) {
            if b[i] != UInt8(ascii: ".") { letters.append(b[i]) }
            i += 1
        }
        return i > start ? String(decoding: letters, as: UTF8.self) : nil
    }
}

/// English month names and their usual abbreviations, 1-based.
private func monthNumber(_ word: String) -> Int? {
    let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                  "october", "november", "december"]
    if let i = months.firstIndex(of: word) { return i + 1 }
    if word == "sept" { return 9 }
    if word.count == 3, let i = months.firstIndex(where: { $0.hasPrefix(word) }) { return i + 1 }
    return nil
}

/// Whether a word names a weekday (full, three-letter, or the common four-letter forms).
private func isWeekday(_ word: String) -> Bool {
    let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    if days.contains(word) { return true }
    if ["tues", "thur", "thurs", "weds"].contains(word) { return true }
    return word.count == 3 && days.contains { $0.hasPrefix(word) }
}

/// Reads ISO 8601 dates and date-times (`2016-03-14`, `2016-03-14T10:00:00+03:00`,
/// `2016-03-14 10:00`), day-first numeric dates (`14.03.2016`, `14/03/2016`), English dates
/// (`March 14, 2016`, `14 Mar 2016`, `Mon, 14 Mar 2016 10:00:00 +0000`) and a bare time of day,
/// each with an optional zone; strings that Ruby's `Date._parse` would refuse as too long are refused.
private func parseDateString(_ text: String, _ ctx: FilterContext) -> UnixInstant? {
    guard text.utf8.count <= 128 else { return nil }
    var s = DateScanner(b: Array(text.lowercased().utf8))
    var p = ParsedDate()
    s.skipSpaces()

    // An optional weekday, perhaps followed by a comma.
    let mark = s.i
    if let w = s.word(), isWeekday(w) {
        _ = s.take(UInt8(ascii: ","))
        s.skipSpaces()
    } else {
        s.i = mark
    }

    let sawDate = readDate(&s, &p)
    s.skipSpaces()
    if s.take(UInt8(ascii: "t")) || s.take(UInt8(ascii: ",")) { s.skipSpaces() }
    let timeMark = s.i
    let sawTime = readTime(&s, &p)
    if !sawTime { s.i = timeMark }
    s.skipSpaces()
    let zoneMark = s.i
    if !readZone(&s, &p) { s.i = zoneMark }
    s.skipSpaces()
    if sawDate, p.year == nil, let (y, n) = s.digits(), n == 4 {
        // asctime-style strings put the year last: "Mon Mar 14 10:00:00 UTC 2016".
        p.year = y
        s.skipSpaces()
    }
    guard s.atEnd, sawDate || sawTime else { return nil }
    return instant(from: p, sawDate: sawDate, ctx)
}

/// Reads a calendar date in one of the accepted forms; when there is none, leaves the scanner and
/// the fields as they were and answers false.
private func readDate(_ s: inout DateScanner, _ p: inout ParsedDate) -> Bool {
    let start = s.i
    let saved = p
    if let (first, firstCount) = s.digits(), let sep = s.peek,
       sep == UInt8(ascii: "-") || sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".") {
        s.i += 1
        if let (second, secondCount) = s.digits(), secondCount <= 2, s.take(sep), let (third, thirdCount) = s.digits() {
            if firstCount >= 4 && thirdCount <= 2 {
                (p.year, p.month, p.day) = (first, second, third)
                return true
            }
            if firstCount <= 2 && thirdCount == 4 {
                // Ruby reads numeric dates with the year last as day first: 14/03/2016.
                (p.year, p.month, p.day) = (third, second, first)
                return true
            }
        }
    }
    s.i = start
    if monthNameDate(&s, &p) { return true }
    s.i = start
    p = saved
    return false
}

/// Reads "March 14[,] [2016]", "March 2016", or "14[th] [of] March[,] [2016]"; leaves the scanner
/// where it was when neither is there.
private func monthNameDate(_ s: inout DateScanner, _ p: inout ParsedDate) -> Bool {
    let start = s.i
    func ordinalSuffix() {
        let mark = s.i
        if let w = s.word(), !["st", "nd", "rd", "th"].contains(w) { s.i = mark }
    }
    func separators() {
        while let c = s.peek, c == 0x20 || c == UInt8(ascii: ",") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") {
            s.i += 1
        }
    }
    if let w = s.word(), let month = monthNumber(w) {
        p.month = month
        separators()
        let mark = s.i
        guard let (n, count) = s.digits() else {
            s.i = mark
            return true
        }
        if count == 4 {
            p.year = n
            p.day = 1
            return true
        }
        guard count <= 2 else { return false }
        p.day = n
        ordinalSuffix()
        let beforeYear = s.i
        separators()
        if let (y, yc) = s.digits(), yc == 4 {
            p.year = y
        } else {
            s.i = beforeYear
        }
        return true
    }
    s.i = start
    if let (n, count) = s.digits(), count <= 2 {
        ordinalSuffix()
        separators()
        let mark = s.i
        if s.word() != "of" { s.i = mark }
        s.skipSpaces()
        if let w = s.word(), let month = monthNumber(w) {
            p.day = n
            p.month = month
            let beforeYear = s.i
            separators()
            if let (y, yc) = s.digits(), yc == 4 { p.year = y } else { s.i = beforeYear }
            return true
        }
    }
    s.i = start
    return false
}

/// Reads `H:MM[:SS[.fraction]]` with an optional am/pm.
private func readTime(_ s: inout DateScanner, _ p: inout ParsedDate) -> Bool {
    guard let (h, hc) = s.digits(), hc <= 2, s.take(UInt8(ascii: ":")), let (m, mc) = s.digits(), mc == 2 else {
        return false
    }
    p.hour = h
    p.minute = m
    if s.take(UInt8(ascii: ":")) {
        guard let (sec, sc) = s.digits(), sc == 2 else { return false }
        p.second = sec
        if s.take(UInt8(ascii: ".")) || s.take(UInt8(ascii: ",")) {
            let start = s.i
            var nanos = 0
            var n = 0
            while let c = s.peek, isASCIIDigit(c) {
                if n < 9 {
                    nanos = nanos * 10 + Int(c - 0x30)
                    n += 1
                }
                s.i += 1
            }
            guard s.i > start else { return false }
            for _ in n..<9 { nanos *= 10 }
            p.nanoseconds = nanos
        }
    }
    let mark = s.i
    s.skipSpaces()
    if let w = s.word(), w == "am" || w == "pm" {
        guard (1...12).contains(p.hour) else { return false }
        p.hour = p.hour % 12 + (w == "pm" ? 12 : 0)
    } else {
        s.i = mark
    }
    return true
}

/// Reads a zone: a name (`Z`, `UTC`, `GMT`, `EST`, `MSK`…) or a numeric offset `±hh`, `±hhmm`,
/// `±hh:mm` (also after a name, as in `UTC+03:00`).
private func readZone(_ s: inout DateScanner, _ p: inout ParsedDate) -> Bool {
    let mark = s.i
    if let w = s.word() {
        guard let hours = namedZones[w] else {
            s.i = mark
            return false
        }
        p.offset = hours * 3600
        if s.peek == UInt8(ascii: "+") || s.peek == UInt8(ascii: "-") { return numericOffset(&s, &p) }
        return true
    }
    return numericOffset(&s, &p)
}

/// Zone names Ruby's `Time.parse` knows, with their offsets in hours.
private let namedZones: [String: Int] = [
    "z": 0, "ut": 0, "utc": 0, "gmt": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6,
    "pst": -8, "pdt": -7, "wet": 0, "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "msk": 3,
]

/// Reads `±hh`, `±hhmm` or `±hh:mm` into the parsed offset.
private func numericOffset(_ s: inout DateScanner, _ p: inout ParsedDate) -> Bool {
    guard let signByte = s.peek, signByte == UInt8(ascii: "+") || signByte == UInt8(ascii: "-") else { return false }
    s.i += 1
    guard let (first, count) = s.digits() else { return false }
    var hours: Int
    var minutes = 0
    switch count {
    case 1, 2:
        hours = first
        if s.take(UInt8(ascii: ":")) {
            guard let (m, mc) = s.digits(), mc == 2 else { return false }
            minutes = m
        }
    case 4:
        hours = first / 100
        minutes = first % 100
    default:
        return false
    }
    guard hours <= 23, minutes <= 59 else { return false }
    let total = hours * 3600 + minutes * 60
    p.offset = signByte == UInt8(ascii: "-") ? -total : total
    return true
}

/// The instant of parsed fields: the missing date (or year) taken from "now" in the render's zone,
/// local times read in that zone unless the string gave its own offset.
private func instant(from p: ParsedDate, sawDate: Bool, _ ctx: FilterContext) -> UnixInstant? {
    let zone = ctx.options.timeZone
    var year = p.year
    var month = p.month
    var day = p.day
    if year == nil || !sawDate {
        let today = BrokenDownTime(now(ctx), zone)
        year = year ?? today.year
        if !sawDate {
            month = today.month
            day = today.day
        }
    }
    let d = day ?? 1
    guard let y = year, let m = month,
          (1...12).contains(m), (1...31).contains(d),
          (0...24).contains(p.hour), (0...59).contains(p.minute), (0...60).contains(p.second),
          p.hour < 24 || (p.minute == 0 && p.second == 0),
          (-1_000_000...1_000_000).contains(y) else {
        return nil
    }
    let days = daysFromCivil(year: y, month: m, day: d)
    let local = days * 86_400 + p.hour * 3600 + p.minute * 60 + p.second
    let seconds: Int
    if let offset = p.offset {
        seconds = local - offset
    } else {
        let guess = local - zoneOffset(zone, at: local)
        seconds = local - zoneOffset(zone, at: guess)
    }
    return UnixInstant(seconds: seconds, nanoseconds: p.nanoseconds)
}
